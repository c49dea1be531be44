// The subset of Envoy's v3 bootstrap the gateway runs, with Envoy's own (snake_case) field names,
// so a real Envoy config — or the mesh controller's output, or an EnvoyFilter patch merged into it —
// is plain data here. Only modelled fields are typed; others are reported by the config reader.
import type { HeaderMutationRules } from "@testbed/epp-client/client";
import type { BodySendMode, HeaderSendMode, ProcessingMode } from "@testbed/protocol";
import type { CircuitBreakers } from "../upstream/circuit-breakers.js";
import type { StatsConfig } from "./stats-config.js";

// The ext_proc processing mode is the same message in the filter config and on the wire.
export type { BodySendMode, HeaderSendMode, ProcessingMode };

export interface SocketAddress {
  address: string;
  port_value: number;
}

export interface DataSource {
  filename?: string;
  inline_string?: string;
}

export interface GrpcService {
  envoy_grpc?: { cluster_name: string; authority?: string };
  /** Seconds. */
  timeout?: number;
}

/** envoy.config.common.mutation_rules.v3.HeaderMutationRules, as the exchange that enforces it reads it. */
export type { HeaderMutationRules };

/** envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor (the fields the gateway models). */
export interface ExternalProcessorConfig {
  grpc_service?: GrpcService;
  failure_mode_allow?: boolean;
  processing_mode?: ProcessingMode;
  /** Seconds; Envoy's default is 0.2 s. */
  message_timeout?: number;
  /** Seconds; the longest override_message_timeout taken (default 0: none). */
  max_message_timeout?: number;
  allow_mode_override?: boolean;
  allowed_override_modes?: ProcessingMode[];
  metadata_options?: {
    forwarding_namespaces?: { untyped?: string[] };
    receiving_namespaces?: { untyped?: string[] };
  };
  mutation_rules?: HeaderMutationRules;
  route_cache_action?: "DEFAULT" | "CLEAR" | "RETAIN";
  disable_clear_route_cache?: boolean;
  /** Attribute names sent with the first request-side / response-side message. */
  request_attributes?: string[];
  response_attributes?: string[];
  /** status_on_error.code (Envoy ≥ 1.36): the status of a fail-closed error (default 500). */
  status_on_error?: number;
}

/** envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute */
export interface ExtProcPerRoute {
  disabled?: boolean;
  overrides?: {
    processing_mode?: ProcessingMode;
    grpc_service?: GrpcService;
    /** Field 8, read by Envoy ≥ 1.35 only. */
    failure_mode_allow?: boolean;
    /** Each namespace list set here replaces the base filter's whole list. */
    metadata_options?: ExternalProcessorConfig["metadata_options"];
  };
}

export interface HttpFilter {
  name: string;
  typed_config?: { "@type"?: string } & Record<string, unknown>;
  disabled?: boolean;
}

export interface HeaderMatcher {
  name: string;
  string_match?: {
    exact?: string;
    prefix?: string;
    suffix?: string;
    contains?: string;
    safe_regex?: { regex: string };
  };
  exact_match?: string;
  prefix_match?: string;
  present_match?: boolean;
  invert_match?: boolean;
}

export interface RouteMatch {
  prefix?: string;
  path?: string;
  safe_regex?: { regex: string };
  path_separated_prefix?: string;
  headers?: HeaderMatcher[];
  case_sensitive?: boolean;
}

export interface RetryPolicy {
  retry_on?: string;
  /** Envoy's default is 1. */
  num_retries?: number;
  retriable_status_codes?: number[];
  retry_host_predicate?: Array<{ name: string }>;
  /** Envoy's default is 1 (no reselection). */
  host_selection_retry_max_attempts?: number | string;
  /** Seconds, read from Durations; unset: 25 ms base, 10 × base maximum. */
  retry_back_off?: { base_interval?: number; max_interval?: number };
}

