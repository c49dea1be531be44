// The resource kinds the testbed's API server serves, with the names `oc` resolves
// (`oc get pods`, `oc get po`, `oc get inferencepool.inference.networking.x-k8s.io`, `oc get llmisvc`).
// A kind is identified by group + kind, because two groups define an `InferencePool`.

/** One kind the API server serves: its group, versions, and the names `oc` resolves to it. */
export interface KindInfo {
  group: string;
  /** Served versions; the first is the storage version. */
  versions: string[];
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  namespaced: boolean;
  /** Discovery categories (`kubectl get all` lists the kinds in `all`). */
  categories: string[];
}

function kind(
  group: string,
  versions: string[],
  kindName: string,
  plural: string,
  shortNames: string[] = [],
  namespaced = true,
  categories: string[] = [],
): KindInfo {
  return {
    group,
    versions,
    kind: kindName,
    plural,
    singular: kindName.toLowerCase(),
    shortNames,
    namespaced,
    categories,
  };
}

export const KINDS: readonly KindInfo[] = [
  kind("", ["v1"], "Namespace", "namespaces", ["ns"], false),
  kind("", ["v1"], "Node", "nodes", ["no"], false),
  kind("", ["v1"], "Pod", "pods", ["po"], true, ["all"]),
  kind("", ["v1"], "Service", "services", ["svc"], true, ["all"]),
  kind("", ["v1"], "Secret", "secrets"),
  kind("", ["v1"], "ConfigMap", "configmaps", ["cm"]),
  kind("", ["v1"], "Event", "events", ["ev"]),
  kind("", ["v1"], "ServiceAccount", "serviceaccounts", ["sa"]),
  kind("apps", ["v1"], "Deployment", "deployments", ["deploy"], true, ["all"]),
  kind("apps", ["v1"], "ReplicaSet", "replicasets", ["rs"], true, ["all"]),
  kind(
    "apiextensions.k8s.io",
    ["v1"],
    "CustomResourceDefinition",
    "customresourcedefinitions",
    ["crd", "crds"],
    false,
    ["api-extensions"],
  ),
  kind("sailoperator.io", ["v1"], "Istio", "istios", [], false, ["istio-io"]),
  kind("operators.coreos.com", ["v1alpha1"], "ClusterServiceVersion", "clusterserviceversions", ["csv", "csvs"], true, [
    "olm",
  ]),
  kind("serving.kserve.io", ["v1alpha1"], "LLMInferenceService", "llminferenceservices", ["llmisvc"]),
  kind("inference.networking.x-k8s.io", ["v1alpha2"], "InferencePool", "inferencepools", ["infpool"]),
  kind("inference.networking.k8s.io", ["v1"], "InferencePool", "inferencepools", ["infpool"]),
  kind("gateway.networking.k8s.io", ["v1"], "GatewayClass", "gatewayclasses", ["gc"], false, ["gateway-api"]),
  kind("gateway.networking.k8s.io", ["v1"], "Gateway", "gateways", ["gtw"], true, ["gateway-api"]),
  kind("gateway.networking.k8s.io", ["v1"], "HTTPRoute", "httproutes", [], true, ["gateway-api"]),
  kind("networking.istio.io", ["v1alpha3"], "EnvoyFilter", "envoyfilters"),
  kind("networking.istio.io", ["v1", "v1beta1", "v1alpha3"], "DestinationRule", "destinationrules", ["dr"]),
  kind("kuadrant.io", ["v1"], "AuthPolicy", "authpolicies"),
  kind("authorino.kuadrant.io", ["v1beta3"], "AuthConfig", "authconfigs"),
  kind("kuadrant.io", ["v1"], "RateLimitPolicy", "ratelimitpolicies"),
  kind("kuadrant.io", ["v1alpha1"], "TokenRateLimitPolicy", "tokenratelimitpolicies"),
  kind("monitoring.coreos.com", ["v1"], "ServiceMonitor", "servicemonitors"),
  kind("monitoring.coreos.com", ["v1"], "PodMonitor", "podmonitors"),
];

/** The key objects are stored under: `Pod`, `apps/Deployment`, `inference.networking.x-k8s.io/InferencePool`. */
export function kindKey(info: Pick<KindInfo, "group" | "kind">): string {
  return info.group === "" ? info.kind : `${info.group}/${info.kind}`;
}

export function apiVersionOf(info: KindInfo): string {
  const version = info.versions[0] ?? "v1";
  return info.group === "" ? version : `${info.group}/${version}`;
}

/** The kind an object with this apiVersion and kind belongs to, or undefined when the API does not serve it. */
export function kindFor(apiVersion: string, kindName: string): KindInfo | undefined {
  const slash = apiVersion.indexOf("/");
  const group = slash < 0 ? "" : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  return KINDS.find((k) => k.group === group && k.kind === kindName && k.versions.includes(version));
}

/**
 * Resolve what a user typed (`pods`, `po`, `Pod`, `deploy`, `inferencepool.inference.networking.x-k8s.io`)
 * to a kind. Without a group, the first kind registered under that name wins (InferencePool → x-k8s.io,
 * as on the seed's RHOAI 3.2 cluster where only v1alpha2 is installed).
 */
export function resolveResource(name: string): KindInfo | undefined {
  const lower = name.toLowerCase();
  const dot = lower.indexOf(".");
  const resource = dot < 0 ? lower : lower.slice(0, dot);
  const group = dot < 0 ? undefined : lower.slice(dot + 1);
  return KINDS.find(
    (k) =>
      (group === undefined || k.group === group) &&
      (k.plural === resource || k.singular === resource || k.shortNames.includes(resource)),
  );
}
