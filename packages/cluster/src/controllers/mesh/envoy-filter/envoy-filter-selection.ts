// Which EnvoyFilters reach one gateway, and in what order, as istiod decides: filters in the root
// namespace (istio-system) apply everywhere, others only in their own namespace; a workloadSelector
// must match the gateway pod's labels (the seed's fix names openshift-ai-inference, so maas-gateway
// stays unpatched); targetRefs may name the Gateway instead. Order: priority, then creation time.
import type { KubeObject } from "@testbed/apimachinery";
import { GATEWAY_GROUP, ROOT_NAMESPACE } from "../names.js";

/** The gateway whose EnvoyFilters are being selected. */
export interface EnvoyFilterTarget {
  namespace: string;
  gatewayName: string;
  /** The gateway pod template's labels. */
  podLabels: Record<string, string>;
  rootNamespace?: string;
}

export function selectEnvoyFilters(filters: KubeObject[], target: EnvoyFilterTarget): KubeObject[] {
  const root = target.rootNamespace ?? ROOT_NAMESPACE;
  return filters
    .filter((filter) => filter.metadata.namespace === root || filter.metadata.namespace === target.namespace)
    .filter((filter) => !filter.metadata.deletionTimestamp)
    .filter((filter) => selects(filter, target))
    .sort(byPriorityThenAge);
}

function selects(filter: KubeObject, target: EnvoyFilterTarget): boolean {
  const labels = (filter.spec?.workloadSelector?.labels ?? {}) as Record<string, string>;
  if (!Object.entries(labels).every(([key, value]) => target.podLabels[key] === value)) return false;
  const refs = (filter.spec?.targetRefs ?? []) as Array<{ group?: string; kind?: string; name?: string }>;
  if (refs.length === 0) return true;
  return (
    filter.metadata.namespace === target.namespace &&
    refs.some(
      (ref) =>
        (ref.group ?? GATEWAY_GROUP) === GATEWAY_GROUP && ref.kind === "Gateway" && ref.name === target.gatewayName,
    )
  );
}

function byPriorityThenAge(a: KubeObject, b: KubeObject): number {
  const priority = Number(a.spec?.priority ?? 0) - Number(b.spec?.priority ?? 0);
  if (priority !== 0) return priority;
  const age = (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? "");
  if (age !== 0) return age;
  return `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`);
}
