// The names and numbers Istio (OSSM 3.2 / Istio 1.26) gives what it generates, in one place so the
// seed's greps (`outbound|9002||…epp-service…`, `…inference-pool-ip-a5e07bf3…`) find them.
import { createHash } from "node:crypto";

export const CLUSTER_DOMAIN = "cluster.local";

/** GatewayClass controllerNames this mesh serves: OpenShift's name for Istio's, and Istio's own. */
export const MESH_CONTROLLER_NAMES = ["openshift.io/gateway-controller/v1", "istio.io/gateway-controller"];

export const PROXY_IMAGE = "registry.redhat.io/openshift-service-mesh/istio-proxyv2-rhel9:1.26.2";
export const PROXY_CONTAINER = "istio-proxy";
export const STATUS_PORT = 15021;
export const PROMETHEUS_PORT = 15090;
export const ADMIN_PORT = 15000;

/** The port of an InferencePool's generated headless Service. */
export const SHADOW_SERVICE_PORT = 54321;

export const GATEWAY_NAME_LABEL = "gateway.networking.k8s.io/gateway-name";
export const ISTIO_GATEWAY_NAME_LABEL = "istio.io/gateway-name";
export const CANONICAL_NAME_LABEL = "service.istio.io/canonical-name";
export const POOL_NAME_LABEL = "istio.io/inferencepool-name";

/** The namespace whose EnvoyFilters apply to every workload (Istio's config root namespace). */
export const ROOT_NAMESPACE = "istio-system";

export const GATEWAY_GROUP = "gateway.networking.k8s.io";
export const POOL_GROUP_ALPHA = "inference.networking.x-k8s.io";
export const POOL_GROUP_V1 = "inference.networking.k8s.io";

export function serviceFqdn(name: string, namespace: string): string {
  return `${name}.${namespace}.svc.${CLUSTER_DOMAIN}`;
}

/** Istio's cluster name for a Service port: `outbound|<port>|<subset>|<host>`. */
export function outboundCluster(port: number, fqdn: string): string {
  return `outbound|${port}||${fqdn}`;
}

/** The pieces of an outbound cluster name, or undefined for any other cluster. */
export function parseOutboundCluster(name: string): { port: number; subset: string; host: string } | undefined {
  const parts = name.split("|");
  if (parts.length !== 4 || parts[0] !== "outbound") return undefined;
  return { port: Number(parts[1]), subset: parts[2] ?? "", host: parts[3] ?? "" };
}

const DNS_LABEL_MAX = 63;
const SHADOW_SEPARATOR = "-ip-";
const SHADOW_HASH_LENGTH = 8;

/**
 * `<pool>-ip-<first 8 hex of sha256(pool name)>`, as Istio names an InferencePool's shadow Service
 * (pilot/pkg/config/kube/gateway/inferencepool_collection.go InferencePoolServiceName, the same in
 * 1.26.2-redhat and 1.27–1.29): the hash is of the pool's name alone, and a name that would pass
 * 63 characters keeps only the pool name's first 51 (63 − "-ip-" − 8), cut as it falls.
 */
export function shadowServiceName(poolName: string): string {
  const hash = createHash("sha256").update(poolName).digest("hex").slice(0, SHADOW_HASH_LENGTH);
  const name = `${poolName}${SHADOW_SEPARATOR}${hash}`;
  if (name.length <= DNS_LABEL_MAX) return name;
  const room = DNS_LABEL_MAX - SHADOW_SEPARATOR.length - SHADOW_HASH_LENGTH;
  return `${poolName.slice(0, room)}${SHADOW_SEPARATOR}${hash}`;
}

/** Istio's automated deployment: Deployment and Service `<gateway>-<gatewayClassName>`. */
export function gatewayDeploymentName(gatewayName: string, className: string): string {
  return `${gatewayName}-${className}`;
}

/** Envoy listener name for a gateway port: `0.0.0.0_<port>`. */
export function listenerName(port: number): string {
  return `0.0.0.0_${port}`;
}
