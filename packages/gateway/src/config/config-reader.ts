// Reads an Envoy v3 bootstrap (YAML or an object) into the gateway's typed config. A field the
// gateway does not model is kept out with a warning naming its path; a value that is wrong is a
// GatewayConfigError naming its path. Durations accept Envoy's forms ("30s", "0.2s", {seconds, nanos}).
import { parse } from "yaml";
import { verifyRetryBackOff } from "../routing/retry-back-off.js";
import { type CircuitBreakers, ENVOY_DEFAULT_THRESHOLDS } from "../upstream/circuit-breakers.js";
import { readAutoSni, readUpstreamTlsContext } from "../upstream/upstream-tls-config.js";
import { GatewayConfigError } from "./config-error.js";
import type {
  BodySendMode,
  Cluster,
  ClusterType,
  DataSource,
  GatewayConfig,
  HeaderSendMode,
  HttpFilter,
  Listener,
  OverrideHostSource,
  ProcessingMode,
  RetryPolicy,
  Route,
  SocketAddress,
  UpstreamTlsContext,
  VirtualHost,
} from "./envoy-types.js";
import { readStatsConfig } from "./stats-config.js";

/** The typed config, and a warning per field the gateway left out. */
export interface ReadResult {
  config: GatewayConfig;
  warnings: string[];
  /** The bootstrap as written (what /config_dump prints). */
  document: Raw;
}

type Raw = Record<string, unknown>;

const HCM = "envoy.filters.network.http_connection_manager";
const TLS_SOCKET = "envoy.transport_sockets.tls";
const HEADER_MODES: HeaderSendMode[] = ["DEFAULT", "SEND", "SKIP"];
const BODY_MODES: BodySendMode[] = ["NONE", "STREAMED", "BUFFERED", "BUFFERED_PARTIAL", "FULL_DUPLEX_STREAMED"];
const CLUSTER_TYPES: ClusterType[] = ["STATIC", "STRICT_DNS", "LOGICAL_DNS", "EDS", "ORIGINAL_DST"];

export function readGatewayConfig(input: string | Raw): ReadResult {
  const warnings: string[] = [];
  let raw: unknown = input;
  if (typeof input === "string") {
    try {
      raw = parse(input);
    } catch (error) {
      throw new GatewayConfigError("(document)", `invalid YAML: ${(error as Error).message.split("\n")[0]}`);
    }
  }
  const root = object(raw, "(document)");
  warnUnknown(
    root,
    "",
    ["admin", "static_resources", "node", "layered_runtime", "stats_config", "overload_manager"],
    warnings,
  );
  const resources = object(root.static_resources ?? {}, "static_resources");
  warnUnknown(resources, "static_resources", ["listeners", "clusters"], warnings);
  const listeners = list(resources.listeners ?? [], "static_resources.listeners").map((l, i) =>
    readListener(l, `static_resources.listeners[${i}]`, warnings),
  );
  const clusters = list(resources.clusters ?? [], "static_resources.clusters").map((c, i) =>
    readCluster(c, `static_resources.clusters[${i}]`, warnings),
  );
  const config: GatewayConfig = { listeners, clusters, stats: readStatsConfig(root.stats_config, warnings) };
  if (root.admin !== undefined) {
    const admin = object(root.admin, "admin");
    warnUnknown(admin, "admin", ["address", "access_log", "access_log_path"], warnings);
    config.admin = {
      address: {
        socket_address: socketAddress(
          object(admin.address, "admin.address").socket_address,
          "admin.address.socket_address",
        ),
      },
    };
  }
  return { config, warnings, document: root };
}

