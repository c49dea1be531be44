// The testbed's ingress certificate issuer (what OpenShift's ingress operator and cert-manager do
// on a real cluster): a Gateway's HTTPS listener names a `certificateRefs` Secret; when that Secret
// does not exist, it is issued here from the testbed's ingress CA, for the listener's hostname (or
// `*.apps.testbed.local`) and `localhost`. A Secret the user provides is never touched.
import type { KubeObject } from "@testbed/apimachinery";
import { CertificateAuthority } from "@testbed/common";
import { recordEvent } from "../store/events.js";
import type { ObjectStore, WatchEvent } from "../store/object-store.js";
import { type ControllerContext, eventKey, QueuedController } from "./controller.js";

const GATEWAY = "gateway.networking.k8s.io/Gateway";

interface GatewayListener {
  protocol?: string;
  hostname?: string;
  tls?: { certificateRefs?: Array<{ name: string; namespace?: string }> };
}

/** Issues each HTTPS listener's missing certificate Secret from the ingress CA. */
export class IngressCertificateController extends QueuedController {
  readonly name = "ingress-certificates";

  constructor(private readonly authority: CertificateAuthority) {
    super();
  }

  static async create(): Promise<IngressCertificateController> {
    return new IngressCertificateController(
      await CertificateAuthority.create("CN=ingress-operator@1764547200", { keyAlgorithm: "ECDSA-P256" }),
    );
  }

  protected initialKeys(context: ControllerContext): string[] {
    return context.store.list(GATEWAY).map((gateway) => `${gateway.metadata.namespace}/${gateway.metadata.name}`);
  }

  protected keysFor(event: WatchEvent): string[] {
    return event.key === GATEWAY && event.type !== "DELETED" ? [eventKey(event)] : [];
  }

  protected async reconcile(key: string, context: ControllerContext): Promise<void> {
    const store = context.store;
    const [namespace, name] = key.split("/") as [string, string];
    const gateway = store.get(GATEWAY, namespace, name);
    if (!gateway) return;
    for (const listener of (gateway.spec?.listeners ?? []) as GatewayListener[]) {
      if (listener.protocol !== "HTTPS") continue;
      for (const ref of listener.tls?.certificateRefs ?? []) {
        const secretNamespace = ref.namespace ?? namespace;
        if (store.get("Secret", secretNamespace, ref.name)) continue;
        await this.issue(store, gateway, secretNamespace, ref.name, listener.hostname);
      }
    }
  }

  private async issue(
    store: ObjectStore,
    gateway: KubeObject,
    namespace: string,
    secretName: string,
    hostname: string | undefined,
  ): Promise<void> {
    const dnsNames = [hostname ?? "*.apps.testbed.local", "localhost"];
    const pair = await this.authority.issue({ name: `CN=${dnsNames[0]}`, dnsNames });
    if (store.get("Secret", namespace, secretName)) return;
    store.create({
      apiVersion: "v1",
      kind: "Secret",
      type: "kubernetes.io/tls",
      metadata: { name: secretName, namespace, labels: { "testbed.io/issued-by": "ingress-certificates" } },
      data: {
        "tls.crt": Buffer.from(pair.cert).toString("base64"),
        "tls.key": Buffer.from(pair.key).toString("base64"),
      },
    });
    recordEvent(
      store,
      gateway,
      "Normal",
      "CertificateIssued",
      `Issued ${namespace}/${secretName} from the testbed ingress CA`,
      "ingress-certificates",
    );
  }
}
