// The seed's "Complete Picture" from the objects in the store: gateways, the filters on them
// (Kuadrant policies, EnvoyFilters), the HTTPRoutes, the InferencePool and its EPP, the Services
// and DestinationRules, and the model pods by role. Columns follow a request's path left to right.
import type { KubeObject } from "@testbed/apimachinery";
import { GATEWAY_NAME_LABEL, ROLE_LABEL } from "./cluster-roles.js";
import type { Topology, TopologyEdge, TopologyNode } from "./page-types.js";

/** Left to right: where a request meets each object. */
export const COLUMNS = ["Gateways", "Filters", "HTTPRoutes", "InferencePool and EPP", "Services", "Pods"] as const;

const COLUMN_OF: Record<string, number> = {
  Gateway: 0,
  AuthPolicy: 1,
  RateLimitPolicy: 1,
  TokenRateLimitPolicy: 1,
  EnvoyFilter: 1,
  HTTPRoute: 2,
  InferencePool: 3,
  Service: 4,
  DestinationRule: 4,
  Pod: 5,
};

const nodeId = (kind: string, namespace: string | undefined, name: string) => `${kind}/${namespace ?? "-"}/${name}`;
const idOf = (o: KubeObject) => nodeId(o.kind, o.metadata.namespace, o.metadata.name);

/** The picture of everything in the store that a request to a model meets. */
export function buildTopology(objects: readonly KubeObject[]): Topology {
  const byKind = (kind: string) => objects.filter((o) => o.kind === kind && !o.metadata.deletionTimestamp);
  const gateways = byKind("Gateway");
  const routes = byKind("HTTPRoute");
  const pools = byKind("InferencePool");
  const services = byKind("Service");
  const pods = byKind("Pod");
  const eppServices = new Set(pools.map((p) => nodeId("Service", p.metadata.namespace, eppServiceName(p))));
  // The model's side: Services in the pools' namespaces (the workload and EPP Services), their pods.
  const modelNamespaces = new Set(pools.map((p) => p.metadata.namespace));
  const modelServices = services.filter((s) => modelNamespaces.has(s.metadata.namespace));
  const modelPods = pods.filter((p) => modelNamespaces.has(p.metadata.namespace));
  const gatewayPods = pods.filter((p) => p.metadata.labels?.[GATEWAY_NAME_LABEL]);
  const kept = [
    ...gateways,
    ...byKind("AuthPolicy"),
    ...byKind("RateLimitPolicy"),
    ...byKind("TokenRateLimitPolicy"),
    ...byKind("EnvoyFilter"),
    ...routes,
    ...pools,
    ...modelServices,
    ...byKind("DestinationRule"),
    ...modelPods,
  ];
  const nodes = kept.map((o) => toNode(o, eppServices));
  const edges: TopologyEdge[] = [];
  const present = new Set(nodes.map((n) => n.id));
  const link = (from: string, to: string, label?: string) => {
    if (present.has(from) && present.has(to)) edges.push(label ? { from, to, label } : { from, to });
  };
  for (const route of routes) {
    for (const parent of (route.spec?.parentRefs ?? []) as { name: string; namespace?: string }[])
      link(nodeId("Gateway", parent.namespace ?? route.metadata.namespace, parent.name), idOf(route));
    for (const rule of (route.spec?.rules ?? []) as { backendRefs?: { kind?: string; name: string }[] }[])
      for (const backend of rule.backendRefs ?? [])
        link(idOf(route), nodeId(backend.kind ?? "Service", route.metadata.namespace, backend.name));
  }
  for (const pool of pools) {
    link(idOf(pool), nodeId("Service", pool.metadata.namespace, eppServiceName(pool)), "ext_proc");
    for (const pod of modelPods) if (selects(poolSelector(pool), pod)) link(idOf(pool), idOf(pod));
  }
  for (const service of modelServices) {
    const selector = service.spec?.selector as Record<string, string> | undefined;
    if (!selector) continue;
    for (const pod of modelPods) if (selects(selector, pod)) link(idOf(service), idOf(pod));
  }
  for (const rule of byKind("DestinationRule")) {
    const host = String(rule.spec?.host ?? "");
    for (const service of services) {
      if (host.startsWith(`${service.metadata.name}.${service.metadata.namespace}.`) || host === service.metadata.name)
        link(idOf(rule), idOf(service), "TLS");
    }
  }
  for (const filter of [...byKind("EnvoyFilter"), ...byKind("AuthPolicy"), ...byKind("RateLimitPolicy")]) {
    for (const gateway of gateways) if (appliesTo(filter, gateway, gatewayPods)) link(idOf(filter), idOf(gateway));
    const target = filter.spec?.targetRef as { kind?: string; name?: string } | undefined;
    if (target?.kind === "HTTPRoute" && target.name)
      link(idOf(filter), nodeId("HTTPRoute", filter.metadata.namespace, target.name));
  }
  return { nodes, edges };
}

