// HTTPRoute rules → Envoy routes, as Istio translates them: one Envoy route per match, named after
// the rule (`rule.name`, else `<ns>.<route>.<ruleIndex>`); PathPrefix → path_separated_prefix
// ("/" stays a plain prefix), Exact → path, RegularExpression → safe_regex; header and method
// matches → header matchers; URLRewrite → path-rewrite.ts (ReplacePrefixMatch "/" is Istio's
// regex_rewrite); timeouts.request → timeout (Istio's default 0s = none); the retry policy from
// istio-retry-policy.ts; several backends → weighted_clusters by weight. A rule whose backends all
// fail to resolve answers 500 directly. Query-parameter matches are not modelled by the gateway
// and are left out.
import type { KubeObject } from "@testbed/apimachinery";
import { EXT_PROC_FILTER_NAME } from "@testbed/gateway";
import { type BackendProblem, type ResolvedBackend, resolveBackend } from "./backends.js";
import { extProcPerRoute } from "./ext-proc.js";
import type { InferencePoolView } from "./inference-pools.js";
import { ruleRetryPolicy } from "./istio-retry-policy.js";
import { type IstioVersion, inferencePoolGroup } from "./istio-version.js";
import type { MeshSnapshot } from "./mesh-snapshot.js";
import { rewriteAction } from "./path-rewrite.js";

/** One Envoy route made from an HTTPRoute match, with its precedence and the pool it targets. */
export interface TranslatedRoute {
  envoy: Record<string, unknown>;
  /** Gateway API precedence: path kind (Exact 3 > Prefix 2 > Regex 1), path length, method, headers. */
  rank: [number, number, number, number];
  pool: InferencePoolView | undefined;
}

export interface RouteTranslation {
  routes: TranslatedRoute[];
  problems: BackendProblem[];
}

interface RuleMatch {
  path?: { type?: string; value?: string };
  headers?: Array<{ type?: string; name: string; value: string }>;
  method?: string;
}

export function translateHttpRoute(snapshot: MeshSnapshot, route: KubeObject, istio: IstioVersion): RouteTranslation {
  const namespace = route.metadata.namespace ?? "default";
  const routes: TranslatedRoute[] = [];
  const problems: BackendProblem[] = [];
  ((route.spec?.rules ?? []) as Array<Record<string, unknown>>).forEach((rule, index) => {
    const name =
      typeof rule.name === "string" && rule.name !== "" ? rule.name : `${namespace}.${route.metadata.name}.${index}`;
    const resolved = ((rule.backendRefs ?? []) as Array<Record<string, unknown>>).map((ref) =>
      resolveBackend(snapshot, namespace, ref, inferencePoolGroup(istio)),
    );
    problems.push(...resolved.filter((r): r is BackendProblem => !r.ok));
    const backends = resolved.filter((r): r is ResolvedBackend => r.ok && r.weight > 0);
    const pool = backends.find((b) => b.pool)?.pool;
    const matches = ((rule.matches ?? []) as RuleMatch[]).length > 0 ? (rule.matches as RuleMatch[]) : [{}];
    for (const match of matches) {
      routes.push({
        envoy: envoyRoute(name, match, rule, backends, pool, istio),
        rank: rank(match),
        pool,
      });
    }
  });
  return { routes, problems };
}

function envoyRoute(
  name: string,
  match: RuleMatch,
  rule: Record<string, unknown>,
  backends: ResolvedBackend[],
  pool: InferencePoolView | undefined,
  istio: IstioVersion,
): Record<string, unknown> {
  const out: Record<string, unknown> = { name, match: envoyMatch(match) };
  if (backends.length === 0) {
    out.direct_response = { status: 500 };
    return out;
  }
  out.route = routeAction(match, rule, backends);
  const perRoute = pool ? extProcPerRoute(pool, istio) : undefined;
  if (perRoute) out.typed_per_filter_config = { [EXT_PROC_FILTER_NAME]: perRoute };
  return out;
}

function envoyMatch(match: RuleMatch): Record<string, unknown> {
  const type = match.path?.type ?? "PathPrefix";
  const value = match.path?.value ?? "/";
  const out: Record<string, unknown> = {};
  if (type === "Exact") out.path = value;
  else if (type === "RegularExpression") out.safe_regex = { regex: value };
  else if (value === "/" || value === "") out.prefix = "/";
  else out.path_separated_prefix = value.replace(/\/+$/, "");
  const headers = (match.headers ?? []).map((h) => ({
    name: h.name.toLowerCase(),
    string_match: h.type === "RegularExpression" ? { safe_regex: { regex: h.value } } : { exact: h.value },
  }));
  if (match.method) headers.push({ name: ":method", string_match: { exact: match.method } });
  if (headers.length > 0) out.headers = headers;
  return out;
}

function routeAction(
  match: RuleMatch,
  rule: Record<string, unknown>,
  backends: ResolvedBackend[],
): Record<string, unknown> {
  const action: Record<string, unknown> =
    backends.length === 1
      ? { cluster: backends[0]?.cluster }
      : { weighted_clusters: { clusters: backends.map((b) => ({ name: b.cluster, weight: b.weight })) } };
  Object.assign(action, rewriteAction((rule.filters ?? []) as Array<Record<string, unknown>>, envoyMatch(match)));
  const timeouts = (rule.timeouts ?? {}) as { request?: string };
  action.timeout = timeouts.request ? envoyDuration(timeouts.request) : "0s";
  const retryPolicy = ruleRetryPolicy(rule, envoyDuration);
  if (retryPolicy) action.retry_policy = retryPolicy;
  return action;
}

/** Gateway API durations ("10s", "1m30s", "500ms", "1h") as Envoy's seconds form ("90s"). */
export function envoyDuration(value: string): string {
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  let seconds = 0;
  for (const [, amount, unit] of value.matchAll(/(\d+)(ms|h|m|s)/g)) {
    seconds += Number(amount) * (units[unit as string] ?? 0);
  }
  return `${Number(seconds.toFixed(3))}s`;
}

function rank(match: RuleMatch): [number, number, number, number] {
  const type = match.path?.type ?? "PathPrefix";
  const kind = type === "Exact" ? 3 : type === "RegularExpression" ? 1 : 2;
  return [kind, (match.path?.value ?? "/").length, match.method ? 1 : 0, match.headers?.length ?? 0];
}
