// Envoy's HeaderMutationRules checker (envoy.config.common.mutation_rules.v3, the ext_proc filter's
// `mutation_rules`): which header a processor may set, append or remove.

/** config.common.mutation_rules.v3.HeaderMutationRules; unset fields take Envoy's defaults (false). */
export interface HeaderMutationRules {
  allow_all_routing?: boolean;
  allow_envoy?: boolean;
  disallow_system?: boolean;
  disallow_all?: boolean;
  /** RE2 regular expressions, matched against the whole lower-case name. */
  allow_expression?: string;
  disallow_expression?: string;
  disallow_is_error?: boolean;
}

export type MutationOperation = "set" | "append" | "remove";

/** OK, IGNORE (refused and counted) or FAIL (refused, and the filter answers 500). */
export type CheckResult = "ok" | "ignore" | "fail";

/** The headers a route is chosen by: changing them needs allow_all_routing. */
const ROUTING_HEADERS = new Set(["host", ":authority", ":method", ":scheme"]);

export function mutationAllowed(
  rules: HeaderMutationRules | undefined,
  operation: MutationOperation,
  name: string,
): CheckResult {
  if (isAllowed(rules ?? {}, operation, name)) return "ok";
  return rules?.disallow_is_error ? "fail" : "ignore";
}

function isAllowed(rules: HeaderMutationRules, operation: MutationOperation, name: string): boolean {
  // The host header and pseudo-headers may be replaced but never removed or appended to.
  if (operation !== "set" && (name.startsWith(":") || name === "host")) return false;
  if (rules.disallow_expression && wholeMatch(rules.disallow_expression, name)) return false;
  if (rules.allow_expression && wholeMatch(rules.allow_expression, name)) return true;
  if (rules.disallow_all) return false;
  if (!rules.allow_all_routing && ROUTING_HEADERS.has(name)) return false;
  if (rules.disallow_system && name.startsWith(":")) return false;
  if (!rules.allow_envoy && name.startsWith("x-envoy")) return false;
  return true;
}

function wholeMatch(expression: string, name: string): boolean {
  return new RegExp(`^(?:${expression})$`).test(name);
}
