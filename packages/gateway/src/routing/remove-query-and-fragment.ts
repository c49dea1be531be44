// The path part of a :path, as Envoy's route matchers and regex rewrites see it.

/**
 * `path` cut at its first `?` or `#` (Http::PathUtil::removeQueryAndFragment: find_first_of("?#")).
 * Route matching (Matchers::PathMatcher::match) and regex_rewrite both work on this part only.
 */
export function removeQueryAndFragment(path: string): string {
  const end = path.search(/[?#]/);
  return end === -1 ? path : path.slice(0, end);
}