function readListener(raw: unknown, path: string, warnings: string[]): Listener {
  const listener = object(raw, path);
  warnUnknown(
    listener,
    path,
    ["name", "address", "filter_chains", "per_connection_buffer_limit_bytes", "traffic_direction"],
    warnings,
  );
  const name = string(listener.name, `${path}.name`);
  const address = {
    socket_address: socketAddress(
      object(listener.address, `${path}.address`).socket_address,
      `${path}.address.socket_address`,
    ),
  };
  const chains = list(listener.filter_chains, `${path}.filter_chains`);
  if (chains.length !== 1) warnings.push(`${path}.filter_chains: only the first filter chain is used`);
  const chainPath = `${path}.filter_chains[0]`;
  const chain = object(chains[0], chainPath);
  warnUnknown(chain, chainPath, ["filters", "transport_socket", "filter_chain_match", "name"], warnings);
  const filters = list(chain.filters, `${chainPath}.filters`);
  const hcmIndex = filters.findIndex(
    (f) => (f as Raw)?.name === HCM || typeUrl((f as Raw)?.typed_config).endsWith("HttpConnectionManager"),
  );
  if (hcmIndex === -1) throw new GatewayConfigError(`${chainPath}.filters`, `needs an ${HCM}`);
  const hcmPath = `${chainPath}.filters[${hcmIndex}].typed_config`;
  const hcm = object((filters[hcmIndex] as Raw).typed_config, hcmPath);
  warnUnknown(
    hcm,
    hcmPath,
    [
      "@type",
      "stat_prefix",
      "route_config",
      "http_filters",
      "access_log",
      "codec_type",
      "use_remote_address",
      "xff_num_trusted_hops",
      "normalize_path",
      "merge_slashes",
      "server_name",
      "stream_idle_timeout",
      "request_timeout",
    ],
    warnings,
  );
  const routeConfig = object(hcm.route_config, `${hcmPath}.route_config`);
  warnUnknown(routeConfig, `${hcmPath}.route_config`, ["name", "virtual_hosts", "validate_clusters"], warnings);
  const result: Listener = {
    name,
    address,
    http_connection_manager: {
      stat_prefix: optionalString(hcm.stat_prefix, `${hcmPath}.stat_prefix`),
      route_config: {
        name: optionalString(routeConfig.name, `${hcmPath}.route_config.name`),
        virtual_hosts: list(routeConfig.virtual_hosts, `${hcmPath}.route_config.virtual_hosts`).map((v, i) =>
          readVirtualHost(v, `${hcmPath}.route_config.virtual_hosts[${i}]`, warnings),
        ),
      },
      http_filters: list(hcm.http_filters ?? [], `${hcmPath}.http_filters`).map((f, i) =>
        readHttpFilter(f, `${hcmPath}.http_filters[${i}]`),
      ),
    },
  };
  if (chain.transport_socket !== undefined) {
    const socketPath = `${chainPath}.transport_socket`;
    const socket = object(chain.transport_socket, socketPath);
    const context = object(socket.typed_config, `${socketPath}.typed_config`);
    const common = object(context.common_tls_context ?? {}, `${socketPath}.typed_config.common_tls_context`);
    result.tls = {
      common_tls_context: {
        tls_certificates: list(
          common.tls_certificates ?? [],
          `${socketPath}.typed_config.common_tls_context.tls_certificates`,
        ).map((c, i) => {
          const certPath = `${socketPath}.typed_config.common_tls_context.tls_certificates[${i}]`;
          const cert = object(c, certPath);
          return {
            certificate_chain: dataSource(cert.certificate_chain, `${certPath}.certificate_chain`),
            private_key: dataSource(cert.private_key, `${certPath}.private_key`),
          };
        }),
        ...(common.alpn_protocols !== undefined
          ? {
              alpn_protocols: list(
                common.alpn_protocols,
                `${socketPath}.typed_config.common_tls_context.alpn_protocols`,
              ).map((p, i) => string(p, `${socketPath}.typed_config.common_tls_context.alpn_protocols[${i}]`)),
            }
          : {}),
      },
    };
  }
  return result;
}

function readHttpFilter(raw: unknown, path: string): HttpFilter {
  const filter = object(raw, path);
  const name = string(filter.name, `${path}.name`);
  const typed = filter.typed_config === undefined ? undefined : object(filter.typed_config, `${path}.typed_config`);
  return { name, ...(typed ? { typed_config: typed } : {}), ...(filter.disabled === true ? { disabled: true } : {}) };
}

