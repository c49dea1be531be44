// AuthPolicy and RateLimitPolicy (kuadrant.io/v1) as kuadrant-operator's
// config/crd/bases/kuadrant.io_{authpolicies,ratelimitpolicies}.yaml define them. AuthPolicy's rule
// sections list their evaluator kinds (apiKey, jwt, kubernetesTokenReview, opa…) as open objects;
// the response section's success/unauthenticated/unauthorized bodies stay open.
import { CONDITION, type Fields, kindSchema, type Schema } from "./schema-notation.js";

const TARGET_REFERENCE: Fields = { "group!": "string", "kind!": "string", "name!": "string", sectionName: "string" };
const PREDICATES = [{ "predicate!": "string" }] as const;
const STRATEGY = "enum:atomic|merge=atomic";
const POLICY_STATUS: Fields = { conditions: [CONDITION], observedGeneration: "int64" };

const LIMIT: Fields = {
  counters: [{ "expression!": "string" }],
  rates: [{ "limit!": "integer", "window!": "string" }],
  when: PREDICATES,
};
const LIMITS: Fields = { "*": LIMIT };

const RATE_LIMIT_POLICY_SPEC: Fields = {
  defaults: { limits: LIMITS, strategy: STRATEGY, when: PREDICATES },
  limits: LIMITS,
  overrides: { limits: LIMITS, strategy: STRATEGY, when: PREDICATES },
  "targetRef!": TARGET_REFERENCE,
  when: PREDICATES,
};

/** One entry of a rule section: its evaluator kinds (open) beside the fields every evaluator has. */
function evaluator(kinds: string[]): Fields {
  const fields: Record<string, Fields[string]> = {
    cache: "open",
    metrics: "boolean",
    priority: "integer",
    when: PREDICATES,
  };
  for (const kind of kinds) fields[kind] = "open";
  return { "*": fields };
}

const AUTH_RULES: Fields = {
  authentication: evaluator([
    "anonymous",
    "apiKey",
    "credentials",
    "defaults",
    "jwt",
    "kubernetesTokenReview",
    "oauth2Introspection",
    "overrides",
    "plain",
    "x509",
  ]),
  authorization: evaluator(["kubernetesSubjectAccessReview", "opa", "patternMatching", "spicedb"]),
  callbacks: evaluator(["http"]),
  metadata: evaluator(["http", "uma", "userInfo"]),
  response: { success: "open", unauthenticated: "open", unauthorized: "open" },
};

const PATTERNS: Fields = {
  "*": { "allOf!": [{ operator: "enum:eq|neq|incl|excl|matches", selector: "string", value: "string" }] },
};

const AUTH_POLICY_SPEC: Fields = {
  defaults: { patterns: PATTERNS, rules: AUTH_RULES, strategy: STRATEGY, when: PREDICATES },
  overrides: { patterns: PATTERNS, rules: AUTH_RULES, strategy: STRATEGY, when: PREDICATES },
  patterns: PATTERNS,
  rules: AUTH_RULES,
  "targetRef!": TARGET_REFERENCE,
  when: PREDICATES,
};

export const KUADRANT_SCHEMAS: Readonly<Record<string, Record<string, Schema>>> = {
  "kuadrant.io/AuthPolicy": { v1: kindSchema({ spec: AUTH_POLICY_SPEC, status: POLICY_STATUS }) },
  "kuadrant.io/RateLimitPolicy": { v1: kindSchema({ spec: RATE_LIMIT_POLICY_SPEC, status: POLICY_STATUS }) },
};
