// Authorino's AuthConfig (authorino.kuadrant.io/v1beta3), the subset Kuadrant's AuthPolicy produces
// for API keys: hosts; top-level `when` conditions; `authentication` rules with `apiKey` (a label
// selector over Secrets) and where the credential is read from; `authorization` pattern-matching
// rules; `response.success` headers and dynamic metadata (`filters`) built from selectors.
import type { Pattern, PatternOperator } from "./selectors.js";

/** One `authentication` rule of kind apiKey: which Secrets hold the keys and where the key is read from. */
export interface ApiKeyRule {
  name: string;
  matchLabels: Record<string, string>;
  allNamespaces: boolean;
  credentials:
    | { in: "authorization_header"; prefix: string }
    | { in: "custom_header"; name: string }
    | { in: "query"; name: string };
}

export interface ResponseValue {
  selector?: string;
  value?: unknown;
}

export interface AuthConfig {
  name: string;
  namespace: string;
  hosts: string[];
  when: Pattern[];
  apiKeys: ApiKeyRule[];
  authorization: Array<{ name: string; patterns: Pattern[] }>;
  /** Headers added to the request on success. */
  successHeaders: Record<string, ResponseValue>;
  /** Dynamic metadata on success: name → JSON properties (e.g. identity → {userid, tier}). */
  successMetadata: Record<string, Record<string, ResponseValue>>;
}

export class AuthConfigError extends Error {}

const OPERATORS: PatternOperator[] = ["eq", "neq", "incl", "excl", "matches"];

export function readAuthConfig(raw: unknown, source: string): AuthConfig {
  const object = (raw ?? {}) as {
    metadata?: { name?: string; namespace?: string };
    spec?: Record<string, unknown>;
    kind?: string;
  };
  if (object.kind !== undefined && object.kind !== "AuthConfig")
    throw new AuthConfigError(`${source}: kind: must be AuthConfig`);
  const name = object.metadata?.name;
  if (!name) throw new AuthConfigError(`${source}: metadata.name: is required`);
  const spec = object.spec ?? {};
  const hosts = (spec.hosts ?? []) as string[];
  if (!Array.isArray(hosts) || hosts.length === 0)
    throw new AuthConfigError(`${source}: spec.hosts: needs at least one host`);
  const apiKeys: ApiKeyRule[] = [];
  for (const [ruleName, rule] of Object.entries(
    (spec.authentication ?? {}) as Record<string, Record<string, unknown>>,
  )) {
    const path = `${source}: spec.authentication.${ruleName}`;
    if (typeof rule !== "object" || rule === null) throw new AuthConfigError(`${path}: must be a map`);
    const apiKey = rule.apiKey as
      | { selector?: { matchLabels?: Record<string, string> }; allNamespaces?: boolean }
      | undefined;
    if (!apiKey) throw new AuthConfigError(`${path}: only apiKey authentication is modelled`);
    apiKeys.push({
      name: ruleName,
      matchLabels: apiKey.selector?.matchLabels ?? {},
      allNamespaces: apiKey.allNamespaces === true,
      credentials: readCredentials(rule.credentials, `${path}.credentials`),
    });
  }
  const authorization = Object.entries(
    (spec.authorization ?? {}) as Record<string, { patternMatching?: { patterns?: unknown[] } } | null>,
  ).map(([ruleName, rule]) => {
    const path = `${source}: spec.authorization.${ruleName}`;
    // An authorization rule the testbed cannot evaluate must not silently allow everything.
    if (!rule?.patternMatching) throw new AuthConfigError(`${path}: only patternMatching authorization is modelled`);
    return {
      name: ruleName,
      patterns: (rule.patternMatching.patterns ?? []).map((p, i) =>
        readPattern(p, `${path}.patternMatching.patterns[${i}]`),
      ),
    };
  });
  const success = ((spec.response as Record<string, unknown> | undefined)?.success ?? {}) as {
    headers?: Record<string, { plain?: ResponseValue; json?: { properties?: Record<string, ResponseValue> } }>;
    filters?: Record<string, { json?: { properties?: Record<string, ResponseValue> } }>;
    dynamicMetadata?: Record<string, { json?: { properties?: Record<string, ResponseValue> } }>;
  };
  const successHeaders: Record<string, ResponseValue> = {};
  for (const [header, value] of Object.entries(success.headers ?? {})) successHeaders[header] = value.plain ?? {};
  const successMetadata: Record<string, Record<string, ResponseValue>> = {};
  for (const [key, value] of Object.entries({ ...(success.dynamicMetadata ?? {}), ...(success.filters ?? {}) })) {
    successMetadata[key] = value.json?.properties ?? {};
  }
  return {
    name,
    namespace: object.metadata?.namespace ?? "default",
    hosts,
    when: ((spec.when ?? []) as unknown[]).map((p, i) => readPattern(p, `${source}: spec.when[${i}]`)),
    apiKeys,
    authorization,
    successHeaders,
    successMetadata,
  };
}

function readCredentials(raw: unknown, path: string): ApiKeyRule["credentials"] {
  const credentials = (raw ?? { authorizationHeader: { prefix: "Bearer" } }) as {
    authorizationHeader?: { prefix?: string };
    customHeader?: { name?: string };
    queryString?: { name?: string };
  };
  if (credentials.customHeader?.name) return { in: "custom_header", name: credentials.customHeader.name.toLowerCase() };
  if (credentials.queryString?.name) return { in: "query", name: credentials.queryString.name };
  if (credentials.authorizationHeader)
    return { in: "authorization_header", prefix: credentials.authorizationHeader.prefix ?? "Bearer" };
  throw new AuthConfigError(`${path}: needs authorizationHeader, customHeader or queryString`);
}

function readPattern(raw: unknown, path: string): Pattern {
  const pattern = (raw ?? {}) as Partial<Pattern>;
  if (typeof pattern.selector !== "string") throw new AuthConfigError(`${path}.selector: is required`);
  if (!OPERATORS.includes(pattern.operator as PatternOperator)) {
    throw new AuthConfigError(`${path}.operator: must be one of ${OPERATORS.join(", ")}`);
  }
  const value = String(pattern.value ?? "");
  if (pattern.operator === "matches") {
    try {
      new RegExp(value);
    } catch {
      throw new AuthConfigError(`${path}.value: invalid regular expression ${JSON.stringify(value)}`);
    }
  }
  return { selector: pattern.selector, operator: pattern.operator as PatternOperator, value };
}