function toNode(o: KubeObject, eppServices: Set<string>): TopologyNode {
  return {
    id: idOf(o),
    kind: o.kind,
    apiVersion: o.apiVersion,
    namespace: o.metadata.namespace,
    name: o.metadata.name,
    // The EPP Service sits beside its InferencePool: the ext_proc arrow goes there, not to the pods.
    column: eppServices.has(idOf(o)) ? 3 : (COLUMN_OF[o.kind] ?? 4),
    detail: detailOf(o),
  };
}

function detailOf(o: KubeObject): string {
  switch (o.kind) {
    case "Pod": {
      const role = o.metadata.labels?.[ROLE_LABEL];
      const component = o.metadata.labels?.["app.kubernetes.io/component"] ?? "";
      const what = role ?? (component.includes("scheduler") ? "EPP (scheduler)" : "pod");
      return `${what} · ${String(o.status?.podIP ?? "no IP")} · ${String(o.status?.phase ?? "")}`;
    }
    case "Gateway":
      return String((o.status?.addresses as { value?: string }[] | undefined)?.[0]?.value ?? "no address");
    case "HTTPRoute": {
      const paths = ((o.spec?.rules ?? []) as { matches?: { path?: { value?: string } }[] }[]).flatMap((r) =>
        (r.matches ?? []).map((m) => m.path?.value ?? "/"),
      );
      return paths.join(", ");
    }
    case "EnvoyFilter": {
      const patches = (o.spec?.configPatches ?? []) as { applyTo?: string }[];
      return patches.map((p) => p.applyTo).join(", ");
    }
    case "DestinationRule":
      return `host ${String(o.spec?.host ?? "")}`;
    case "Service": {
      const ports = (o.spec?.ports ?? []) as { port: number }[];
      return `ports ${ports.map((p) => p.port).join(", ")}`;
    }
    case "InferencePool":
      return `EPP ${eppServiceName(o)}`;
    default:
      return o.kind;
  }
}

function eppServiceName(pool: KubeObject): string {
  const v1 = pool.spec?.endpointPickerRef as { name?: string } | undefined;
  const alpha = pool.spec?.extensionRef as { name?: string } | undefined;
  return v1?.name ?? alpha?.name ?? "";
}

function poolSelector(pool: KubeObject): Record<string, string> {
  const selector = pool.spec?.selector as { matchLabels?: Record<string, string> } | Record<string, string> | undefined;
  if (!selector) return {};
  return (selector as { matchLabels?: Record<string, string> }).matchLabels ?? (selector as Record<string, string>);
}

function selects(selector: Record<string, string>, pod: KubeObject): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([key, value]) => pod.metadata.labels?.[key] === value);
}

/** An EnvoyFilter selects gateway pods by workloadSelector labels; a Kuadrant policy names its target. */
function appliesTo(filter: KubeObject, gateway: KubeObject, gatewayPods: readonly KubeObject[]): boolean {
  const target = filter.spec?.targetRef as { kind?: string; name?: string } | undefined;
  if (target) return target.kind === "Gateway" && target.name === gateway.metadata.name;
  const labels = (filter.spec?.workloadSelector as { labels?: Record<string, string> } | undefined)?.labels;
  const refs = (filter.spec?.targetRefs ?? []) as { kind?: string; name?: string }[];
  if (refs.length > 0) return refs.some((r) => r.kind === "Gateway" && r.name === gateway.metadata.name);
  if (!labels) return filter.metadata.namespace === gateway.metadata.namespace;
  return gatewayPods.some(
    (pod) =>
      pod.metadata.labels?.[GATEWAY_NAME_LABEL] === gateway.metadata.name &&
      Object.entries(labels).every(([key, value]) => pod.metadata.labels?.[key] === value),
  );
}
