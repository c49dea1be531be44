// The columns `oc get` prints per kind (the built-in printers and the CRDs' printer columns).
import type { KindInfo, KubeObject } from "@testbed/apimachinery";
import {
  ageSince,
  dataCount,
  evaluate,
  eventLastSeen,
  eventObject,
  formatValue,
  nodeRoles,
  nodeStatus,
  nodeVersion,
  noneIfEmpty,
  parsePath,
  podReady,
  podRestarts,
  podStatus,
  serviceExternalIp,
  servicePorts,
  templateContainers,
} from "@testbed/apimachinery";

export interface Printer {
  headers: string[];
  row(object: KubeObject, now: number): string[];
}

type Cell = (object: KubeObject, now: number) => string;

const name: Cell = (o) => o.metadata.name;
const age: Cell = (o, now) => ageSince(o.metadata.creationTimestamp, now);

/** A CRD printer column: the jsonpath's values, comma-joined; empty when absent. */
function column(path: string): Cell {
  const steps = parsePath(path);
  return (o) => evaluate(steps, o).map(formatValue).join(",");
}

function condition(type: string, field: "status" | "reason"): Cell {
  return column(`.status.conditions[?(@.type=="${type}")].${field}`);
}

function printer(headers: string[], cells: Cell[]): Printer {
  return { headers, row: (object, now) => cells.map((cell) => cell(object, now)) };
}

const none = noneIfEmpty;

function selectorText(selector: Record<string, string> | undefined): string {
  return none(
    Object.entries(selector ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(","),
  );
}

const PRINTERS: Record<string, Printer> = {
  Pod: printer(["NAME", "READY", "STATUS", "RESTARTS", "AGE"], [name, podReady, podStatus, podRestarts, age]),
  Service: printer(
    ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"],
    [
      name,
      (o) => o.spec?.type ?? "ClusterIP",
      (o) => o.spec?.clusterIP ?? "<none>",
      serviceExternalIp,
      servicePorts,
      age,
    ],
  ),
  "apps/Deployment": printer(
    ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
    [
      name,
      (o) => `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 1}`,
      (o) => String(o.status?.updatedReplicas ?? 0),
      (o) => String(o.status?.availableReplicas ?? 0),
      age,
    ],
  ),
  Node: printer(["NAME", "STATUS", "ROLES", "AGE", "VERSION"], [name, nodeStatus, nodeRoles, age, nodeVersion]),
  Namespace: printer(
    ["NAME", "STATUS", "AGE"],
    [name, (o) => (o.metadata.deletionTimestamp ? "Terminating" : (o.status?.phase ?? "Active")), age],
  ),
  Secret: printer(
    ["NAME", "TYPE", "DATA", "AGE"],
    [name, (o) => (o.type as string) ?? "Opaque", (o) => String(dataCount(o)), age],
  ),
  ConfigMap: printer(["NAME", "DATA", "AGE"], [name, (o) => String(dataCount(o)), age]),
  ServiceAccount: printer(
    ["NAME", "SECRETS", "AGE"],
    [name, (o) => String(((o.secrets as unknown[]) ?? []).length), age],
  ),
  Event: printer(
    ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"],
    [
      eventLastSeen,
      (o) => String(o.type ?? ""),
      (o) => String(o.reason ?? ""),
      eventObject,
      (o) => String(o.message ?? ""),
    ],
  ),
  "gateway.networking.k8s.io/GatewayClass": printer(
    ["NAME", "CONTROLLER", "ACCEPTED", "AGE"],
    [name, column(".spec.controllerName"), condition("Accepted", "status"), age],
  ),
  "gateway.networking.k8s.io/Gateway": printer(
    ["NAME", "CLASS", "ADDRESS", "PROGRAMMED", "AGE"],
    [
      name,
      column(".spec.gatewayClassName"),
      column(".status.addresses[*].value"),
      condition("Programmed", "status"),
      age,
    ],
  ),
  "gateway.networking.k8s.io/HTTPRoute": printer(["NAME", "HOSTNAMES", "AGE"], [name, column(".spec.hostnames"), age]),
  "serving.kserve.io/LLMInferenceService": printer(
    ["NAME", "URL", "READY", "REASON", "AGE"],
    [name, column(".status.url"), condition("Ready", "status"), condition("Ready", "reason"), age],
  ),
  "networking.istio.io/DestinationRule": printer(["NAME", "HOST", "AGE"], [name, column(".spec.host"), age]),
};

/** `-o wide`: the pod printer has its own; Services and Deployments append columns. */
const WIDE_POD = printer(
  ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE", "READINESS GATES"],
  [
    name,
    podReady,
    podStatus,
    podRestarts,
    age,
    (o) => o.status?.podIP ?? "<none>",
    (o) => o.spec?.nodeName ?? "<none>",
    (o) => o.status?.nominatedNodeName ?? "<none>",
    (o) =>
      none(((o.spec?.readinessGates ?? []) as Array<{ conditionType: string }>).map((g) => g.conditionType).join(",")),
  ],
);

const WIDE_EXTRA: Record<string, Printer> = {
  Service: printer(["SELECTOR"], [(o) => selectorText(o.spec?.selector)]),
  "apps/Deployment": printer(
    ["CONTAINERS", "IMAGES", "SELECTOR"],
    [
      (o) => templateContainers(o, "name"),
      (o) => templateContainers(o, "image"),
      (o) => selectorText(o.spec?.selector?.matchLabels),
    ],
  ),
};

export function printerFor(info: KindInfo, wide: boolean): Printer {
  const key = info.group === "" ? info.kind : `${info.group}/${info.kind}`;
  const base = PRINTERS[key] ?? printer(["NAME", "AGE"], [name, age]);
  if (!wide) return base;
  if (key === "Pod") return WIDE_POD;
  const extra = WIDE_EXTRA[key];
  if (!extra) return base;
  return {
    headers: [...base.headers, ...extra.headers],
    row: (object, now) => [...base.row(object, now), ...extra.row(object, now)],
  };
}
