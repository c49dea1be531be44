// Which dumped objects the testbed takes, and why it leaves the others. Kept: the kinds the testbed
// models and a user (or an operator the testbed does not run) creates. Dropped with a reason:
// children a testbed controller re-creates (ownerReferences to an LLMInferenceService, a Gateway, a
// Deployment, a ReplicaSet, a Kuadrant policy), objects the cluster makes by itself (Events,
// Endpoints, service-account tokens, the per-namespace CA bundles). Anything else is "not modelled".
import type { KubeObject } from "@testbed/apimachinery";

export type Disposition = { action: "import" } | { action: "drop"; reason: string } | { action: "not-modelled" };

/** group/Kind of the kinds the testbed models and imports. */
const IMPORTED_KINDS = new Set([
  "/Namespace",
  "/Node",
  "/Service",
  "/Secret",
  "/ConfigMap",
  "/ServiceAccount",
  "/Pod",
  "apps/Deployment",
  "sailoperator.io/Istio",
  "operators.coreos.com/ClusterServiceVersion",
  "serving.kserve.io/LLMInferenceService",
  "inference.networking.x-k8s.io/InferencePool",
  "inference.networking.k8s.io/InferencePool",
  "gateway.networking.k8s.io/GatewayClass",
  "gateway.networking.k8s.io/Gateway",
  "gateway.networking.k8s.io/HTTPRoute",
  "networking.istio.io/EnvoyFilter",
  "networking.istio.io/DestinationRule",
  "kuadrant.io/AuthPolicy",
  "kuadrant.io/RateLimitPolicy",
  "kuadrant.io/TokenRateLimitPolicy",
  "monitoring.coreos.com/ServiceMonitor",
  "monitoring.coreos.com/PodMonitor",
]);

/** Kinds the cluster derives from others; the testbed derives them the same way. */
const DERIVED_KINDS: Record<string, string> = {
  "/Event": "events are the old cluster's history; the testbed records its own",
  "/Endpoints": "computed from Services and ready pods",
  "discovery.k8s.io/EndpointSlice": "computed from Services and ready pods",
  "apps/ReplicaSet": "the Deployment controller re-creates it",
  "apps/ControllerRevision": "written by the controllers",
  "authorino.kuadrant.io/AuthConfig": "Kuadrant translates the AuthPolicy into it",
  "apiextensions.k8s.io/CustomResourceDefinition": "the testbed serves the CRDs of the kinds it models",
  "coordination.k8s.io/Lease": "leader election of the old cluster's controllers",
};

/** Owners whose children a testbed controller re-creates, and which controller. */
const RECREATING_OWNERS: Record<string, string> = {
  LLMInferenceService: "KServe",
  Gateway: "Istio",
  Deployment: "the Deployment controller",
  ReplicaSet: "the ReplicaSet controller",
  AuthPolicy: "Kuadrant",
  RateLimitPolicy: "Kuadrant",
  TokenRateLimitPolicy: "Kuadrant",
};

const GENERATED_SECRET_TYPES = new Set(["kubernetes.io/service-account-token", "kubernetes.io/dockercfg"]);
const PUBLISHED_CONFIGMAPS = new Set(["kube-root-ca.crt", "openshift-service-ca.crt"]);

export function groupKind(object: Pick<KubeObject, "apiVersion" | "kind">): string {
  const group = object.apiVersion.includes("/") ? object.apiVersion.split("/")[0] : "";
  return `${group}/${object.kind}`;
}

export function dispositionOf(object: KubeObject): Disposition {
  const key = groupKind(object);
  const derived = DERIVED_KINDS[key];
  if (derived) return { action: "drop", reason: derived };
  if (!IMPORTED_KINDS.has(key)) return { action: "not-modelled" };
  const owners = ((object.metadata as { ownerReferences?: Array<{ kind: string; name: string }> }).ownerReferences ??
    []) as Array<{ kind: string; name: string }>;
  const owner = owners.find((reference) => RECREATING_OWNERS[reference.kind]);
  if (owner)
    return {
      action: "drop",
      reason: `owned by ${owner.kind} ${owner.name}: ${RECREATING_OWNERS[owner.kind]} re-creates it`,
    };
  if (object.kind === "Secret" && GENERATED_SECRET_TYPES.has(String(object.type)))
    return { action: "drop", reason: `${String(object.type)}: the cluster makes it for a service account` };
  if (object.kind === "ConfigMap" && PUBLISHED_CONFIGMAPS.has(object.metadata.name))
    return { action: "drop", reason: "the cluster publishes it in every namespace" };
  return { action: "import" };
}