function readVirtualHost(raw: unknown, path: string, warnings: string[]): VirtualHost {
  const host = object(raw, path);
  warnUnknown(host, path, ["name", "domains", "routes", "include_request_attempt_count"], warnings);
  return {
    name: string(host.name, `${path}.name`),
    domains: list(host.domains ?? ["*"], `${path}.domains`).map((d, i) => string(d, `${path}.domains[${i}]`)),
    routes: list(host.routes, `${path}.routes`).map((r, i) => readRoute(r, `${path}.routes[${i}]`, warnings)),
  };
}

function readRoute(raw: unknown, path: string, warnings: string[]): Route {
  const route = object(raw, path);
  warnUnknown(
    route,
    path,
    ["name", "match", "route", "direct_response", "typed_per_filter_config", "metadata", "decorator"],
    warnings,
  );
  const match = object(route.match, `${path}.match`);
  warnUnknown(
    match,
    `${path}.match`,
    ["prefix", "path", "safe_regex", "path_separated_prefix", "headers", "case_sensitive"],
    warnings,
  );
  const result: Route = { match: match as Route["match"] };
  if (route.name !== undefined) result.name = string(route.name, `${path}.name`);
  if (match.safe_regex !== undefined) {
    const regex = string(object(match.safe_regex, `${path}.match.safe_regex`).regex, `${path}.match.safe_regex.regex`);
    try {
      new RegExp(regex);
    } catch {
      throw new GatewayConfigError(`${path}.match.safe_regex.regex`, `invalid regex ${JSON.stringify(regex)}`);
    }
  }
  if ([match.prefix, match.path, match.safe_regex, match.path_separated_prefix].every((m) => m === undefined)) {
    throw new GatewayConfigError(`${path}.match`, "needs one of prefix, path, safe_regex, path_separated_prefix");
  }
  if (route.route !== undefined) {
    const action = object(route.route, `${path}.route`);
    warnUnknown(
      action,
      `${path}.route`,
      [
        "cluster",
        "weighted_clusters",
        "prefix_rewrite",
        "regex_rewrite",
        "timeout",
        "retry_policy",
        "idle_timeout",
        "max_stream_duration",
        "host_rewrite_literal",
        "auto_host_rewrite",
      ],
      warnings,
    );
    result.route = {
      ...(action.cluster !== undefined ? { cluster: string(action.cluster, `${path}.route.cluster`) } : {}),
      ...(action.prefix_rewrite !== undefined
        ? { prefix_rewrite: string(action.prefix_rewrite, `${path}.route.prefix_rewrite`) }
        : {}),
      ...(action.regex_rewrite !== undefined ? { regex_rewrite: readRegexRewrite(action, `${path}.route`) } : {}),
      ...(action.timeout !== undefined ? { timeout: duration(action.timeout, `${path}.route.timeout`) } : {}),
      ...(action.retry_policy !== undefined
        ? { retry_policy: readRetryPolicy(action.retry_policy, `${path}.route.retry_policy`) }
        : {}),
      ...(action.rate_limits !== undefined ? { rate_limits: action.rate_limits as unknown[] } : {}),
      ...(action.weighted_clusters !== undefined
        ? { weighted_clusters: action.weighted_clusters as { clusters: Array<{ name: string; weight: number }> } }
        : {}),
    };
    if (!result.route.cluster && !result.route.weighted_clusters)
      throw new GatewayConfigError(`${path}.route`, "needs cluster or weighted_clusters");
  } else if (route.direct_response !== undefined) {
    const direct = object(route.direct_response, `${path}.direct_response`);
    const status = Number(direct.status);
    if (!Number.isInteger(status) || status < 200 || status > 599)
      throw new GatewayConfigError(`${path}.direct_response.status`, `must be 200..599, got ${String(direct.status)}`);
    result.direct_response = {
      status,
      ...(direct.body !== undefined ? { body: dataSource(direct.body, `${path}.direct_response.body`) } : {}),
    };
  } else {
    throw new GatewayConfigError(path, "needs route or direct_response");
  }
  if (route.typed_per_filter_config !== undefined) {
    result.typed_per_filter_config = object(
      route.typed_per_filter_config,
      `${path}.typed_per_filter_config`,
    ) as Route["typed_per_filter_config"];
  }
  return result;
}

