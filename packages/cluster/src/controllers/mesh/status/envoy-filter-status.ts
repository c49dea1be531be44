import { type Condition, type KubeObject, setCondition } from "@testbed/apimachinery";
import type { EnvoyFilterOutcome } from "../envoy-filter/apply-envoy-filters.js";

/**
 * What happened to an EnvoyFilter on the gateways it selects, as a condition `Applied` — a testbed
 * addition: istiod writes no status on EnvoyFilters, it only logs (a dropped patch) and the proxy
 * NACKs (a refused config). True with the gateways it was applied to; False with reason PatchFailed
 * (istiod dropped a patch; the rest applied) or ProxyRejected (the pushed config was NACKed, the
 * gateway keeps its previous one); or False/NoMatchingGateway.
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
    const reason = failed.some((o) => o.outcome.reason === "ProxyRejected") ? "ProxyRejected" : "PatchFailed";
    condition = { type: "Applied", status: "False", reason, message, observedGeneration };
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
