import { isDeepStrictEqual } from "node:util";
import type { KubeObject } from "@testbed/apimachinery";
import { type LimitDefinition, type PolicyObject, translatePolicies } from "@testbed/kuadrant";
import { stringify } from "yaml";
import type { ObjectStore, WatchEvent } from "../../store/object-store.js";
import { type ControllerContext, QueuedController } from "../controller.js";
import { applyDesired, type DesiredOutcome } from "../desired-objects.js";
import { kuadrantEnvoyFilter } from "./kuadrant-envoy-filter.js";
import { componentReady, type PolicyVerdict, writePolicyStatus } from "./policy-status.js";

const POLICY_KINDS = ["kuadrant.io/AuthPolicy", "kuadrant.io/RateLimitPolicy", "kuadrant.io/TokenRateLimitPolicy"];
const GATEWAY = "gateway.networking.k8s.io/Gateway";
/** The kinds of what the controller generates; an event on one of its own objects brings it back. */
const GENERATED_KINDS = ["networking.istio.io/EnvoyFilter", "authorino.kuadrant.io/AuthConfig"];
const MANAGED_LABEL = "kuadrant.io/managed";
const ALL = "all";
export const KUADRANT_NAMESPACE = "kuadrant-system";
export const LIMITS_CONFIGMAP = "limits-config-limitador";
export const LIMITS_FILE = "limitador-config.yaml";
/** The Deployments whose readiness kuadrant-operator reads (through the Authorino and Limitador CRs). */
const AUTHORINO_DEPLOYMENT = "authorino";
const LIMITADOR_DEPLOYMENT = "limitador-limitador";

/**
 * The Kuadrant operator: for every Gateway that policies target, translate the policies (the
 * kuadrant package's translator) into what the data plane runs —
 * - AuthConfig objects that Authorino reads,
 * - Limitador's limits, in the ConfigMap mounted into the Limitador pod,
 * - an EnvoyFilter `kuadrant-<gateway>` that adds the ext_authz and ratelimit filters, their
 *   clusters and the routes' rate_limits to that Gateway's Envoy (as the seed's "Kuadrant injects
 *   auth EnvoyFilter" step says),
 * and report Accepted/Enforced on each policy (policy-status.ts). Like kuadrant-operator, it also
 * subscribes to the objects it generates: one deleted or edited by hand is recreated or set back in
 * the next pass, and the policies say "waiting … to sync" until it is.
 */
export class KuadrantController extends QueuedController {
  readonly name = "kuadrant";

  protected initialKeys(): string[] {
    return [ALL];
  }

  /** Policies, Gateways, Kuadrant's own pods and Deployments, and every object the controller generated. */
  protected keysFor(event: WatchEvent): string[] {
    const object = event.object;
    const inKuadrant = object.metadata.namespace === KUADRANT_NAMESPACE;
    const relevant =
      POLICY_KINDS.includes(event.key) ||
      event.key === GATEWAY ||
      ((event.key === "Pod" || event.key === "apps/Deployment") && inKuadrant) ||
      (GENERATED_KINDS.includes(event.key) && object.metadata.labels?.[MANAGED_LABEL] === "true") ||
      (event.key === "ConfigMap" && inKuadrant && object.metadata.name === LIMITS_CONFIGMAP);
    return relevant ? [ALL] : [];
  }

  protected reconcile(_pass: string, context: ControllerContext): void {
    const store = context.store;
    if (!store.peek("Namespace", undefined, KUADRANT_NAMESPACE)) return;
    const policies = POLICY_KINDS.flatMap((key) => store.list(key));
    const limits: LimitDefinition[] = [];
    const wantedAuthConfigs = new Set<string>();
    const wantedFilters = new Set<string>();
    const verdicts: PolicyVerdict[] = [];
    const gateways = store.peekList(GATEWAY);
    for (const gateway of gateways) {
      const targeting = policies.filter((policy) => targets(policy, gateway));
      if (targeting.length === 0) continue;
      // Each policy translated alone once: its error (if any) is both the filter and its status.
      const errors = new Map(targeting.map((policy) => [policy, translationError(policy, gateway)]));
      const accepted = targeting.filter((policy) => !errors.get(policy)) as PolicyObject[];
      const translated = translatePolicies(accepted, {
        name: gateway.metadata.name,
        namespace: gateway.metadata.namespace ?? "default",
      });
      limits.push(...translated.limits);
      const authConfigsToSync: string[] = [];
      for (const authConfig of translated.authConfigs) {
        const { key, name, outcome } = this.applyAuthConfig(store, authConfig as unknown as KubeObject, gateway);
        wantedAuthConfigs.add(key);
        if (outcome !== "unchanged") authConfigsToSync.push(`AuthConfig (${name})`);
      }
      const filter = kuadrantEnvoyFilter(gateway, translated, store);
      wantedFilters.add(`${filter.metadata.namespace}/${filter.metadata.name}`);
      // kuadrant-operator marks a gateway modified only when its EnvoyFilter is created (updates keep status).
      const filterToSync =
        applyDesired(store, filter) === "created"
          ? [`EnvoyFilter (${gateway.metadata.namespace}/${gateway.metadata.name})`]
          : [];
      for (const policy of targeting) {
        const error = errors.get(policy);
        const ownObjects = policy.kind === "AuthPolicy" ? authConfigsToSync : [];
        verdicts.push({
          policy,
          ...(error ? { refusal: { reason: "Invalid" as const, message: error } } : {}),
          waitingFor: [...ownObjects, ...filterToSync],
        });
      }
    }
    const limitsChanged = this.writeLimits(store, limits);
    prune(store, "authorino.kuadrant.io/AuthConfig", wantedAuthConfigs);
    prune(store, "networking.istio.io/EnvoyFilter", wantedFilters);
    for (const verdict of verdicts) writePolicyStatus(store, this.complete(store, verdict, limitsChanged));
    for (const policy of policies.filter((p) => !gateways.some((gateway) => targets(p, gateway)))) {
      const target = (policy.spec?.targetRef as { name?: string } | undefined)?.name ?? "";
      const message = `${policy.kind} target ${target} was not found`;
      writePolicyStatus(store, { policy, refusal: { reason: "TargetNotFound", message }, waitingFor: [] });
    }
  }

