// From Kuadrant policies to what the engines and the gateway run — what the Kuadrant operator does:
//
// - AuthPolicy (kuadrant.io/v1, apiKey rules) → an Authorino AuthConfig (authorino.kuadrant.io/v1beta3)
//   for the target's hosts, passing `response.success.filters` through as identity metadata.
// - RateLimitPolicy (kuadrant.io/v1) and TokenRateLimitPolicy (kuadrant.io/v1alpha1) limits → Limitador
//   limits plus the gateway's `rate_limits` descriptors. Each limit gets a descriptor entry
//   `limit.<policy>__<limit> = 1`; `auth.identity.*` attributes used by counters and `when` predicates
//   travel as descriptor entries read from the ext_authz metadata, and the predicates become Limitador
//   conditions on them. Token limits are charged after the response (apply_on_stream_done).
import { createHash } from "node:crypto";
import { type LimitDefinition, readLimit } from "../limitador/limit-definitions.js";
import { type Comparison, parsePredicate } from "./predicates.js";

/** A Kuadrant policy object as read from a manifest. */
export interface PolicyObject {
  apiVersion?: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec: Record<string, unknown>;
}

export interface TranslatedPolicies {
  /** AuthConfig objects, ready for Authorino. */
  authConfigs: Array<Record<string, unknown>>;
  limits: LimitDefinition[];
  /** Route-level rate_limits entries for the gateway's envoy.filters.http.ratelimit. */
  rateLimits: Array<Record<string, unknown>>;
  /** The ratelimit domain (Limitador namespace) the gateway must use. */
  domain: string;
}

export const EXT_AUTHZ_METADATA = "envoy.filters.http.ext_authz";

interface LimitSpec {
  rates?: Array<{ limit?: number; window?: string }>;
  counters?: Array<{ expression?: string }>;
  when?: Array<{ predicate?: string }>;
}

export function translatePolicies(
  policies: PolicyObject[],
  gateway: { name: string; namespace: string; hosts?: string[] },
): TranslatedPolicies {
  const domain = `${gateway.namespace}/${gateway.name}`;
  const result: TranslatedPolicies = { authConfigs: [], limits: [], rateLimits: [], domain };
  for (const policy of policies) {
    const source = `${policy.kind} ${policy.metadata.namespace ?? "default"}/${policy.metadata.name}`;
    if (policy.kind === "AuthPolicy") result.authConfigs.push(authConfigFor(policy, gateway.hosts ?? ["*"], source));
    else if (policy.kind === "RateLimitPolicy" || policy.kind === "TokenRateLimitPolicy") {
      const tokens = policy.kind === "TokenRateLimitPolicy";
      const limits = (rulesOf(policy).limits ?? {}) as Record<string, LimitSpec>;
      for (const [name, limit] of Object.entries(limits)) {
        const translated = translateLimit(policy, name, limit, domain, tokens, `${source}: spec.limits.${name}`);
        result.limits.push(...translated.limits);
        result.rateLimits.push(translated.rateLimit);
      }
    }
  }
  return result;
}

/** Policies may put their rules under spec.defaults / spec.overrides, or directly under spec. */
function rulesOf(policy: PolicyObject): Record<string, unknown> {
  return (policy.spec.overrides ?? policy.spec.defaults ?? policy.spec) as Record<string, unknown>;
}

function authConfigFor(policy: PolicyObject, hosts: string[], source: string): Record<string, unknown> {
  const rules = (rulesOf(policy).rules ?? {}) as Record<string, Record<string, unknown>>;
  const authentication = rules.authentication ?? {};
  for (const [name, rule] of Object.entries(authentication)) {
    if (!(rule as Record<string, unknown>).apiKey)
      throw new Error(`${source}: spec.rules.authentication.${name}: only apiKey authentication is translated`);
  }
  return {
    apiVersion: "authorino.kuadrant.io/v1beta3",
    kind: "AuthConfig",
    metadata: {
      name: `${policy.metadata.namespace ?? "default"}-${policy.metadata.name}`,
      namespace: policy.metadata.namespace ?? "default",
    },
    spec: {
      hosts,
      authentication,
      ...(rules.authorization ? { authorization: rules.authorization } : {}),
      ...(rules.response ? { response: authConfigResponse(rules.response as Record<string, unknown>) } : {}),
    },
  };
}

/** AuthPolicy's response.success.filters are an AuthConfig's response.success.dynamicMetadata. */
function authConfigResponse(response: Record<string, unknown>): Record<string, unknown> {
  const success = (response.success ?? {}) as Record<string, unknown>;
  const { filters, ...rest } = success;
  return { ...response, success: { ...rest, ...(filters ? { dynamicMetadata: filters } : {}) } };
}

function translateLimit(
  policy: PolicyObject,
  name: string,
  spec: LimitSpec,
  domain: string,
  tokens: boolean,
  path: string,
) {
  // kuadrant-operator's identifier: limit.<limit name>__<first 8 hex of sha256("<ns>/<policy>/<limit>")>.
  const namespace = policy.metadata.namespace ?? "default";
  const key = `limit.${name.replace(/[^A-Za-z0-9_]/g, "_")}__${shortHash(`${namespace}/${policy.metadata.name}/${name}`)}`;
  const comparisons: Comparison[] = (spec.when ?? []).flatMap((w, i) =>
    parsePredicate(w.predicate ?? "", `${path}.when[${i}].predicate`),
  );
  const counters = (spec.counters ?? []).map((c) => c.expression ?? "").filter((e) => e !== "");
  const attributes = [...new Set([...counters, ...comparisons.map((c) => c.attribute)])];
  const limits = (spec.rates ?? []).map((rate, i) =>
    readLimit(
      {
        namespace: domain,
        name: `${policy.metadata.name}/${name}`,
        max_value: rate.limit,
        seconds: windowSeconds(rate.window ?? "", `${path}.rates[${i}].window`),
        conditions: [
          `descriptors[0]["${key}"] == "1"`,
          ...comparisons.map((c) => `descriptors[0]["${c.attribute}"] ${c.operator} "${c.value}"`),
        ],
        variables: counters.map((c) => `descriptors[0]["${c}"]`),
      },
      `${path}.rates[${i}]`,
    ),
  );
  const rateLimit: Record<string, unknown> = {
    ...(tokens ? { apply_on_stream_done: true } : {}),
    actions: [{ generic_key: { descriptor_key: key, descriptor_value: "1" } }, ...attributes.map(attributeAction)],
  };
  return { limits, rateLimit };
}

/** auth.identity.userid → the ext_authz metadata path identity.userid. */
function attributeAction(attribute: string): Record<string, unknown> {
  if (!attribute.startsWith("auth."))
    throw new Error(`only auth.* attributes can be counted or compared, got ${attribute}`);
  const path = attribute
    .split(".")
    .slice(1)
    .map((key) => ({ key }));
  return { metadata: { descriptor_key: attribute, metadata_key: { key: EXT_AUTHZ_METADATA, path } } };
}

/** Gateway API / Kuadrant durations: "2m", "30s", "1h", "1d". */
export function windowSeconds(window: string, path: string): number {
  const match = /^(\d+)(s|m|h|d)$/.exec(window.trim());
  if (!match) throw new Error(`${path}: cannot read window ${JSON.stringify(window)}; use e.g. "2m"`);
  return Number(match[1]) * { s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as "s" | "m" | "h" | "d"];
}

function shortHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 8);
}
