// Table cells kubectl's printers (kubernetes/pkg/printers/internalversion/printers.go) compute the same
// way for several kinds: a Service's PORT(S) and EXTERNAL-IP, an Event's LAST SEEN and OBJECT, a
// ConfigMap's or Secret's DATA, a workload's CONTAINERS/IMAGES. Both the API server's Table printing and
// `testbed oc`'s client-side printers use them.
import { ageSince } from "./age.js";
import type { KubeObject } from "./kube-object.js";

/** kubectl prints an empty list as `<none>`. */
export function noneIfEmpty(value: string): string {
  return value === "" ? "<none>" : value;
}

/** PORT(S): `8000/TCP`, `443:30443/TCP`, joined by commas. */
export function servicePorts(service: KubeObject): string {
  const ports = (service.spec?.ports ?? []) as Array<{ port: number; nodePort?: number; protocol?: string }>;
  return noneIfEmpty(
    ports.map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ""}/${p.protocol ?? "TCP"}`).join(","),
  );
}

/** EXTERNAL-IP: the load balancer's addresses (`<pending>` until it has one), an ExternalName, or externalIPs. */
export function serviceExternalIp(service: KubeObject): string {
  const external = (service.spec?.externalIPs ?? []) as string[];
  if (service.spec?.type === "LoadBalancer") {
    const ingress = (service.status?.loadBalancer?.ingress ?? []) as Array<{ ip?: string; hostname?: string }>;
    const values = [...ingress.map((i) => i.ip ?? i.hostname ?? ""), ...external].filter((v) => v !== "");
    return values.length > 0 ? values.join(",") : "<pending>";
  }
  if (service.spec?.type === "ExternalName") return service.spec?.externalName ?? "<none>";
  return noneIfEmpty(external.join(","));
}

/** DATA: the entries of a ConfigMap or Secret, binary ones included. */
export function dataCount(object: KubeObject): number {
  return Object.keys((object.data ?? {}) as object).length + Object.keys((object.binaryData ?? {}) as object).length;
}

/** An Event's LAST SEEN: its last timestamp (or event time, or creation) as an age. */
export function eventLastSeen(event: KubeObject, now: number): string {
  const last = (event.lastTimestamp ?? event.eventTime ?? event.metadata.creationTimestamp) as string | undefined;
  return ageSince(last, now);
}

/** An Event's OBJECT: `pod/name`. */
export function eventObject(event: KubeObject): string {
  const involved = (event.involvedObject ?? {}) as { kind?: string; name?: string };
  return `${(involved.kind ?? "").toLowerCase()}/${involved.name ?? ""}`;
}

/** CONTAINERS or IMAGES of a workload's pod template, joined by commas. */
export function templateContainers(workload: KubeObject, field: "name" | "image"): string {
  const containers = (workload.spec?.template?.spec?.containers ?? []) as Array<Record<string, string>>;
  return containers.map((c) => c[field] ?? "").join(",");
}

/** A Node's STATUS (printers.go printNode): Ready / NotReady / Unknown, plus SchedulingDisabled when cordoned. */
export function nodeStatus(node: KubeObject): string {
  const conditions = (node.status?.conditions ?? []) as Array<{ type: string; status: string }>;
  const ready = conditions.find((condition) => condition.type === "Ready");
  const status = ready?.status === "True" ? "Ready" : ready ? "NotReady" : "Unknown";
  return node.spec?.unschedulable ? `${status},SchedulingDisabled` : status;
}

/** A Node's ROLES: its node-role.kubernetes.io/<role> labels and kubernetes.io/role, sorted, or <none>. */
export function nodeRoles(node: KubeObject): string {
  const labels = (node.metadata.labels ?? {}) as Record<string, string>;
  const prefix = "node-role.kubernetes.io/";
  const roles = Object.keys(labels)
    .filter((key) => key.startsWith(prefix) && key.length > prefix.length)
    .map((key) => key.slice(prefix.length));
  if (labels["kubernetes.io/role"]) roles.push(labels["kubernetes.io/role"]);
  return noneIfEmpty([...new Set(roles)].sort().join(","));
}

/** A Node's VERSION: the kubelet's. */
export function nodeVersion(node: KubeObject): string {
  return (node.status?.nodeInfo as { kubeletVersion?: string } | undefined)?.kubeletVersion ?? "";
}
