// Envoy's path rewrites on a route action (RouteEntryImplBase::currentUrlPathAfterRewrite):
// - prefix_rewrite swaps what the path matcher matched (the prefix, or the whole path for path and
//   safe_regex routes) for the given text, nothing more — "/" on prefix "/a" makes "/a/b" "//b",
//   which is why Istio emits a regex_rewrite for Gateway API's ReplacePrefixMatch "/";
// - regex_rewrite replaces every match of its RE2 pattern in the path (query string and fragment
//   excluded, and kept) with the substitution, where \0–\9 name capture groups.
import type { RouteAction } from "../config/envoy-types.js";
import { removeQueryAndFragment } from "./remove-query-and-fragment.js";

/** The upstream :path after the route's rewrite, or undefined when the route rewrites nothing. */
export function rewrittenPath(
  path: string,
  action: RouteAction | undefined,
  matchedPrefix: string | undefined,
): string | undefined {
  if (action?.regex_rewrite) return regexRewrite(path, action.regex_rewrite);
  if (action?.prefix_rewrite !== undefined && matchedPrefix !== undefined) {
    return `${action.prefix_rewrite}${path.slice(matchedPrefix.length)}`;
  }
  return undefined;
}

function regexRewrite(path: string, rewrite: NonNullable<RouteAction["regex_rewrite"]>): string {
  const justPath = removeQueryAndFragment(path);
  const queryAndFragment = path.slice(justPath.length);
  const pattern = new RegExp(rewrite.pattern.regex, "g");
  const replaced = justPath.replace(pattern, (...args: unknown[]) => {
    // (match, group 1 … group N, offset, whole string): the groups end where the offset comes.
    const offsetAt = args.findIndex((arg) => typeof arg === "number");
    return substitute(rewrite.substitution, args.slice(0, offsetAt) as Array<string | undefined>);
  });
  return `${replaced}${queryAndFragment}`;
}

/** RE2's Rewrite(): \N is capture group N (\0 the whole match), \\ a backslash. */
function substitute(substitution: string, groups: Array<string | undefined>): string {
  return substitution.replace(/\\(\d|\\)/g, (_, token: string) =>
    token === "\\" ? "\\" : (groups[Number(token)] ?? ""),
  );
}
