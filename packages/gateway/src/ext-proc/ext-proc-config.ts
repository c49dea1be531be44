// The ext_proc filter's config as Envoy reads it: ExternalProcessor on the filter, ExtProcPerRoute on routes.
import { GatewayConfigError } from "../config/config-error.js";
import { duration, object, readProcessingMode } from "../config/config-reader.js";
import type {
  ExternalProcessorConfig,
  ExtProcPerRoute,
  GrpcService,
  HeaderMutationRules,
  HttpFilter,
  ProcessingMode,
  Route,
} from "../config/envoy-types.js";
import { DEFAULT_ENVOY_VERSION, type EnvoyVersion, envoyAtLeast } from "../envoy-version.js";
import { isModelledAttribute } from "./ext-proc-attributes.js";

/** The ext_proc filter's names as Envoy and Istio write them. */
export const EXT_PROC_FILTER_NAME = "envoy.filters.http.ext_proc";
export const EXT_PROC_TYPE = "type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor";
export const EXT_PROC_PER_ROUTE_TYPE = "type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute";

/** ExternalProcessor fields the gateway reads. */
const MODELLED_FIELDS = [
  "@type",
  "grpc_service",
  "failure_mode_allow",
  "processing_mode",
  "message_timeout",
  "max_message_timeout",
  "allow_mode_override",
  "allowed_override_modes",
  "metadata_options",
  "mutation_rules",
  "route_cache_action",
  "disable_clear_route_cache",
  "request_attributes",
  "response_attributes",
];

/** Fields a release added, with the first release that has them (older ones do not know them). */
const FIELDS_SINCE: Record<string, EnvoyVersion> = { status_on_error: "1.36" };

const ROUTE_CACHE_ACTIONS = ["DEFAULT", "CLEAR", "RETAIN"] as const;

/** The longest message_timeout / max_message_timeout the API allows (validate rule lte 3600s). */
const MAX_TIMEOUT_SECONDS = 3600;

/**
 * Read an http_filters entry's ExternalProcessor, refusing what Envoy's config.cc
 * (verifyFilterConfig, verifyProcessingModeConfig) and the API's validation rules refuse, with the
 * field's path. A field the gateway does not model, or one the chosen release does not have, is
 * left out with a warning naming it (Envoy ignores unknown fields in dynamic config).
 */
export function readExternalProcessor(
  filter: HttpFilter,
  path: string,
  version: EnvoyVersion = DEFAULT_ENVOY_VERSION,
  warnings: string[] = [],
): ExternalProcessorConfig {
  const at = `${path}.typed_config`;
  const raw = object(filter.typed_config ?? {}, at);
  for (const key of Object.keys(raw)) {
    const since = FIELDS_SINCE[key];
    if (since && !envoyAtLeast(version, since))
      warnings.push(`${at}.${key}: unknown field in Envoy ${version} (added in ${since}), ignored`);
    else if (!MODELLED_FIELDS.includes(key) && !since)
      warnings.push(`${at}.${key}: not modelled by the testbed gateway, ignored`);
  }
  const config: ExternalProcessorConfig = {};
  if (raw.grpc_service !== undefined)
    config.grpc_service = readGrpcService(raw.grpc_service, `${at}.grpc_service`, warnings);
  if (raw.grpc_service === undefined && raw.http_service === undefined)
    throw new GatewayConfigError(at, "One and only one of grpc_service or http_service must be configured");
  if (raw.grpc_service !== undefined && raw.http_service !== undefined)
    throw new GatewayConfigError(at, "One and only one of grpc_service or http_service must be configured");
  if (raw.failure_mode_allow !== undefined)
    config.failure_mode_allow = bool(raw.failure_mode_allow, `${at}.failure_mode_allow`);
  if (raw.processing_mode !== undefined)
    config.processing_mode = readProcessingMode(raw.processing_mode, `${at}.processing_mode`);
  if (raw.message_timeout !== undefined) config.message_timeout = timeout(raw.message_timeout, `${at}.message_timeout`);
  if (raw.max_message_timeout !== undefined)
    config.max_message_timeout = timeout(raw.max_message_timeout, `${at}.max_message_timeout`);
  if (raw.allow_mode_override !== undefined)
    config.allow_mode_override = bool(raw.allow_mode_override, `${at}.allow_mode_override`);
  if (raw.allowed_override_modes !== undefined)
    config.allowed_override_modes = list(raw.allowed_override_modes, `${at}.allowed_override_modes`).map((m, i) =>
      readProcessingMode(m, `${at}.allowed_override_modes[${i}]`),
    );
  if (raw.metadata_options !== undefined)
    config.metadata_options = readMetadataOptions(raw.metadata_options, `${at}.metadata_options`, warnings);
  if (raw.mutation_rules !== undefined)
    config.mutation_rules = readMutationRules(raw.mutation_rules, `${at}.mutation_rules`, warnings);
  if (raw.route_cache_action !== undefined) config.route_cache_action = routeCacheAction(raw.route_cache_action, at);
  if (raw.disable_clear_route_cache !== undefined)
    config.disable_clear_route_cache = bool(raw.disable_clear_route_cache, `${at}.disable_clear_route_cache`);
  if (config.disable_clear_route_cache && (config.route_cache_action ?? "DEFAULT") !== "DEFAULT")
    throw new GatewayConfigError(
      at,
      "disable_clear_route_cache and route_cache_action can not be set to none-default at the same time.",
    );
  for (const key of ["request_attributes", "response_attributes"] as const) {
    if (raw[key] === undefined) continue;
    config[key] = list(raw[key], `${at}.${key}`).map((name, i) => attributeName(name, `${at}.${key}[${i}]`, warnings));
  }
  if (raw.status_on_error !== undefined && envoyAtLeast(version, "1.36"))
    config.status_on_error = statusOnError(raw.status_on_error, `${at}.status_on_error`);
  verifyProcessingMode(config.processing_mode, at);
  if (version === "1.35.0") refuseFullDuplexFailOpen(config, at);
  return config;
}

