// Envoy's route matching: pick the virtual host by :authority (exact, then wildcard, then "*"),
// then the first route whose path match (prefix, path, safe_regex, path_separated_prefix) and
// header matchers all hold. Path rewrites (prefix_rewrite, regex_rewrite) are in path-rewrite.ts.
import type { HeaderMatcher, Route, RouteConfiguration, VirtualHost } from "../config/envoy-types.js";
import { removeQueryAndFragment } from "./remove-query-and-fragment.js";

/** The matched virtual host and route, and what the rewrite needs of the match. */
export interface RouteMatchResult {
  virtualHost: VirtualHost;
  route: Route;
  /** %ROUTE_NAME%: the route's name, or "-". */
  routeName: string;
  /**
   * What the route's path matcher matched, which prefix_rewrite replaces: the prefix for prefix and
   * path_separated_prefix routes, the whole path (without the query or fragment) for path and safe_regex ones.
   */
  matchedPrefix: string | undefined;
}

/** Authorities whose virtual host a table remembers before it starts over (clients name few hosts). */
const MAX_REMEMBERED_AUTHORITIES = 256;

/** The request's path as routes match it: without its query or fragment. */
function pathOf(headers: Record<string, string>): string {
  return removeQueryAndFragment(headers[":path"] ?? "/");
}

export class RouteTable {
  private readonly regexes = new Map<string, RegExp>();
  /** The virtual host of each :authority seen, looked up once (a bounded number of them). */
  private readonly hostsByAuthority = new Map<string, VirtualHost | undefined>();

  constructor(private readonly config: RouteConfiguration) {}

  match(headers: Record<string, string>): RouteMatchResult | undefined {
    const virtualHost = this.virtualHost(headers[":authority"] ?? "");
    if (!virtualHost) return undefined;
    const path = pathOf(headers);
    for (const route of virtualHost.routes) {
      const matchedPrefix = this.pathMatches(route, path);
      if (matchedPrefix === false) continue;
      if (route.match.headers && !route.match.headers.every((matcher) => headerMatches(matcher, headers))) continue;
      return { virtualHost, route, routeName: route.name ?? "-", matchedPrefix: matchedPrefix ?? undefined };
    }
    return undefined;
  }

  /**
   * For the routing trace: the virtual host, and why each route before the one that matched (every
   * route, when none did) did not take the request — the same checks match() makes, in its order.
   * `matched` (what match() found for these headers) lets a request that took the virtual host's
   * first route skip the walk: nothing came before it.
   */
  explain(
    headers: Record<string, string>,
    matched?: RouteMatchResult,
  ): { virtualHost: string; misses: { route: string; reason: string }[] } {
    const authority = headers[":authority"] ?? "";
    const virtualHost = matched?.virtualHost ?? this.virtualHost(authority);
    if (!virtualHost)
      return { virtualHost: "", misses: [{ route: "-", reason: `no virtual host serves ${authority}` }] };
    const misses: { route: string; reason: string }[] = [];
    if (matched?.route === virtualHost.routes[0]) return { virtualHost: virtualHost.name, misses };
    const path = pathOf(headers);
    for (const route of virtualHost.routes) {
      const name = route.name ?? "-";
      if (this.pathMatches(route, path) === false) {
        misses.push({ route: name, reason: `path ${path} does not match ${describeMatch(route)}` });
        continue;
      }
      const failed = (route.match.headers ?? []).find((matcher) => !headerMatches(matcher, headers));
      if (!failed) break;
      misses.push({ route: name, reason: `header ${failed.name} does not match` });
    }
    return { virtualHost: virtualHost.name, misses };
  }

  private virtualHost(authority: string): VirtualHost | undefined {
    if (this.hostsByAuthority.has(authority)) return this.hostsByAuthority.get(authority);
    const found = this.findVirtualHost(authority);
    if (this.hostsByAuthority.size >= MAX_REMEMBERED_AUTHORITIES) this.hostsByAuthority.clear();
    this.hostsByAuthority.set(authority, found);
    return found;
  }

  private findVirtualHost(authority: string): VirtualHost | undefined {
    const host = authority.toLowerCase();
    const bare = host.replace(/:\d+$/, "");
    const hosts = this.config.virtual_hosts;
    return (
      hosts.find((v) => v.domains.some((d) => d.toLowerCase() === host || d.toLowerCase() === bare)) ??
      hosts.find((v) => v.domains.some((d) => d.startsWith("*.") && bare.endsWith(d.slice(1).toLowerCase()))) ??
      hosts.find((v) => v.domains.includes("*"))
    );
  }

  /** false when the path does not match; the matched prefix (or null) when it does. */
  private pathMatches(route: Route, path: string): string | null | false {
    const { match } = route;
    const caseSensitive = match.case_sensitive !== false;
    const fold = (text: string) => (caseSensitive ? text : text.toLowerCase());
    if (match.prefix !== undefined) return fold(path).startsWith(fold(match.prefix)) ? match.prefix : false;
    if (match.path !== undefined) return fold(path) === fold(match.path) ? path : false;
    if (match.path_separated_prefix !== undefined) {
      const prefix = match.path_separated_prefix;
      return path === prefix || path.startsWith(`${prefix}/`) ? prefix : false;
    }
    if (match.safe_regex !== undefined) {
      let regex = this.regexes.get(match.safe_regex.regex);
      if (!regex) {
        regex = new RegExp(`^(?:${match.safe_regex.regex})$`);
        this.regexes.set(match.safe_regex.regex, regex);
      }
      return regex.test(path) ? path : false;
    }
    return false;
  }
}

/** A route's path match in words: "prefix /v1", "path /health", "regex …". */
export function describeMatch(route: Route): string {
  const { match } = route;
  if (match.prefix !== undefined) return `prefix ${match.prefix}`;
  if (match.path !== undefined) return `path ${match.path}`;
  if (match.path_separated_prefix !== undefined) return `path_separated_prefix ${match.path_separated_prefix}`;
  if (match.safe_regex !== undefined) return `regex ${match.safe_regex.regex}`;
  return "no path matcher";
}

function headerMatches(matcher: HeaderMatcher, headers: Record<string, string>): boolean {
  const value = headers[matcher.name.toLowerCase()];
  let result: boolean;
  if (matcher.present_match !== undefined) result = (value !== undefined) === matcher.present_match;
  else if (value === undefined) result = false;
  else if (matcher.exact_match !== undefined) result = value === matcher.exact_match;
  else if (matcher.prefix_match !== undefined) result = value.startsWith(matcher.prefix_match);
  else if (matcher.string_match) {
    const m = matcher.string_match;
    result =
      (m.exact === undefined || value === m.exact) &&
      (m.prefix === undefined || value.startsWith(m.prefix)) &&
      (m.suffix === undefined || value.endsWith(m.suffix)) &&
      (m.contains === undefined || value.includes(m.contains)) &&
      (m.safe_regex === undefined || new RegExp(`^(?:${m.safe_regex.regex})$`).test(value));
  } else result = true;
  return matcher.invert_match ? !result : result;
}