  /** Put the policy's engine first among what it waits for, as kuadrant-operator lists it. */
  private complete(store: ObjectStore, verdict: PolicyVerdict, limitsChanged: boolean): PolicyVerdict {
    const engine: string[] = [];
    if (verdict.policy.kind === "AuthPolicy") {
      if (!componentReady(store, KUADRANT_NAMESPACE, AUTHORINO_DEPLOYMENT)) engine.push("Authorino");
    } else if (!componentReady(store, KUADRANT_NAMESPACE, LIMITADOR_DEPLOYMENT) || limitsChanged) {
      engine.push("Limitador");
    }
    return { ...verdict, waitingFor: [...engine, ...verdict.waitingFor] };
  }

  private applyAuthConfig(
    store: ObjectStore,
    authConfig: KubeObject,
    gateway: KubeObject,
  ): { key: string; name: string; outcome: DesiredOutcome } {
    const object: KubeObject = {
      ...authConfig,
      metadata: {
        name: `${gateway.metadata.name}-${authConfig.metadata.name}`,
        namespace: KUADRANT_NAMESPACE,
        labels: { [MANAGED_LABEL]: "true", "testbed.io/gateway": gateway.metadata.name },
      },
    };
    const outcome = applyDesired(store, object);
    return { key: `${KUADRANT_NAMESPACE}/${object.metadata.name}`, name: object.metadata.name, outcome };
  }

  /** Write Limitador's limits file; true when it changed (Limitador has not loaded the new limits yet). */
  private writeLimits(store: ObjectStore, limits: LimitDefinition[]): boolean {
    const current = store.get("ConfigMap", KUADRANT_NAMESPACE, LIMITS_CONFIGMAP);
    const data = { [LIMITS_FILE]: limits.length === 0 ? "[]\n" : stringify(limits.map(limitsFileEntry)) };
    if (!current) {
      store.create({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: LIMITS_CONFIGMAP, namespace: KUADRANT_NAMESPACE },
        data,
      });
      return true;
    }
    if (isDeepStrictEqual(current.data, data)) return false;
    store.update({ ...current, data });
    return true;
  }
}

/** A policy targets a Gateway by name in its own namespace (Gateway API's local reference). */
function targets(policy: KubeObject, gateway: KubeObject): boolean {
  const ref = policy.spec?.targetRef as { kind?: string; name?: string } | undefined;
  return (
    ref?.kind === "Gateway" &&
    ref.name === gateway.metadata.name &&
    (policy.metadata.namespace ?? "default") === gateway.metadata.namespace
  );
}

function translationError(policy: KubeObject, gateway: KubeObject): string | undefined {
  try {
    translatePolicies([policy as PolicyObject], {
      name: gateway.metadata.name,
      namespace: gateway.metadata.namespace ?? "default",
    });
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Limitador's file format, from the parsed form the translator returns. */
function limitsFileEntry(limit: LimitDefinition): Record<string, unknown> {
  return {
    namespace: limit.namespace,
    max_value: limit.maxValue,
    seconds: limit.seconds,
    ...(limit.name ? { name: limit.name } : {}),
    conditions: limit.conditions.map((c) => `descriptors[0]["${c.key}"] ${c.operator} "${c.value}"`),
    variables: limit.variables.map((key) => `descriptors[0]["${key}"]`),
  };
}

/** Remove objects this controller made earlier that no policy asks for any more. */
function prune(store: ObjectStore, key: string, wanted: Set<string>): void {
  for (const object of store.peekList(key)) {
    const managed = object.metadata.labels?.[MANAGED_LABEL] === "true";
    if (managed && !wanted.has(`${object.metadata.namespace}/${object.metadata.name}`)) {
      store.delete(key, object.metadata.namespace, object.metadata.name);
    }
  }
}