/** regex_rewrite {pattern {regex}, substitution}; Envoy allows only one of it and prefix_rewrite. */
function readRegexRewrite(action: Raw, path: string): NonNullable<Route["route"]>["regex_rewrite"] {
  if (action.prefix_rewrite !== undefined)
    throw new GatewayConfigError(path, "Specify only one of prefix_rewrite, regex_rewrite or path_rewrite_policy");
  const rewrite = object(action.regex_rewrite, `${path}.regex_rewrite`);
  const pattern = object(rewrite.pattern, `${path}.regex_rewrite.pattern`);
  const regex = string(pattern.regex, `${path}.regex_rewrite.pattern.regex`);
  try {
    new RegExp(regex);
  } catch {
    throw new GatewayConfigError(`${path}.regex_rewrite.pattern.regex`, `invalid regex ${JSON.stringify(regex)}`);
  }
  return { pattern: { regex }, substitution: string(rewrite.substitution ?? "", `${path}.regex_rewrite.substitution`) };
}

function readCluster(raw: unknown, path: string, warnings: string[]): Cluster {
  const cluster = object(raw, path);
  warnUnknown(
    cluster,
    path,
    [
      "name",
      "type",
      "connect_timeout",
      "lb_policy",
      "load_assignment",
      "original_dst_lb_config",
      "load_balancing_policy",
      "transport_socket",
      "typed_extension_protocol_options",
      "http2_protocol_options",
      "common_lb_config",
      "circuit_breakers",
      "dns_lookup_family",
    ],
    warnings,
  );
  const name = string(cluster.name, `${path}.name`);
  const type = (cluster.type ?? "STATIC") as ClusterType;
  if (!CLUSTER_TYPES.includes(type))
    throw new GatewayConfigError(
      `${path}.type`,
      `must be one of ${CLUSTER_TYPES.join(", ")}, got ${String(cluster.type)}`,
    );
  if (type === "STRICT_DNS" || type === "LOGICAL_DNS")
    warnings.push(`${path}.type: ${type} is resolved once, offline names must be IP addresses`);
  const result: Cluster = { name, type, endpoints: readEndpoints(cluster.load_assignment, `${path}.load_assignment`) };
  if (cluster.connect_timeout !== undefined)
    result.connect_timeout = duration(cluster.connect_timeout, `${path}.connect_timeout`);
  if (cluster.lb_policy !== undefined) result.lb_policy = cluster.lb_policy as Cluster["lb_policy"];
  if (cluster.original_dst_lb_config !== undefined)
    result.original_dst_lb_config = object(
      cluster.original_dst_lb_config,
      `${path}.original_dst_lb_config`,
    ) as Cluster["original_dst_lb_config"];
  if (cluster.load_balancing_policy !== undefined)
    result.override_host = readOverrideHost(cluster.load_balancing_policy, `${path}.load_balancing_policy`, warnings);
  if (cluster.transport_socket !== undefined)
    result.tls = readUpstreamTls(cluster.transport_socket, `${path}.transport_socket`, warnings);
  if (
    cluster.http2_protocol_options !== undefined ||
    JSON.stringify(cluster.typed_extension_protocol_options ?? {}).includes("http2_protocol_options")
  )
    result.http2 = true;
  Object.assign(result, readAutoSni(cluster));
  if (cluster.circuit_breakers !== undefined)
    result.circuit_breakers = readCircuitBreakers(cluster.circuit_breakers, `${path}.circuit_breakers`, warnings);
  return result;
}

const PRIORITIES = ["DEFAULT", "HIGH"] as const;
const THRESHOLD_LIMITS = ["max_connections", "max_pending_requests", "max_requests", "max_retries"] as const;

/**
 * circuit_breakers.thresholds: the first entry of each priority counts (as Envoy's lookup finds
 * it), later ones for the same priority are ignored; a limit left out keeps Envoy's default.
 */
