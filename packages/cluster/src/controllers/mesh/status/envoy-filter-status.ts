import { type Condition, type KubeObject, setCondition } from "@testbed/apimachinery";
import type { EnvoyFilterOutcome } from "../envoy-filter/apply-envoy-filters.js";

/**
 * What happened to an EnvoyFilter on the gateways it selects, as a condition `Applied` (a testbed
 * addition: istiod reports this only in its logs): True with the gateways it was applied to, False
 * with reason PatchFailed and the skipped patch's error, or False/NoMatchingGateway.
 */
export function envoyFilterStatus(
  filter: KubeObject,
  outcomes: Array<{ gateway: string; outcome: EnvoyFilterOutcome }>,
  now: string,
): Record<string, unknown> {
  const observedGeneration = filter.metadata.generation ?? 1;
  const failed = outcomes.filter((o) => !o.outcome.applied);
  let condition: Condition;
  if (failed.length > 0) {
    const message = failed.map((o) => `gateway ${o.gateway}: ${o.outcome.message ?? "not applied"}`).join("; ");
    condition = { type: "Applied", status: "False", reason: "PatchFailed", message, observedGeneration };
  } else if (outcomes.length > 0) {
    const gateways = outcomes.map((o) => o.gateway).join(", ");
    condition = {
      type: "Applied",
      status: "True",
      reason: "Applied",
      message: `applied to gateway(s) ${gateways}`,
      observedGeneration,
    };
  } else {
    condition = {
      type: "Applied",
      status: "False",
      reason: "NoMatchingGateway",
      message: "no gateway is selected by this EnvoyFilter",
      observedGeneration,
    };
  }
  return { ...(filter.status ?? {}), conditions: setCondition(filter.status?.conditions, condition, now) };
}
