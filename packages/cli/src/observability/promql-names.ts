// The metric names a PromQL expression reads, for checking dashboards against what the components
// export. Not a PromQL parser: it removes what cannot be a metric name (strings, label matchers,
// range selectors, grouping label lists, numbers) and keeps identifiers that are not called as functions
// or are PromQL keywords.

const KEYWORDS = new Set([
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "and",
  "or",
  "unless",
  "bool",
  "offset",
  "inf",
  "nan",
]);

export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*(\s*\()?/g)) {
    const identifier = match[0].replace(/\s*\($/, "");
    const isCall = match[1] !== undefined;
    if (isCall || KEYWORDS.has(identifier.toLowerCase())) continue;
    names.add(identifier);
  }
  return [...names];
}

/**
 * A dashboard expression as Prometheus can run it outside Grafana: template variables (used in
 * regex matchers, `=~"$pod"`) match everything, Grafana's interval variables become 1m.
 */
export function concreteQuery(expr: string): string {
  return expr.replace(/\$__rate_interval|\$__interval/g, "1m").replace(/\$\{?[A-Za-z_][A-Za-z0-9_]*\}?/g, ".*");
}