/**
 * Envoy 1.35.0 only: verifyProcessingModeConfig (config.cc) also refused a base filter that is
 * FULL_DUPLEX_STREAMED in either direction AND fails open (envoyproxy/envoy#39740, June 2025). The
 * check was reverted by #40503, backported as #40757 into 1.35.1 (August 19, 2025); 1.36.0 shipped
 * without it. Per-route overrides were never checked.
 */
function refuseFullDuplexFailOpen(config: ExternalProcessorConfig, at: string): void {
  const mode = config.processing_mode;
  const fullDuplex =
    mode?.request_body_mode === "FULL_DUPLEX_STREAMED" || mode?.response_body_mode === "FULL_DUPLEX_STREAMED";
  if (!fullDuplex || config.failure_mode_allow !== true) return;
  throw new GatewayConfigError(
    `${at}.failure_mode_allow`,
    "If the ext_proc filter has either the request_body_mode or the response_body_mode set to FULL_DUPLEX_STREAMED, then the failure_mode_allow has to be left as false",
  );
}

/** verifyProcessingModeConfig: full duplex needs the trailers of its direction sent. */
function verifyProcessingMode(mode: ProcessingMode | undefined, at: string): void {
  if (mode?.request_body_mode === "FULL_DUPLEX_STREAMED" && mode.request_trailer_mode !== "SEND") {
    throw new GatewayConfigError(
      `${at}.processing_mode`,
      "If the ext_proc filter has the request_body_mode set to FULL_DUPLEX_STREAMED, then the request_trailer_mode has to be set to SEND",
    );
  }
  if (mode?.response_body_mode === "FULL_DUPLEX_STREAMED" && mode.response_trailer_mode !== "SEND") {
    throw new GatewayConfigError(
      `${at}.processing_mode`,
      "If the ext_proc filter has the response_body_mode set to FULL_DUPLEX_STREAMED, then the response_trailer_mode has to be set to SEND",
    );
  }
}

function readMetadataOptions(
  raw: unknown,
  path: string,
  warnings: string[],
): NonNullable<ExternalProcessorConfig["metadata_options"]> {
  const options = object(raw, path);
  const out: NonNullable<ExternalProcessorConfig["metadata_options"]> = {};
  for (const key of Object.keys(options)) {
    if (key !== "forwarding_namespaces" && key !== "receiving_namespaces")
      warnings.push(`${path}.${key}: not modelled by the testbed gateway, ignored`);
  }
  for (const key of ["forwarding_namespaces", "receiving_namespaces"] as const) {
    if (options[key] === undefined) continue;
    const namespaces = object(options[key], `${path}.${key}`);
    if (namespaces.typed !== undefined)
      warnings.push(`${path}.${key}.typed: typed metadata is not modelled by the testbed gateway, ignored`);
    const untyped =
      namespaces.untyped === undefined
        ? []
        : list(namespaces.untyped, `${path}.${key}.untyped`).map((n, i) => text(n, `${path}.${key}.untyped[${i}]`));
    out[key] = { untyped };
  }
  return out;
}

const MUTATION_RULE_FLAGS = [
  "allow_all_routing",
  "allow_envoy",
  "disallow_system",
  "disallow_all",
  "disallow_is_error",
] as const;

function readMutationRules(raw: unknown, path: string, warnings: string[]): HeaderMutationRules {
  const rules = object(raw, path);
  const out: HeaderMutationRules = {};
  for (const key of Object.keys(rules)) {
    const known = (MUTATION_RULE_FLAGS as readonly string[]).includes(key);
    if (!known && key !== "allow_expression" && key !== "disallow_expression")
      warnings.push(`${path}.${key}: not modelled by the testbed gateway, ignored`);
  }
  for (const key of MUTATION_RULE_FLAGS) {
    if (rules[key] !== undefined) out[key] = wrappedBool(rules[key], `${path}.${key}`);
  }
  for (const key of ["allow_expression", "disallow_expression"] as const) {
    if (rules[key] === undefined) continue;
    const matcher = object(rules[key], `${path}.${key}`);
    const regex = text(matcher.regex, `${path}.${key}.regex`);
    try {
      new RegExp(regex);
    } catch {
      throw new GatewayConfigError(`${path}.${key}.regex`, `is not a valid regular expression: ${regex}`);
    }
    out[key] = regex;
  }
  return out;
}

