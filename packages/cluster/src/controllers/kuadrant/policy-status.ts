// The Accepted and Enforced conditions kuadrant-operator's status updaters write on AuthPolicy,
// RateLimitPolicy and TokenRateLimitPolicy (internal/controller/*_status_updater.go): Enforced is True
// only when every component the policy relies on is in sync — Authorino or Limitador ready, the
// AuthConfigs and the gateway's EnvoyFilter not (re)written in this pass — and otherwise False with
// reason Unknown and "<Kind> waiting for the following components to sync: [A B]".
import type { KubeObject } from "@testbed/apimachinery";
import { type Condition, setCondition } from "@testbed/apimachinery";
import { recordEvent } from "../../store/events.js";
import type { ObjectStore } from "../../store/object-store.js";

/** What the status of one policy depends on, found during the controller's pass. */
export interface PolicyVerdict {
  policy: KubeObject;
  /** Why the policy is not Accepted (reason and message), or undefined when it is. */
  refusal?: { reason: "TargetNotFound" | "Invalid"; message: string };
  /** Components not yet in sync, as kuadrant-operator names them (`Authorino`, `AuthConfig (name)` …). */
  waitingFor: string[];
}

/** Write the policy's Accepted and Enforced conditions (Enforced is dropped while not Accepted, as upstream). */
export function writePolicyStatus(store: ObjectStore, verdict: PolicyVerdict): void {
  const { policy, refusal, waitingFor } = verdict;
  const now = store.now();
  const kind = policy.kind;
  let conditions = setCondition(
    policy.status?.conditions,
    refusal
      ? { type: "Accepted", status: "False", reason: refusal.reason, message: refusal.message }
      : { type: "Accepted", status: "True", reason: "Accepted", message: `${kind} has been accepted` },
    now,
  );
  conditions = conditions.filter((condition) => condition.type !== "Enforced");
  if (!refusal) conditions = setCondition(conditions, enforced(kind, waitingFor), now);
  const previous = acceptedStatus(policy);
  store.updateStatus(`kuadrant.io/${kind}`, policy.metadata.namespace, policy.metadata.name, {
    observedGeneration: policy.metadata.generation,
    conditions,
  });
  if (refusal && previous !== "False") {
    recordEvent(store, policy, "Warning", refusal.reason, refusal.message, "kuadrant-operator");
  }
}

function enforced(kind: string | undefined, waitingFor: string[]): Condition {
  if (waitingFor.length > 0) {
    return {
      type: "Enforced",
      status: "False",
      reason: "Unknown",
      message: `${kind} waiting for the following components to sync: [${waitingFor.join(" ")}]`,
    };
  }
  return { type: "Enforced", status: "True", reason: "Enforced", message: `${kind} has been successfully enforced` };
}

function acceptedStatus(policy: KubeObject): string | undefined {
  return policy.status?.conditions?.find((condition: { type: string }) => condition.type === "Accepted")?.status;
}

/** Authorino's or Limitador's Deployment has an available replica (what their operators' Ready condition reports). */
export function componentReady(store: ObjectStore, namespace: string, deployment: string): boolean {
  const object = store.peek("apps/Deployment", namespace, deployment);
  return Number(object?.status?.availableReplicas ?? 0) > 0;
}
