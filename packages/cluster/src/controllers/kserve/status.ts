// An LLMInferenceService's status as KServe derives it from its children (a knative-style
// condition set): Ready ← WorkloadsReady ∧ RouterReady, each from its sub-conditions; a false
// parent carries the reason and message of its first false dependent, which `oc get llmisvc`
// shows in its REASON column. The URL is the parent Gateway's address followed by `/<ns>/<n>`.
import { type Condition, setCondition } from "@testbed/apimachinery";
import type { ObjectStore } from "../../store/object-store.js";
import { childNames } from "./names.js";
import type { LlmisvcSpec, ParentGateway } from "./spec.js";

type Verdict = Omit<Condition, "lastTransitionTime">;

const GATEWAY = "gateway.networking.k8s.io/Gateway";
const HTTP_ROUTE = "gateway.networking.k8s.io/HTTPRoute";
const POOL = "inference.networking.x-k8s.io/InferencePool";
const POOL_V1 = "inference.networking.k8s.io/InferencePool";

export interface StatusInput {
  store: ObjectStore;
  name: string;
  namespace: string;
  generation: number;
  spec: LlmisvcSpec;
  previous: Record<string, unknown> | undefined;
  now: string;
  /** Why some children could not be applied (owned by someone else, refused by the API). */
  problems: string[];
}

export function llmisvcStatus(input: StatusInput): Record<string, unknown> {
  const verdicts = subConditions(input);
  const url = serviceUrl(input);
  const conditions = toConditions(input.previous, verdicts, input.now);
  return {
    observedGeneration: input.generation,
    ...(url ? { url, addresses: [{ name: "gateway-external", url }] } : {}),
    conditions,
  };
}

/** The status of a spec the controller cannot act on. */
export function invalidSpecStatus(
  previous: Record<string, unknown> | undefined,
  generation: number,
  message: string,
  now: string,
): Record<string, unknown> {
  const verdict: Verdict = { type: "Ready", status: "False", reason: "InvalidSpec", message };
  return { observedGeneration: generation, conditions: toConditions(previous, [verdict], now) };
}

function subConditions(input: StatusInput): Verdict[] {
  const { store, namespace, spec } = input;
  const names = childNames(input.name);
  const verdicts: Verdict[] = [{ type: "PresetsCombined", status: "True" }];
  const main = deploymentReady(store, namespace, names.decode, "MainWorkloadReady");
  const workloads = [main];
  if (spec.prefill) workloads.push(deploymentReady(store, namespace, names.prefill, "PrefillWorkloadReady"));
  verdicts.push(...workloads, aggregate("WorkloadsReady", workloads));
  const readiness = [...workloads];
  const router = spec.router;
  if (router) {
    const parts = [gatewaysReady(store, router.gateways)];
    if (router.scheduler) {
      parts.push(deploymentReady(store, namespace, names.scheduler, "SchedulerWorkloadReady"));
      parts.push(poolReady(store, namespace, names.inferencePool));
    }
    const routes = router.managedRoute ? [names.route] : router.routeRefs;
    if (routes.length > 0) parts.push(routesReady(store, namespace, routes, router.gateways));
    const routerReady = aggregate("RouterReady", parts);
    verdicts.push(...parts, routerReady);
    readiness.push(routerReady);
  }
  // A child the controller could not apply explains the rest, so it leads.
  if (input.problems.length > 0) {
    readiness.unshift({
      type: "ChildrenApplied",
      status: "False",
      reason: "ReconcileError",
      message: input.problems.join("; "),
    });
  }
  verdicts.push(aggregate("Ready", readiness));
  return verdicts;
}

function aggregate(type: string, parts: Verdict[]): Verdict {
  const failing = parts.find((part) => part.status !== "True");
  return failing
    ? { type, status: failing.status, reason: failing.reason, message: failing.message }
    : { type, status: "True" };
}

function deploymentReady(store: ObjectStore, namespace: string, name: string, type: string): Verdict {
  const deployment = store.get("apps/Deployment", namespace, name);
  if (!deployment)
    return { type, status: "False", reason: "DeploymentNotFound", message: `Deployment "${name}" not found` };
  const available = findCondition(deployment.status?.conditions, "Available");
  if (available?.status === "True") return { type, status: "True" };
  return {
    type,
    status: "False",
    reason: available?.reason ?? "MinimumReplicasUnavailable",
    message: available?.message ?? "Deployment does not have minimum availability.",
  };
}