function readCircuitBreakers(raw: unknown, path: string, warnings: string[]): CircuitBreakers {
  const breakers: CircuitBreakers = { default: { ...ENVOY_DEFAULT_THRESHOLDS }, high: { ...ENVOY_DEFAULT_THRESHOLDS } };
  const seen = new Set<unknown>();
  const config = object(raw, path);
  warnUnknown(config, path, ["thresholds"], warnings);
  list(config.thresholds ?? [], `${path}.thresholds`).forEach((entry, i) => {
    const at = `${path}.thresholds[${i}]`;
    const threshold = object(entry, at);
    warnUnknown(threshold, at, ["priority", ...THRESHOLD_LIMITS, "track_remaining"], warnings);
    const priority = threshold.priority ?? "DEFAULT";
    if (!PRIORITIES.includes(priority as (typeof PRIORITIES)[number]))
      throw new GatewayConfigError(`${at}.priority`, `must be DEFAULT or HIGH, got ${String(priority)}`);
    if (seen.has(priority)) return;
    seen.add(priority);
    const target = priority === "HIGH" ? breakers.high : breakers.default;
    for (const limit of THRESHOLD_LIMITS) {
      if (threshold[limit] !== undefined) target[limit] = uint32(threshold[limit], `${at}.${limit}`);
    }
    if (threshold.track_remaining !== undefined) target.track_remaining = threshold.track_remaining === true;
  });
  return breakers;
}

/** A protobuf UInt32Value: a number, or its decimal string as the JSON mapping allows. */
function uint32(value: unknown, path: string): number {
  const number = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== "number" || !Number.isInteger(number) || number < 0 || number > 0xffff_ffff)
    throw new GatewayConfigError(path, `must be an integer from 0 to 4294967295, got ${JSON.stringify(value)}`);
  return number;
}

function readEndpoints(raw: unknown, path: string): SocketAddress[] {
  if (raw === undefined) return [];
  const assignment = object(raw, path);
  const out: SocketAddress[] = [];
  list(assignment.endpoints ?? [], `${path}.endpoints`).forEach((locality, i) => {
    list(
      object(locality, `${path}.endpoints[${i}]`).lb_endpoints ?? [],
      `${path}.endpoints[${i}].lb_endpoints`,
    ).forEach((lb, j) => {
      const endpointPath = `${path}.endpoints[${i}].lb_endpoints[${j}].endpoint.address.socket_address`;
      const endpoint = object(object(lb, endpointPath).endpoint, endpointPath);
      out.push(socketAddress(object(endpoint.address, endpointPath).socket_address, endpointPath));
    });
  });
  return out;
}

function readOverrideHost(raw: unknown, path: string, warnings: string[]): Cluster["override_host"] {
  const policies = list(object(raw, path).policies, `${path}.policies`);
  const first = object(
    object(policies[0], `${path}.policies[0]`).typed_extension_config,
    `${path}.policies[0].typed_extension_config`,
  );
  const typed = object(first.typed_config, `${path}.policies[0].typed_extension_config.typed_config`);
  if (!typeUrl(typed).endsWith("OverrideHost")) {
    warnings.push(`${path}: only the override_host policy is modelled; using round robin`);
    return undefined;
  }
  const sources = list(typed.override_host_sources ?? [], `${path}.override_host_sources`) as OverrideHostSource[];
  const fallbackUrl = JSON.stringify(typed.fallback_policy ?? "");
  const fallback = fallbackUrl.includes("random")
    ? "RANDOM"
    : fallbackUrl.includes("least_request")
      ? "LEAST_REQUEST"
      : "ROUND_ROBIN";
  return { sources, fallback };
}

function readUpstreamTls(raw: unknown, path: string, warnings: string[]): UpstreamTlsContext {
  const socket = object(raw, path);
  if (socket.name !== undefined && socket.name !== TLS_SOCKET)
    warnings.push(`${path}.name: ${String(socket.name)} is treated as plaintext`);
  return readUpstreamTlsContext(socket, path, warnings);
}

