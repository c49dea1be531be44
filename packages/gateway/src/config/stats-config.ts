// Envoy's bootstrap `stats_config` (envoy.config.metrics.v3.StatsConfig): which stats exist
// (`stats_matcher`: reject_all, or an inclusion or exclusion list of string matchers) and how
// tags are cut out of stat names for /stats/prometheus (`stats_tags`, `use_all_default_tags`).
// Istio's pilot-agent writes both into every proxy's bootstrap.
import { GatewayConfigError } from "./config-error.js";

/** envoy.type.matcher.v3.StringMatcher, compiled. */
export type StringMatch = (value: string) => boolean;

export interface StatsConfig {
  /** Whether a stat with this name exists; undefined when every stat does. */
  matcher?: StringMatch;
  /** Tag extractors: the tag's name and a regex whose first group is cut, second is the value. */
  tags: Array<{ name: string; regex: RegExp }>;
  useAllDefaultTags: boolean;
}

type Raw = Record<string, unknown>;

export function readStatsConfig(raw: unknown, warnings: string[]): StatsConfig {
  const config = (raw ?? {}) as Raw;
  if (typeof config !== "object" || Array.isArray(config))
    throw new GatewayConfigError("stats_config", "expected an object");
  for (const key of Object.keys(config))
    if (!["stats_matcher", "stats_tags", "use_all_default_tags", "histogram_bucket_settings"].includes(key))
      warnings.push(`stats_config.${key}: not modelled by the gateway, ignored`);
  const tags = ((config.stats_tags ?? []) as Raw[]).map((tag, i) => {
    const path = `stats_config.stats_tags[${i}]`;
    if (typeof tag.tag_name !== "string") throw new GatewayConfigError(`${path}.tag_name`, "expected a string");
    if (tag.regex === undefined) throw new GatewayConfigError(`${path}.regex`, "only regex tags are modelled");
    return { name: tag.tag_name, regex: compileRegex(tag.regex, `${path}.regex`) };
  });
  const result: StatsConfig = { tags, useAllDefaultTags: config.use_all_default_tags !== false };
  if (config.stats_matcher !== undefined) result.matcher = readStatsMatcher(config.stats_matcher as Raw);
  return result;
}

function readStatsMatcher(matcher: Raw): StringMatch {
  const path = "stats_config.stats_matcher";
  if (matcher.reject_all !== undefined) {
    const reject = matcher.reject_all === true;
    return () => !reject;
  }
  const list = (matcher.inclusion_list ?? matcher.exclusion_list) as Raw | undefined;
  if (!list) throw new GatewayConfigError(path, "one of reject_all, inclusion_list or exclusion_list is required");
  const field = matcher.inclusion_list ? "inclusion_list" : "exclusion_list";
  const patterns = ((list.patterns ?? []) as Raw[]).map((p, i) => stringMatcher(p, `${path}.${field}.patterns[${i}]`));
  const any = (name: string) => patterns.some((match) => match(name));
  return field === "inclusion_list" ? any : (name) => !any(name);
}

/** envoy.type.matcher.v3.StringMatcher: exact, prefix, suffix, contains or safe_regex (full match). */
export function stringMatcher(raw: Raw, path: string): StringMatch {
  const fold = raw.ignore_case === true ? (s: string) => s.toLowerCase() : (s: string) => s;
  if (typeof raw.exact === "string") return (v) => fold(v) === fold(raw.exact as string);
  if (typeof raw.prefix === "string") return (v) => fold(v).startsWith(fold(raw.prefix as string));
  if (typeof raw.suffix === "string") return (v) => fold(v).endsWith(fold(raw.suffix as string));
  if (typeof raw.contains === "string") return (v) => fold(v).includes(fold(raw.contains as string));
  if (raw.safe_regex !== undefined) {
    const regex = compileRegex((raw.safe_regex as Raw).regex, `${path}.safe_regex.regex`, true);
    return (v) => regex.test(v);
  }
  throw new GatewayConfigError(path, "expected one of exact, prefix, suffix, contains or safe_regex");
}

/** An RE2 or std::regex pattern as a JS RegExp (POSIX classes such as [:digit:] translated). */
export function compileRegex(source: unknown, path: string, fullMatch = false): RegExp {
  if (typeof source !== "string") throw new GatewayConfigError(path, "expected a regex string");
  const translated = source.replaceAll("[:digit:]", "0-9").replaceAll("[:alpha:]", "a-zA-Z");
  try {
    return new RegExp(fullMatch ? `^(?:${translated})$` : translated, "d");
  } catch (error) {
    throw new GatewayConfigError(path, `invalid regex: ${(error as Error).message}`);
  }
}
