// Gateway status as Istio writes it: `addresses[0]` = the Ready gateway pod's address on the
// listener port clients use (the first HTTPS listener, else the first listener; the port appears
// only when the kubelet had to shift a privileged port, see network/ports.ts), Accepted and
// Programmed conditions, and per listener its attached route count and conditions.
import { type Condition, type KubeObject, setCondition } from "@testbed/apimachinery";
import { addressFor } from "../../../network/ports.js";
import { isServingPod } from "../endpoints.js";
import type { GatewayGeneration, ListenerReport } from "../gateway-config.js";
import type { MeshSnapshot } from "../mesh-snapshot.js";
import { GATEWAY_GROUP, GATEWAY_NAME_LABEL, gatewayDeploymentName, serviceFqdn } from "../names.js";

/** The gateway's oldest serving pod, whose address the status reports. */
export function readyGatewayPod(snapshot: MeshSnapshot, gateway: KubeObject): KubeObject | undefined {
  return snapshot.pods
    .filter((pod) => pod.metadata.namespace === gateway.metadata.namespace)
    .filter((pod) => pod.metadata.labels?.[GATEWAY_NAME_LABEL] === gateway.metadata.name && isServingPod(pod))
    .sort((a, b) => (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? ""))[0];
}

/** The port a client dials: the first HTTPS listener's, else the first listener's. */
export function clientPort(gateway: KubeObject): number | undefined {
  const listeners = (gateway.spec?.listeners ?? []) as Array<{ port?: number; protocol?: string }>;
  const chosen = listeners.find((l) => l.protocol === "HTTPS") ?? listeners[0];
  return chosen?.port === undefined ? undefined : Number(chosen.port);
}

export function gatewayStatus(
  snapshot: MeshSnapshot,
  gateway: KubeObject,
  generation: GatewayGeneration,
  now: string,
): Record<string, unknown> {
  const observedGeneration = gateway.metadata.generation ?? 1;
  const previous = (gateway.status ?? {}) as {
    conditions?: Condition[];
    listeners?: Array<{ name?: string; conditions?: Condition[] }>;
  };
  const pod = readyGatewayPod(snapshot, gateway);
  const port = clientPort(gateway);
  const service = serviceFqdn(
    gatewayDeploymentName(gateway.metadata.name, String(gateway.spec?.gatewayClassName ?? "")),
    gateway.metadata.namespace ?? "default",
  );
  let conditions = setCondition(
    previous.conditions,
    { type: "Accepted", status: "True", reason: "Accepted", message: "Resource accepted", observedGeneration },
    now,
  );
  conditions = setCondition(
    conditions,
    pod
      ? {
          type: "Programmed",
          status: "True",
          reason: "Programmed",
          message: `Resource programmed, assigned to service(s) ${service}:${port ?? ""}`,
          observedGeneration,
        }
      : {
          type: "Programmed",
          status: "False",
          reason: "AddressNotAssigned",
          message: `Assigned to service(s) ${service}:${port ?? ""}, but failed to assign to all requested addresses: no Ready gateway pod`,
          observedGeneration,
        },
    now,
  );
  const status: Record<string, unknown> = {};
  if (pod && port !== undefined)
    status.addresses = [{ type: "IPAddress", value: addressFor(String(pod.status.podIP), port) }];
  status.conditions = conditions;
  status.listeners = generation.listeners.map((report) =>
    listenerStatus(
      report,
      previous.listeners?.find((l) => l.name === report.name)?.conditions,
      observedGeneration,
      now,
    ),
  );
  return status;
}

function listenerStatus(
  report: ListenerReport,
  previous: Condition[] | undefined,
  observedGeneration: number,
  now: string,
): Record<string, unknown> {
  const certificateProblem = report.reason === "InvalidCertificateRef" || report.reason === "RefNotPermitted";
  const entries: Condition[] = [
    report.accepted
      ? { type: "Accepted", status: "True", reason: "Accepted", message: "No errors found", observedGeneration }
      : { type: "Accepted", status: "False", reason: report.reason, message: report.message, observedGeneration },
    { type: "NoConflicts", status: "False", reason: "NoConflicts", message: "No errors found", observedGeneration },
    report.programmed
      ? { type: "Programmed", status: "True", reason: "Programmed", message: "No errors found", observedGeneration }
      : { type: "Programmed", status: "False", reason: "Invalid", message: report.message, observedGeneration },
    certificateProblem
      ? { type: "ResolvedRefs", status: "False", reason: report.reason, message: report.message, observedGeneration }
      : {
          type: "ResolvedRefs",
          status: "True",
          reason: "ResolvedRefs",
          message: "No errors found",
          observedGeneration,
        },
  ];
  let conditions = previous;
  for (const entry of entries) conditions = setCondition(conditions, entry, now);
  return {
    name: report.name,
    supportedKinds: [
      { group: GATEWAY_GROUP, kind: "HTTPRoute" },
      { group: GATEWAY_GROUP, kind: "GRPCRoute" },
    ],
    attachedRoutes: report.attachedRoutes,
    conditions,
  };
}
