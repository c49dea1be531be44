import { isDeepStrictEqual } from "node:util";
import type { KubeObject } from "@testbed/apimachinery";
import { setCondition } from "@testbed/apimachinery";
import { type LimitDefinition, type PolicyObject, translatePolicies } from "@testbed/kuadrant";
import { stringify } from "yaml";
import { recordEvent } from "../../store/events.js";
import type { ObjectStore, WatchEvent } from "../../store/object-store.js";
import { type ControllerContext, QueuedController } from "../controller.js";
import { applyDesired } from "../desired-objects.js";
import { kuadrantEnvoyFilter } from "./kuadrant-envoy-filter.js";

const POLICY_KINDS = ["kuadrant.io/AuthPolicy", "kuadrant.io/RateLimitPolicy", "kuadrant.io/TokenRateLimitPolicy"];
const GATEWAY = "gateway.networking.k8s.io/Gateway";
const ALL = "all";
export const KUADRANT_NAMESPACE = "kuadrant-system";
export const LIMITS_CONFIGMAP = "limits-config-limitador";
export const LIMITS_FILE = "limitador-config.yaml";

/**
 * The Kuadrant operator: for every Gateway that policies target, translate the policies (the
 * kuadrant package's translator) into what the data plane runs —
 * - AuthConfig objects that Authorino reads,
 * - Limitador's limits, in the ConfigMap mounted into the Limitador pod,
 * - an EnvoyFilter `kuadrant-<gateway>` that adds the ext_authz and ratelimit filters, their
 *   clusters and the routes' rate_limits to that Gateway's Envoy (as the seed's "Kuadrant injects
 *   auth EnvoyFilter" step says),
 * and report Accepted/Enforced on each policy. A policy that cannot be translated gets
 * Accepted=False with the reason; the others still apply.
 */
export class KuadrantController extends QueuedController {
  readonly name = "kuadrant";

  protected initialKeys(): string[] {
    return [ALL];
  }

  /** Policies, Gateways and Kuadrant's own pods (their addresses go into the EnvoyFilters) trigger one pass. */
  protected keysFor(event: WatchEvent): string[] {
    const relevant =
      POLICY_KINDS.includes(event.key) ||
      event.key === GATEWAY ||
      (event.key === "Pod" && event.object.metadata.namespace === KUADRANT_NAMESPACE);
    return relevant ? [ALL] : [];
  }

  protected reconcile(_pass: string, context: ControllerContext): void {
    const store = context.store;
    if (!store.peek("Namespace", undefined, KUADRANT_NAMESPACE)) return;
    const policies = POLICY_KINDS.flatMap((key) => store.list(key));
    const limits: LimitDefinition[] = [];
    const wantedAuthConfigs = new Set<string>();
    const wantedFilters = new Set<string>();
    for (const gateway of store.peekList(GATEWAY)) {
      const targeting = policies.filter((policy) => targets(policy, gateway));
      if (targeting.length === 0) continue;
      const accepted: PolicyObject[] = [];
      for (const policy of targeting) {
        const error = translationError(policy, gateway);
        this.setPolicyStatus(store, policy, error);
        if (!error) accepted.push(policy as PolicyObject);
      }
      const translated = translatePolicies(accepted, {
        name: gateway.metadata.name,
        namespace: gateway.metadata.namespace ?? "default",
      });
      limits.push(...translated.limits);
      for (const authConfig of translated.authConfigs) {
        wantedAuthConfigs.add(this.applyAuthConfig(store, authConfig as unknown as KubeObject, gateway));
      }
      const filter = kuadrantEnvoyFilter(gateway, translated, store);
      wantedFilters.add(`${filter.metadata.namespace}/${filter.metadata.name}`);
      applyDesired(store, filter);
    }
    this.writeLimits(store, limits);
    prune(store, "authorino.kuadrant.io/AuthConfig", wantedAuthConfigs);
    prune(store, "networking.istio.io/EnvoyFilter", wantedFilters);
  }

  private applyAuthConfig(store: ObjectStore, authConfig: KubeObject, gateway: KubeObject): string {
    const object: KubeObject = {
      ...authConfig,
      metadata: {
        name: `${gateway.metadata.name}-${authConfig.metadata.name}`,
        namespace: KUADRANT_NAMESPACE,
        labels: { "kuadrant.io/managed": "true", "testbed.io/gateway": gateway.metadata.name },
      },
    };
    applyDesired(store, object);
    return `${KUADRANT_NAMESPACE}/${object.metadata.name}`;
  }

  private writeLimits(store: ObjectStore, limits: LimitDefinition[]): void {
    const current = store.get("ConfigMap", KUADRANT_NAMESPACE, LIMITS_CONFIGMAP);
    const data = { [LIMITS_FILE]: limits.length === 0 ? "[]\n" : stringify(limits.map(limitsFileEntry)) };
    if (!current) {
      store.create({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: LIMITS_CONFIGMAP, namespace: KUADRANT_NAMESPACE },
        data,
      });
    } else if (!isDeepStrictEqual(current.data, data)) store.update({ ...current, data });
  }

  private setPolicyStatus(store: ObjectStore, policy: KubeObject, error: string | undefined): void {
    const now = store.now();
    let conditions = setCondition(
      policy.status?.conditions,
      error
        ? { type: "Accepted", status: "False", reason: "Invalid", message: error }
        : { type: "Accepted", status: "True", reason: "Accepted", message: `${policy.kind} has been accepted` },
      now,
    );
    conditions = setCondition(
      conditions,
      error
        ? { type: "Enforced", status: "False", reason: "Unknown", message: `${policy.kind} is not enforced` }
        : {
            type: "Enforced",
            status: "True",
            reason: "Enforced",
            message: `${policy.kind} has been successfully enforced`,
          },
      now,
    );
    const status = { observedGeneration: policy.metadata.generation, conditions };
    const key = `kuadrant.io/${policy.kind}`;
    const previous = policy.status?.conditions?.find((c: { type: string }) => c.type === "Accepted")?.status;
    store.updateStatus(key, policy.metadata.namespace, policy.metadata.name, status);
    if (error && previous !== "False") recordEvent(store, policy, "Warning", "Invalid", error, "kuadrant-operator");
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
    const managed = object.metadata.labels?.["kuadrant.io/managed"] === "true";
    if (managed && !wanted.has(`${object.metadata.namespace}/${object.metadata.name}`)) {
      store.delete(key, object.metadata.namespace, object.metadata.name);
    }
  }
}
