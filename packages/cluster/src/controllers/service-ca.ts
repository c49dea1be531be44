import { CertificateAuthority } from "@testbed/common";
import { SERVICE_CA_CONFIGMAP } from "../kubelet/pod-volumes.js";
import { recordEvent } from "../store/events.js";
import type { KubeObject } from "../store/kube-object.js";
import type { ObjectStore } from "../store/object-store.js";
import { type Controller, type ControllerContext, ReconcileQueue } from "./controller.js";

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
export class ServiceCaController implements Controller {
  readonly name = "service-ca";
  private queue: ReconcileQueue | undefined;
  private unwatch: (() => void) | undefined;

  constructor(readonly authority: CertificateAuthority) {}

  static async create(): Promise<ServiceCaController> {
    return new ServiceCaController(await CertificateAuthority.create("CN=openshift-service-serving-signer@1764547200"));
  }

  start(context: ControllerContext): void {
    const store = context.store;
    this.queue = new ReconcileQueue(this.name, (key) => this.reconcile(store, key), context.log);
    this.unwatch = store.watch((event) => {
      if (event.key === "Namespace" && event.type !== "DELETED")
        this.queue?.enqueue(`ns:${event.object.metadata.name}`);
      if (event.key === "Service" || (event.key === "Secret" && event.type === "DELETED")) {
        const namespace = event.object.metadata.namespace ?? "";
        const secret =
          event.key === "Service"
            ? event.object.metadata.annotations?.[SERVING_CERT_ANNOTATION]
            : event.object.metadata.name;
        if (secret) this.queue?.enqueue(`secret:${namespace}/${secret}`);
      }
    });
    for (const namespace of store.list("Namespace")) this.queue.enqueue(`ns:${namespace.metadata.name}`);
    for (const service of store.list("Service")) {
      const secret = service.metadata.annotations?.[SERVING_CERT_ANNOTATION];
      if (secret) this.queue.enqueue(`secret:${service.metadata.namespace}/${secret}`);
    }
  }

  stop(): void {
    this.unwatch?.();
    this.queue?.stop();
  }

  idle(): Promise<void> {
    return this.queue?.idle() ?? Promise.resolve();
  }

  private async reconcile(store: ObjectStore, key: string): Promise<void> {
    if (key.startsWith("ns:")) return this.publishBundle(store, key.slice(3));
    const [namespace, name] = key.slice("secret:".length).split("/") as [string, string];
    await this.issueSecret(store, namespace, name);
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
