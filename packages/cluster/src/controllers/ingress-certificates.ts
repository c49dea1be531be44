import { CertificateAuthority } from "@testbed/common";
import { recordEvent } from "../store/events.js";
import type { KubeObject } from "../store/kube-object.js";
import type { ObjectStore } from "../store/object-store.js";
import { type Controller, type ControllerContext, ReconcileQueue } from "./controller.js";

/**
 * The testbed's ingress certificate issuer (what OpenShift's ingress operator and cert-manager do
 * on a real cluster): a Gateway's HTTPS listener names a `certificateRefs` Secret; when that Secret
 * does not exist, it is issued here from the testbed's ingress CA, for the listener's hostname (or
 * `*.apps.testbed.local`) and `localhost`. A Secret the user provides is never touched.
 */
interface GatewayListener {
  protocol?: string;
  hostname?: string;
  tls?: { certificateRefs?: Array<{ name: string; namespace?: string }> };
}

export class IngressCertificateController implements Controller {
  readonly name = "ingress-certificates";
  private queue: ReconcileQueue | undefined;
  private unwatch: (() => void) | undefined;

  constructor(private readonly authority: CertificateAuthority) {}

  static async create(): Promise<IngressCertificateController> {
    return new IngressCertificateController(
      await CertificateAuthority.create("CN=ingress-operator@1764547200", { keyAlgorithm: "ECDSA-P256" }),
    );
  }

  start(context: ControllerContext): void {
    const store = context.store;
    this.queue = new ReconcileQueue(this.name, (key) => this.reconcile(store, key), context.log);
    this.unwatch = store.watch((event) => {
      if (event.key === "gateway.networking.k8s.io/Gateway" && event.type !== "DELETED") {
        this.queue?.enqueue(`${event.object.metadata.namespace}/${event.object.metadata.name}`);
      }
    });
    for (const gateway of store.list("gateway.networking.k8s.io/Gateway")) {
      this.queue.enqueue(`${gateway.metadata.namespace}/${gateway.metadata.name}`);
    }
  }

  stop(): void {
    this.unwatch?.();
    this.queue?.stop();
  }

  private async reconcile(store: ObjectStore, key: string): Promise<void> {
    const [namespace, name] = key.split("/") as [string, string];
    const gateway = store.get("gateway.networking.k8s.io/Gateway", namespace, name);
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