/** A processing_mode block, checked value by value. */
export function readProcessingMode(raw: unknown, path: string): ProcessingMode {
  const mode = object(raw ?? {}, path);
  const out: ProcessingMode = {};
  for (const key of [
    "request_header_mode",
    "response_header_mode",
    "request_trailer_mode",
    "response_trailer_mode",
  ] as const) {
    if (mode[key] === undefined) continue;
    if (!HEADER_MODES.includes(mode[key] as HeaderSendMode))
      throw new GatewayConfigError(
        `${path}.${key}`,
        `must be one of ${HEADER_MODES.join(", ")}, got ${String(mode[key])}`,
      );
    out[key] = mode[key] as HeaderSendMode;
  }
  for (const key of ["request_body_mode", "response_body_mode"] as const) {
    if (mode[key] === undefined) continue;
    if (!BODY_MODES.includes(mode[key] as BodySendMode))
      throw new GatewayConfigError(
        `${path}.${key}`,
        `must be one of ${BODY_MODES.join(", ")}, got ${String(mode[key])}`,
      );
    out[key] = mode[key] as BodySendMode;
  }
  return out;
}

// ---- small readers ------------------------------------------------------------------------------

export function object(value: unknown, path: string): Raw {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new GatewayConfigError(path, "must be a map");
  return value as Raw;
}

function list(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw new GatewayConfigError(path, "must be a list");
  return value;
}

function string(value: unknown, path: string): string {
  if (typeof value !== "string" || value === "") throw new GatewayConfigError(path, "must be a non-empty string");
  return value;
}

function optionalString(value: unknown, path: string): string | undefined {
  return value === undefined ? undefined : string(value, path);
}

function socketAddress(value: unknown, path: string): SocketAddress {
  const socket = object(value, path);
  const port = Number(socket.port_value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new GatewayConfigError(`${path}.port_value`, `must be a port, got ${String(socket.port_value)}`);
  return { address: string(socket.address, `${path}.address`), port_value: port };
}

function dataSource(value: unknown, path: string): DataSource {
  const source = object(value, path);
  if (typeof source.filename === "string") return { filename: source.filename };
  if (typeof source.inline_string === "string") return { inline_string: source.inline_string };
  throw new GatewayConfigError(path, "needs filename or inline_string");
}

/** Envoy durations: "30s", "0.2s", "1000s", or {seconds, nanos}. Returns seconds. */
/** A route's retry_policy; retry_back_off's Durations read to seconds and checked as the proto does. */
function readRetryPolicy(value: unknown, path: string): RetryPolicy {
  const policy = { ...object(value, path) } as RetryPolicy & Raw;
  const backOff = policy.retry_back_off as Raw | undefined;
  if (backOff !== undefined) {
    const raw = object(backOff, `${path}.retry_back_off`);
    policy.retry_back_off = {
      ...(raw.base_interval !== undefined
        ? { base_interval: duration(raw.base_interval, `${path}.retry_back_off.base_interval`) }
        : {}),
      ...(raw.max_interval !== undefined
        ? { max_interval: duration(raw.max_interval, `${path}.retry_back_off.max_interval`) }
        : {}),
    };
    verifyRetryBackOff(policy, path);
  }
  return policy;
}

export function duration(value: unknown, path: string): number {
  if (typeof value === "string") {
    const match = /^(\d+(?:\.\d+)?)s$/.exec(value);
    if (match) return Number(match[1]);
  }
  if (typeof value === "object" && value !== null) {
    const { seconds = 0, nanos = 0 } = value as { seconds?: number | string; nanos?: number };
    return Number(seconds) + Number(nanos) / 1e9;
  }
  throw new GatewayConfigError(path, `must be a duration such as "30s", got ${JSON.stringify(value)}`);
}

function typeUrl(value: unknown): string {
  return typeof value === "object" && value !== null ? String((value as Raw)["@type"] ?? "") : "";
}

function warnUnknown(value: Raw, path: string, known: string[], warnings: string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key))
      warnings.push(`${path ? `${path}.` : ""}${key}: not modelled by the testbed gateway, ignored`);
  }
}