export interface RouteAction {
  cluster?: string;
  weighted_clusters?: { clusters: Array<{ name: string; weight: number }> };
  prefix_rewrite?: string;
  regex_rewrite?: { pattern: { regex: string }; substitution: string };
  /** Seconds; 0 disables. Envoy's default is 15 s. */
  timeout?: number;
  retry_policy?: RetryPolicy;
  /** Global rate limit descriptors (actions) for envoy.filters.http.ratelimit. */
  rate_limits?: unknown[];
}

export interface Route {
  name?: string;
  match: RouteMatch;
  route?: RouteAction;
  direct_response?: { status: number; body?: DataSource };
  typed_per_filter_config?: Record<string, ({ "@type"?: string } & Record<string, unknown>) | undefined>;
}

export interface VirtualHost {
  name: string;
  domains: string[];
  routes: Route[];
}

export interface RouteConfiguration {
  name?: string;
  virtual_hosts: VirtualHost[];
}

export interface HttpConnectionManager {
  stat_prefix?: string;
  route_config: RouteConfiguration;
  http_filters: HttpFilter[];
}

export interface TlsCertificate {
  certificate_chain?: DataSource;
  private_key?: DataSource;
}

export interface DownstreamTlsContext {
  common_tls_context?: {
    tls_certificates?: TlsCertificate[];
    /** ALPN the listener offers (Istio's gateways: h2, http/1.1); none means HTTP/1.1 only. */
    alpn_protocols?: string[];
  };
}

export interface StringMatcher {
  exact?: string;
  prefix?: string;
  suffix?: string;
  contains?: string;
  safe_regex?: { regex: string };
  ignore_case?: boolean;
}

/** One SAN matcher (a deprecated untyped match_subject_alt_names entry becomes one per type). */
export interface SanMatcher {
  type: "DNS" | "URI" | "EMAIL" | "IP_ADDRESS";
  matcher: StringMatcher;
}

export interface UpstreamTlsContext {
  sni?: string;
  common_tls_context?: {
    validation_context?: {
      trusted_ca?: DataSource;
      /** Istio's `file-root:system`: verify against the system CAs. */
      system_roots?: boolean;
      san_matchers?: SanMatcher[];
    };
    tls_certificates?: TlsCertificate[];
  };
  /** Testbed reading of Istio's DestinationRule insecureSkipVerify: no verification at all. */
  insecure_skip_verify?: boolean;
}

export interface Listener {
  name: string;
  address: { socket_address: SocketAddress };
  http_connection_manager: HttpConnectionManager;
  tls?: DownstreamTlsContext;
}

export type ClusterType = "STATIC" | "STRICT_DNS" | "LOGICAL_DNS" | "EDS" | "ORIGINAL_DST";

export interface OverrideHostSource {
  metadata?: { key: string; path: Array<{ key: string }> };
  header?: string;
}

export interface Cluster {
  name: string;
  type: ClusterType;
  /** Seconds. */
  connect_timeout?: number;
  endpoints: SocketAddress[];
  original_dst_lb_config?: { use_http_header?: boolean; http_header_name?: string };
  /** Istio's override-host policy for InferencePools, with its fallback. */
  override_host?: { sources: OverrideHostSource[]; fallback: "ROUND_ROBIN" | "RANDOM" | "LEAST_REQUEST" };
  lb_policy?: "ROUND_ROBIN" | "RANDOM" | "LEAST_REQUEST" | "CLUSTER_PROVIDED";
  tls?: UpstreamTlsContext;
  /** upstream_http_protocol_options: SNI, and SAN verification, from each request's Host. */
  auto_sni?: boolean;
  auto_san_validation?: boolean;
  /** The cluster speaks HTTP/2 (gRPC clusters such as the EPP's). */
  http2?: boolean;
  /** circuit_breakers.thresholds by priority; Envoy's defaults (1024 / 1024 / 1024 / 3) when unset. */
  circuit_breakers?: CircuitBreakers;
}

export interface GatewayConfig {
  admin?: { address: { socket_address: SocketAddress } };
  listeners: Listener[];
  clusters: Cluster[];
  /** The bootstrap's stats_config: which stats exist, and their tags. */
  stats: StatsConfig;
}