function gatewaysReady(store: ObjectStore, gateways: ParentGateway[]): Verdict {
  const type = "GatewaysReady";
  for (const ref of gateways) {
    const gateway = store.get(GATEWAY, ref.namespace, ref.name);
    const id = `${ref.namespace}/${ref.name}`;
    if (!gateway) return { type, status: "False", reason: "GatewayNotFound", message: `Gateway ${id} not found` };
    const programmed =
      findCondition(gateway.status?.conditions, "Programmed") ?? findCondition(gateway.status?.conditions, "Accepted");
    const addressed = (gateway.status?.addresses ?? []).length > 0;
    if (programmed ? programmed.status !== "True" : !addressed) {
      return {
        type,
        status: "False",
        reason: "GatewayNotReady",
        message: programmed?.message ?? `Gateway ${id} is not programmed`,
      };
    }
  }
  return { type, status: "True" };
}

/** Every route accepted by every parent gateway (its status.parents, written by the mesh). */
function routesReady(store: ObjectStore, namespace: string, routes: string[], gateways: ParentGateway[]): Verdict {
  const type = "HTTPRoutesReady";
  for (const name of routes) {
    const route = store.get(HTTP_ROUTE, namespace, name);
    if (!route) return { type, status: "False", reason: "HTTPRouteNotFound", message: `HTTPRoute "${name}" not found` };
    const parents = (route.status?.parents ?? []) as {
      parentRef?: { name?: string; namespace?: string };
      conditions?: Condition[];
    }[];
    for (const gateway of gateways) {
      const parent = parents.find(
        (p) => p.parentRef?.name === gateway.name && (p.parentRef.namespace ?? namespace) === gateway.namespace,
      );
      const accepted = findCondition(parent?.conditions, "Accepted");
      const resolved = findCondition(parent?.conditions, "ResolvedRefs");
      if (accepted?.status !== "True" || resolved?.status === "False") {
        const message =
          (resolved?.status === "False" ? resolved.message : accepted?.message) ??
          `HTTPRoute "${name}" is not accepted by Gateway ${gateway.namespace}/${gateway.name}`;
        return { type, status: "False", reason: "HTTPRouteNotReady", message };
      }
    }
  }
  return { type, status: "True" };
}

/**
 * The pool is ready once some parent gateway accepted it (v1alpha2 reports `status.parent`, v1
 * `status.parents`); where KServe makes both versions (RHOAI ≥ 3.4), either one accepted will do.
 */
function poolReady(store: ObjectStore, namespace: string, name: string): Verdict {
  const type = "InferencePoolReady";
  const pools = [store.get(POOL, namespace, name), store.get(POOL_V1, namespace, name)].filter(
    (pool) => pool !== undefined,
  );
  if (pools.length === 0)
    return { type, status: "False", reason: "InferencePoolNotFound", message: `InferencePool "${name}" not found` };
  const parents = pools.flatMap(
    (pool) => (pool.status?.parent ?? pool.status?.parents ?? []) as { conditions?: Condition[] }[],
  );
  const accepted = parents.some((parent) => findCondition(parent.conditions, "Accepted")?.status === "True");
  return accepted
    ? { type, status: "True" }
    : {
        type,
        status: "False",
        reason: "InferencePoolNotReady",
        message: `InferencePool "${name}" is not accepted by any Gateway`,
      };
}

function serviceUrl(input: StatusInput): string | undefined {
  const gateway = input.spec.router?.gateways[0];
  if (!gateway) return undefined;
  const address = input.store.get(GATEWAY, gateway.namespace, gateway.name)?.status?.addresses?.[0]?.value;
  return typeof address === "string" && address !== ""
    ? `https://${address}/${input.namespace}/${input.name}`
    : undefined;
}

function toConditions(previous: Record<string, unknown> | undefined, verdicts: Verdict[], now: string): Condition[] {
  const before = (previous?.conditions ?? []) as Condition[];
  let conditions: Condition[] = [];
  for (const verdict of verdicts) {
    const kept = before.find((c) => c.type === verdict.type);
    conditions = setCondition(kept ? [...conditions, kept] : conditions, withoutUndefined(verdict), now);
  }
  return conditions.sort((a, b) => a.type.localeCompare(b.type));
}

function withoutUndefined(verdict: Verdict): Condition {
  return Object.fromEntries(Object.entries(verdict).filter(([, v]) => v !== undefined)) as unknown as Condition;
}

function findCondition(conditions: unknown, type: string): Condition | undefined {
  return Array.isArray(conditions) ? (conditions as Condition[]).find((c) => c.type === type) : undefined;
}
