// HTTPRoute URLRewrite → the route action's path rewrite, as Istio emits it. conversion.go
// createRewriteFilter turns ReplacePrefixMatch into a VirtualService rewrite.uri with the trailing
// "/" trimmed ("/" stays "/"), ReplaceFullPath into uriRegexRewrite {match "/.*"}; then
// route.go applyHTTPRouteDestination, for Gateway API routes, makes uri "/" a regex_rewrite that
// drops the matched prefix and keeps one slash — `^<quoted path_separated_prefix>(/?)(.*)` → `/\2`
// — and any other uri a prefix_rewrite. The hostname becomes host_rewrite_literal.
// (1.26.2-redhat; the same in 1.27–1.29.)

interface UrlRewrite {
  path?: { type?: string; replacePrefixMatch?: string; replaceFullPath?: string };
  hostname?: string;
}

/** The rewrite fields of a route action for the rule's URLRewrite filter and the route's Envoy match. */
export function rewriteAction(
  filters: Array<Record<string, unknown>>,
  envoyMatch: Record<string, unknown>,
): Record<string, unknown> {
  const filter = filters.find((f) => f.type === "URLRewrite");
  if (!filter) return {};
  const rewrite = (filter.urlRewrite ?? {}) as UrlRewrite;
  const out: Record<string, unknown> = {};
  const path = rewrite.path;
  if (path?.type === "ReplacePrefixMatch") {
    const uri = (path.replacePrefixMatch ?? "").replace(/\/$/, "") || "/";
    if (uri === "/") {
      const prefix = typeof envoyMatch.path_separated_prefix === "string" ? envoyMatch.path_separated_prefix : "";
      out.regex_rewrite = { pattern: { regex: `^${quoteMeta(prefix)}(/?)(.*)` }, substitution: "/\\2" };
    } else {
      out.prefix_rewrite = uri;
    }
  } else if (path?.type === "ReplaceFullPath") {
    out.regex_rewrite = { pattern: { regex: "/.*" }, substitution: path.replaceFullPath ?? "" };
  }
  if (rewrite.hostname) out.host_rewrite_literal = rewrite.hostname;
  return out;
}

/** Go's regexp.QuoteMeta: a backslash before each of \.+*?()|[]{}^$ */
export function quoteMeta(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$]/g, "\\$&");
}
