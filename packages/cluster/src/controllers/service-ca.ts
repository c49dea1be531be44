import type { KubeObject } from "@testbed/apimachinery";
import { CertificateAuthority } from "@testbed/common";
import { SERVICE_CA_CONFIGMAP } from "../kubelet/pod-volumes.js";
import { recordEvent } from "../store/events.js";
import type { ObjectStore, WatchEvent } from "../store/object-store.js";
import { type ControllerContext, QueuedController } from "./controller.js";

/** OpenShift's annotation: "sign a serving certificate for this Service into this Secret". */
export const SERVING_CERT_ANNOTATION = "service.beta.openshift.io/serving-cert-secret-name";
const SIGNED_BY_ANNOTATION = "service.beta.openshift.io/originating-service-name";

/**
 * OpenShift's service CA operator: one cluster CA (`openshift-service-serving-signer`) that
 * - publishes its certificate in every namespace as ConfigMap `openshift-service-ca.crt` (pods see it
 *   at /var/run/secrets/kubernetes.io/serviceaccount/service-ca.crt, where KServe's DestinationRules point), and
 * - signs a serving certificate (`kubernetes.io/tls` Secret) for every Service annotated with
 *   `service.beta.openshift.io/serving-cert-secret-name`, for `<svc>.<ns>.svc` and
 *   `<svc>.<ns>.svc.cluster.local`. When several Services name the same Secret (KServe's workload and
 *   EPP Services share `<n>-kserve-self-signed-certs`), the certificate covers all their names.
 */
export class ServiceCaController extends QueuedController {
  readonly name = "service-ca";

  constructor(readonly authority: CertificateAuthority) {
    super();
  }

  static async create(): Promise<ServiceCaController> {
    return new ServiceCaController(await CertificateAuthority.create("CN=openshift-service-serving-signer@1764547200"));
  }

  /** Keys: `ns:<namespace>` (publish the CA bundle there), `secret:<namespace>/<secret>` (issue it). */
  protected initialKeys(context: ControllerContext): string[] {
    const bundles = context.store.list("Namespace").map((namespace) => `ns:${namespace.metadata.name}`);
    const secrets = context.store.list("Service").flatMap((service) => {
      const secret = service.metadata.annotations?.[SERVING_CERT_ANNOTATION];
      return secret ? [`secret:${service.metadata.namespace}/${secret}`] : [];
    });
    return [...bundles, ...secrets];
  }

  protected keysFor(event: WatchEvent): string[] {
    if (event.key === "Namespace" && event.type !== "DELETED") return [`ns:${event.object.metadata.name}`];
    if (event.key !== "Service" && !(event.key === "Secret" && event.type === "DELETED")) return [];
    const secret =
      event.key === "Service"
        ? event.object.metadata.annotations?.[SERVING_CERT_ANNOTATION]
        : event.object.metadata.name;
    return secret ? [`secret:${event.object.metadata.namespace ?? ""}/${secret}`] : [];
  }

  protected async reconcile(key: string, context: ControllerContext): Promise<void> {
    if (key.startsWith("ns:")) return this.publishBundle(context.store, key.slice(3));
    const [namespace, name] = key.slice("secret:".length).split("/") as [string, string];
    await this.issueSecret(context.store, namespace, name);
  }

  private publishBundle(store: ObjectStore, namespace: string): void {
    if (!store.get("Namespace", undefined, namespace) || store.get("ConfigMap", namespace, SERVICE_CA_CONFIGMAP))
      return;
    store.create({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: SERVICE_CA_CONFIGMAP,
        namespace,
        annotations: { "service.beta.openshift.io/inject-cabundle": "true" },
      },
      data: { "service-ca.crt": this.authority.certPem },
    });
  }

  private async issueSecret(store: ObjectStore, namespace: string, secretName: string): Promise<void> {
    const services = store
      .list("Service", { namespace })
      .filter((service) => service.metadata.annotations?.[SERVING_CERT_ANNOTATION] === secretName);
    if (services.length === 0) return;
    const dnsNames = services.flatMap((s) => [
      `${s.metadata.name}.${namespace}.svc`,
      `${s.metadata.name}.${namespace}.svc.cluster.local`,
    ]);
    const existing = store.get("Secret", namespace, secretName);
    if (existing && sameNames(existing, dnsNames)) return;
    const pair = await this.authority.issue({ name: `CN=${dnsNames[0]}`, dnsNames });
    const secret: KubeObject = {
      apiVersion: "v1",
      kind: "Secret",
      type: "kubernetes.io/tls",
      metadata: {
        name: secretName,
        namespace,
        annotations: {
          [SIGNED_BY_ANNOTATION]: services.map((s) => s.metadata.name).join(","),
          "service.beta.openshift.io/expiry": "2028-11-27T00:00:00Z",
          "testbed.io/dns-names": dnsNames.join(","),
        },
      },
      data: {
        "tls.crt": Buffer.from(pair.cert).toString("base64"),
        "tls.key": Buffer.from(pair.key).toString("base64"),
      },
    };
    if (existing)
      store.update({ ...secret, metadata: { ...existing.metadata, annotations: secret.metadata.annotations } });
    else store.create(secret);
    for (const service of services) {
      recordEvent(
        store,
        service,
        "Normal",
        "ServingCertUpdated",
        `Created serving certificate secret ${secretName}`,
        "service-ca",
      );
    }
  }
}

function sameNames(secret: KubeObject, dnsNames: string[]): boolean {
  return secret.metadata.annotations?.["testbed.io/dns-names"] === dnsNames.join(",");
}
