// Protobuf merge semantics on Envoy config held as JSON (what an EnvoyFilter MERGE does): scalars are
// replaced, nested messages merged field by field, repeated fields appended, map entries replaced
// whole (typed_per_filter_config["envoy.filters.http.ext_proc"] is one entry), Durations replaced
// (in any spelling), an Any (`typed_config`) merged only when its @type is unchanged and replaced
// otherwise, and setting one member of a oneof clears its siblings.

type Json = Record<string, unknown>;

/** Fields whose values are proto maps: merging replaces entry by entry. */
export const MAP_FIELDS = new Set([
  "typed_per_filter_config",
  "typed_extension_protocol_options",
  "filter_metadata",
  "typed_filter_metadata",
  "context_extensions",
]);

/** google.protobuf.Duration fields (replaced, never merged). */
const DURATION_FIELD = /(^|_)(timeout|interval|ttl)$/;

/** oneof groups of the Envoy messages the gateway config uses. */
const ONEOF_GROUPS: string[][] = [
  ["route", "redirect", "direct_response", "filter_action", "non_forwarding_action"],
  ["prefix", "path", "safe_regex", "connect_matcher", "path_separated_prefix", "path_match_policy"],
  ["cluster", "cluster_header", "weighted_clusters", "cluster_specifier_plugin", "inline_cluster_specifier_plugin"],
  ["envoy_grpc", "google_grpc"],
  ["filename", "inline_string", "inline_bytes", "environment_variable"],
  ["disabled", "overrides"],
  ["type", "cluster_type"],
  [
    "exact_match",
    "safe_regex_match",
    "range_match",
    "present_match",
    "prefix_match",
    "suffix_match",
    "contains_match",
    "string_match",
  ],
];

export function isPlainObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `patch` merged into a copy of `target`; neither argument is modified. */
export function protoMerge(target: unknown, patch: unknown, field = ""): unknown {
  if (patch === undefined || patch === null) return structuredClone(target);
  if (Array.isArray(patch))
    return [...(Array.isArray(target) ? structuredClone(target) : []), ...structuredClone(patch)];
  if (!isPlainObject(patch) || !isPlainObject(target) || DURATION_FIELD.test(field)) return structuredClone(patch);
  if ("@type" in patch && "@type" in target && patch["@type"] !== target["@type"]) return structuredClone(patch);
  const out = structuredClone(target);
  if (MAP_FIELDS.has(field)) {
    for (const [key, value] of Object.entries(patch)) out[key] = structuredClone(value);
    return out;
  }
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined || value === null) continue;
    clearOneofSiblings(out, key);
    out[key] = protoMerge(out[key], value, key);
  }
  return out;
}

function clearOneofSiblings(message: Json, key: string): void {
  for (const group of ONEOF_GROUPS) {
    if (!group.includes(key)) continue;
    for (const sibling of group) if (sibling !== key) delete message[sibling];
  }
}

/**
 * protojson accepts lowerCamelCase field names (`typedConfig`); the config uses the proto names
 * (`typed_config`). Map keys and `@type` are left as written.
 */
export function toProtoFieldNames(value: unknown, field = ""): unknown {
  if (Array.isArray(value)) return value.map((item) => toProtoFieldNames(item, field));
  if (!isPlainObject(value)) return value;
  const out: Json = {};
  for (const [key, inner] of Object.entries(value)) {
    const name = MAP_FIELDS.has(field) || key.startsWith("@") ? key : snakeCase(key);
    out[name] = MAP_FIELDS.has(field) ? toProtoFieldNames(inner, "") : toProtoFieldNames(inner, name);
  }
  return out;
}

function snakeCase(key: string): string {
  return /^[a-z][a-zA-Z0-9]*$/.test(key) ? key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) : key;
}