function routeCacheAction(value: unknown, at: string): NonNullable<ExternalProcessorConfig["route_cache_action"]> {
  if (!(ROUTE_CACHE_ACTIONS as readonly unknown[]).includes(value))
    throw new GatewayConfigError(
      `${at}.route_cache_action`,
      `must be one of ${ROUTE_CACHE_ACTIONS.join(", ")}, got ${String(value)}`,
    );
  return value as NonNullable<ExternalProcessorConfig["route_cache_action"]>;
}

function statusOnError(raw: unknown, path: string): number {
  const code = Number(object(raw, path).code);
  if (!Number.isInteger(code) || code < 100 || code > 599)
    throw new GatewayConfigError(`${path}.code`, `must be an HTTP status, got ${String(object(raw, path).code)}`);
  return code;
}

/** A duration the API bounds to [0s, 1h]. */
function timeout(raw: unknown, path: string): number {
  const seconds = duration(raw, path);
  if (seconds < 0 || seconds > MAX_TIMEOUT_SECONDS)
    throw new GatewayConfigError(path, `value must be inside range [0s, 1h0m0s], got ${seconds}s`);
  return seconds;
}

function attributeName(raw: unknown, path: string, warnings: string[]): string {
  const name = text(raw, path);
  if (!isModelledAttribute(name))
    warnings.push(`${path}: attribute ${name} is not modelled by the testbed gateway, not sent`);
  return name;
}

function bool(value: unknown, path: string): boolean {
  if (typeof value !== "boolean")
    throw new GatewayConfigError(path, `must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

/** A google.protobuf.BoolValue: `true` or `{value: true}`. */
function wrappedBool(value: unknown, path: string): boolean {
  if (typeof value === "object" && value !== null)
    return bool((value as { value?: unknown }).value ?? false, `${path}.value`);
  return bool(value, path);
}

function list(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw new GatewayConfigError(path, "must be a list");
  return value;
}

function text(value: unknown, path: string): string {
  if (typeof value !== "string" || value === "") throw new GatewayConfigError(path, "must be a non-empty string");
  return value;
}

/** A route's typed_per_filter_config entry for ext_proc (Envoy does not validate these). */
export function readPerRoute(route: Route, path: string): ExtProcPerRoute | undefined {
  const raw = route.typed_per_filter_config?.[EXT_PROC_FILTER_NAME];
  if (raw === undefined) return undefined;
  const entryPath = `${path}.typed_per_filter_config["${EXT_PROC_FILTER_NAME}"]`;
  const entry = object(raw, entryPath);
  if (entry.disabled === true) return { disabled: true };
  if (entry.overrides === undefined) return {};
  const overrides = object(entry.overrides, `${entryPath}.overrides`);
  return {
    overrides: {
      ...(overrides.processing_mode !== undefined
        ? { processing_mode: readProcessingMode(overrides.processing_mode, `${entryPath}.overrides.processing_mode`) }
        : {}),
      ...(overrides.grpc_service !== undefined
        ? { grpc_service: readGrpcService(overrides.grpc_service, `${entryPath}.overrides.grpc_service`) }
        : {}),
      ...(overrides.failure_mode_allow !== undefined
        ? { failure_mode_allow: overrides.failure_mode_allow === true }
        : {}),
      // Warnings about unmodelled per-route fields are given once per config (unknownPerRouteFields).
      ...(overrides.metadata_options !== undefined
        ? {
            metadata_options: readMetadataOptions(
              overrides.metadata_options,
              `${entryPath}.overrides.metadata_options`,
              [],
            ),
          }
        : {}),
    },
  };
}

function readGrpcService(raw: unknown, path: string, warnings?: string[]): GrpcService {
  const service = object(raw, path);
  const out: GrpcService = {};
  for (const key of Object.keys(service)) {
    if (key !== "envoy_grpc" && key !== "timeout")
      warnings?.push(`${path}.${key}: not modelled by the testbed gateway, ignored`);
  }
  if (service.envoy_grpc !== undefined) {
    const envoyGrpc = object(service.envoy_grpc, `${path}.envoy_grpc`);
    if (typeof envoyGrpc.cluster_name !== "string")
      throw new GatewayConfigError(`${path}.envoy_grpc.cluster_name`, "is required");
    out.envoy_grpc = { cluster_name: envoyGrpc.cluster_name };
  }
  if (service.timeout !== undefined) out.timeout = duration(service.timeout, `${path}.timeout`);
  return out;
}
