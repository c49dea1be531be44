import { type Condition, type KubeObject, setCondition } from "@testbed/apimachinery";
import { endpointPickerService, groupOfObject, readInferencePool } from "../inference-pools.js";
import type { MeshSnapshot } from "../mesh-snapshot.js";
import { GATEWAY_GROUP, POOL_GROUP_V1 } from "../names.js";

/**
 * InferencePool status, per parent Gateway whose accepted routes send traffic to the pool:
 * v1alpha2 writes `status.parent[]`, v1 `status.parents[]`, each with Accepted and ResolvedRefs
 * (InvalidExtensionRef when the endpoint picker's Service does not exist).
 */
export function inferencePoolStatus(
  snapshot: MeshSnapshot,
  pool: KubeObject,
  parentGateways: KubeObject[],
  now: string,
): Record<string, unknown> {
  const view = readInferencePool(pool);
  const observedGeneration = pool.metadata.generation ?? 1;
  const field = groupOfObject(pool) === POOL_GROUP_V1 ? "parents" : "parent";
  type Parent = { parentRef: { name?: string; namespace?: string }; conditions?: Condition[] };
  const previous = (pool.status?.[field] ?? []) as Parent[];
  const epp = endpointPickerService(snapshot, view);
  const entries = parentGateways.map((gateway) => {
    const before = previous.find(
      (p) => p.parentRef?.name === gateway.metadata.name && p.parentRef?.namespace === gateway.metadata.namespace,
    );
    const accepted: Condition = {
      type: "Accepted",
      status: "True",
      reason: "Accepted",
      message: "Referenced by an HTTPRoute accepted by the parentRef Gateway",
      observedGeneration,
    };
    const resolved: Condition = epp
      ? {
          type: "ResolvedRefs",
          status: "True",
          reason: "ResolvedRefs",
          message: "Resolved ExtensionRef",
          observedGeneration,
        }
      : {
          type: "ResolvedRefs",
          status: "False",
          reason: "InvalidExtensionRef",
          message: `Referenced ExtensionRef not found: ${view.endpointPicker?.name ?? "(none)"}`,
          observedGeneration,
        };
    return {
      parentRef: {
        group: GATEWAY_GROUP,
        kind: "Gateway",
        namespace: gateway.metadata.namespace,
        name: gateway.metadata.name,
      },
      conditions: setCondition(setCondition(before?.conditions, accepted, now), resolved, now),
    };
  });
  const status = { ...(pool.status ?? {}) } as Record<string, unknown>;
  if (entries.length > 0) status[field] = entries;
  else delete status[field];
  return status;
}
