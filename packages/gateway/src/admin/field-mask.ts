// /config_dump's `?mask=`: a protobuf FieldMask ("a.b,c") checked against the message's fields
// and then applied with FieldMaskUtil::TrimMessage semantics (only the named fields are kept; a
// repeated field can only end a path). Envoy (source/server/admin/config_dump_handler.cc) checks
// each path with FieldMaskUtil::GetFieldDescriptors first, because an invalid mask would crash
// TrimMessage; the schemas below are the fields of the admin.v3 dump messages and of the resources
// packed in them. Below a resource's top-level fields the gateway has no descriptors: deeper paths
// are accepted as written.

interface Field {
  /** The message type of the field, when it is a message. */
  type?: string;
  repeated?: boolean;
}

type Schema = Record<string, Field>;

const TIMESTAMP: Field = { type: "google.protobuf.Timestamp" };
const ANY: Field = { type: "google.protobuf.Any" };

const scalars = (...names: string[]): Schema => Object.fromEntries(names.map((name) => [name, {}]));

/** Resource types whose top-level fields are known; their submessages are not checked. */
const OPEN = (...names: string[]): Schema => Object.fromEntries(names.map((name) => [name, { type: "*" }]));

const SCHEMAS: Record<string, Schema> = {
  "google.protobuf.Timestamp": scalars("seconds", "nanos"),
  "google.protobuf.Any": scalars("type_url", "value"),
  "envoy.admin.v3.UpdateFailureState": {
    ...scalars("details", "version_info"),
    failed_configuration: ANY,
    last_update_attempt: TIMESTAMP,
  },
  "envoy.admin.v3.BootstrapConfigDump": {
    bootstrap: { type: "envoy.config.bootstrap.v3.Bootstrap" },
    last_updated: TIMESTAMP,
  },
  "envoy.admin.v3.ClustersConfigDump": {
    version_info: {},
    static_clusters: { type: "envoy.admin.v3.ClustersConfigDump.StaticCluster", repeated: true },
    dynamic_active_clusters: { type: "envoy.admin.v3.ClustersConfigDump.DynamicCluster", repeated: true },
    dynamic_warming_clusters: { type: "envoy.admin.v3.ClustersConfigDump.DynamicCluster", repeated: true },
  },
  "envoy.admin.v3.ClustersConfigDump.StaticCluster": { cluster: ANY, last_updated: TIMESTAMP },
  "envoy.admin.v3.ClustersConfigDump.DynamicCluster": {
    ...scalars("version_info", "client_status"),
    cluster: ANY,
    last_updated: TIMESTAMP,
    error_state: { type: "envoy.admin.v3.UpdateFailureState" },
  },
  "envoy.admin.v3.ListenersConfigDump": {
    version_info: {},
    static_listeners: { type: "envoy.admin.v3.ListenersConfigDump.StaticListener", repeated: true },
    dynamic_listeners: { type: "envoy.admin.v3.ListenersConfigDump.DynamicListener", repeated: true },
  },
  "envoy.admin.v3.ListenersConfigDump.StaticListener": { listener: ANY, last_updated: TIMESTAMP },
  "envoy.admin.v3.ListenersConfigDump.DynamicListener": {
    ...scalars("name", "client_status"),
    active_state: { type: "envoy.admin.v3.ListenersConfigDump.DynamicListenerState" },
    warming_state: { type: "envoy.admin.v3.ListenersConfigDump.DynamicListenerState" },
    draining_state: { type: "envoy.admin.v3.ListenersConfigDump.DynamicListenerState" },
    error_state: { type: "envoy.admin.v3.UpdateFailureState" },
  },
  "envoy.admin.v3.ListenersConfigDump.DynamicListenerState": {
    version_info: {},
    listener: ANY,
    last_updated: TIMESTAMP,
  },
  "envoy.admin.v3.ScopedRoutesConfigDump": {
    inline_scoped_route_configs: { type: "*", repeated: true },
    dynamic_scoped_route_configs: { type: "*", repeated: true },
  },
  "envoy.admin.v3.RoutesConfigDump": {
    static_route_configs: { type: "envoy.admin.v3.RoutesConfigDump.StaticRouteConfig", repeated: true },
    dynamic_route_configs: { type: "envoy.admin.v3.RoutesConfigDump.DynamicRouteConfig", repeated: true },
  },
  "envoy.admin.v3.RoutesConfigDump.StaticRouteConfig": { route_config: ANY, last_updated: TIMESTAMP },
  "envoy.admin.v3.RoutesConfigDump.DynamicRouteConfig": {
    ...scalars("version_info", "client_status"),
    route_config: ANY,
    last_updated: TIMESTAMP,
    error_state: { type: "envoy.admin.v3.UpdateFailureState" },
  },
  "envoy.admin.v3.SecretsConfigDump": {
    static_secrets: { type: "envoy.admin.v3.SecretsConfigDump.StaticSecret", repeated: true },
    dynamic_active_secrets: { type: "envoy.admin.v3.SecretsConfigDump.DynamicSecret", repeated: true },
    dynamic_warming_secrets: { type: "envoy.admin.v3.SecretsConfigDump.DynamicSecret", repeated: true },
  },
  "envoy.admin.v3.SecretsConfigDump.StaticSecret": { name: {}, last_updated: TIMESTAMP, secret: ANY },
  "envoy.admin.v3.SecretsConfigDump.DynamicSecret": {
    ...scalars("name", "version_info", "client_status"),
    last_updated: TIMESTAMP,
    secret: ANY,
    error_state: { type: "envoy.admin.v3.UpdateFailureState" },
  },
  "envoy.admin.v3.EndpointsConfigDump": {
    static_endpoint_configs: { type: "envoy.admin.v3.EndpointsConfigDump.StaticEndpointConfig", repeated: true },
    dynamic_endpoint_configs: { type: "envoy.admin.v3.EndpointsConfigDump.DynamicEndpointConfig", repeated: true },
  },
  "envoy.admin.v3.EndpointsConfigDump.StaticEndpointConfig": { endpoint_config: ANY, last_updated: TIMESTAMP },
  "envoy.admin.v3.EndpointsConfigDump.DynamicEndpointConfig": {
    ...scalars("version_info", "client_status"),
    endpoint_config: ANY,
    last_updated: TIMESTAMP,
  },
  "envoy.config.bootstrap.v3.Bootstrap": OPEN(
    "node",
    "node_context_params",
    "static_resources",
    "dynamic_resources",
    "cluster_manager",
    "hds_config",
    "flags_path",
    "stats_sinks",
    "deferred_stat_options",
    "stats_config",
    "stats_flush_interval",
    "stats_flush_on_admin",
    "watchdog",
    "watchdogs",
    "tracing",
    "layered_runtime",
    "admin",
    "overload_manager",
    "enable_dispatcher_stats",
    "header_prefix",
    "stats_server_version_override",
    "use_tcp_for_dns_lookups",
    "dns_resolution_config",
    "typed_dns_resolver_config",
    "bootstrap_extensions",
    "fatal_actions",
    "config_sources",
    "default_config_source",
    "default_socket_interface",
    "certificate_provider_instances",
    "inline_headers",
    "perf_tracing_file_path",
    "default_regex_engine",
    "xds_delegate_extension",
    "xds_config_tracker_extension",
    "listener_manager",
    "application_log_config",
    "grpc_async_client_manager_config",
    "memory_allocator_manager",
  ),
  "envoy.config.listener.v3.Listener": OPEN(
    "name",
    "address",
    "additional_addresses",
    "stat_prefix",
    "filter_chains",
    "filter_chain_matcher",
    "use_original_dst",
    "default_filter_chain",
    "per_connection_buffer_limit_bytes",
    "metadata",
    "drain_type",
    "listener_filters",
    "listener_filters_timeout",
    "continue_on_listener_filters_timeout",
    "transparent",
    "freebind",
    "socket_options",
    "tcp_fast_open_queue_length",
    "traffic_direction",
    "udp_listener_config",
    "api_listener",
    "connection_balance_config",
    "reuse_port",
    "enable_reuse_port",
    "access_log",
    "tcp_backlog_size",
    "max_connections_to_accept_per_socket_event",
    "bind_to_port",
    "internal_listener",
    "enable_mptcp",
    "ignore_global_conn_limit",
    "bypass_overload_manager",
  ),
  "envoy.config.cluster.v3.Cluster": OPEN(
    "transport_socket_matches",
    "name",
    "alt_stat_name",
    "type",
    "cluster_type",
    "eds_cluster_config",
    "connect_timeout",
    "per_connection_buffer_limit_bytes",
    "lb_policy",
    "load_assignment",
    "health_checks",
    "max_requests_per_connection",
    "circuit_breakers",
    "upstream_http_protocol_options",
    "common_http_protocol_options",
    "http_protocol_options",
    "http2_protocol_options",
    "typed_extension_protocol_options",
    "dns_refresh_rate",
    "dns_jitter",
    "dns_failure_refresh_rate",
    "respect_dns_ttl",
    "dns_lookup_family",
    "dns_resolvers",
    "use_tcp_for_dns_lookups",
    "dns_resolution_config",
    "typed_dns_resolver_config",
    "wait_for_warm_on_init",
    "outlier_detection",
    "cleanup_interval",
    "upstream_bind_config",
    "lb_subset_config",
    "ring_hash_lb_config",
    "maglev_lb_config",
    "original_dst_lb_config",
    "least_request_lb_config",
    "round_robin_lb_config",
    "common_lb_config",
    "transport_socket",
    "metadata",
    "protocol_selection",
    "upstream_connection_options",
    "close_connections_on_host_health_failure",
    "ignore_health_on_host_removal",
    "filters",
    "load_balancing_policy",
    "lrs_server",
    "lrs_report_endpoint_metrics",
    "track_timeout_budgets",
    "upstream_config",
    "track_cluster_stats",
    "preconnect_policy",
    "connection_pool_per_downstream_connection",
  ),
  "envoy.config.route.v3.RouteConfiguration": OPEN(
    "name",
    "virtual_hosts",
    "vhds",
    "internal_only_headers",
    "response_headers_to_add",
    "response_headers_to_remove",
    "request_headers_to_add",
    "request_headers_to_remove",
    "most_specific_header_mutations_wins",
    "validate_clusters",
    "max_direct_response_body_size_bytes",
    "cluster_specifier_plugins",
    "request_mirror_policies",
    "ignore_port_in_host_matching",
    "ignore_path_parameters_in_path_matching",
    "typed_per_filter_config",
    "metadata",
  ),
  "envoy.extensions.transport_sockets.tls.v3.Secret": OPEN(
    "name",
    "tls_certificate",
    "session_ticket_keys",
    "validation_context",
    "generic_secret",
  ),
  "envoy.config.endpoint.v3.ClusterLoadAssignment": OPEN("cluster_name", "endpoints", "named_endpoints", "policy"),
};

/** The message type an Any's `@type` URL names. */
export function typeOfUrl(url: unknown): string {
  return typeof url === "string" ? url.slice(url.lastIndexOf("/") + 1) : "";
}

/** FieldMaskUtil::FromString: comma-separated paths, empty ones dropped. */
export function parseFieldMask(text: string): string[] {
  return text.split(",").filter((path) => path !== "");
}

/** FieldMaskUtil::GetFieldDescriptors for every path: each segment a field; a repeated field only last. */
export function maskIsValid(type: string, paths: string[]): boolean {
  return paths.every((path) => pathIsValid(type, path === "" ? [] : path.split(".")));
}

function pathIsValid(type: string, segments: string[]): boolean {
  let current = type;
  for (const [index, segment] of segments.entries()) {
    if (current === "*") return true;
    const field = SCHEMAS[current]?.[segment];
    if (!field) return false;
    const last = index === segments.length - 1;
    if (!last && (field.repeated || !field.type)) return false;
    current = field.type ?? "";
  }
  return true;
}

/** FieldMaskUtil::TrimMessage: only the fields the paths name; an empty path keeps everything. */
export function trimMessage(message: Record<string, unknown>, paths: string[]): Record<string, unknown> {
  if (paths.some((path) => path === "")) return message;
  const tree = new Map<string, string[]>();
  for (const path of paths) {
    const [head = "", ...rest] = path.split(".");
    const sub = tree.get(head) ?? [];
    // A path naming the whole field wins over paths into it.
    if (rest.length === 0 || sub.includes("")) tree.set(head, [""]);
    else tree.set(head, [...sub, rest.join(".")]);
  }
  const out: Record<string, unknown> = {};
  if ("@type" in message) out["@type"] = message["@type"];
  for (const [field, sub] of tree) {
    const value = message[field];
    if (value === undefined) continue;
    out[field] =
      sub.includes("") || !value || typeof value !== "object" || Array.isArray(value)
        ? value
        : trimMessage(value as Record<string, unknown>, sub);
  }
  return out;
}

/**
 * Envoy's trimResourceMessage for `?resource=…&mask=…`: paths through the resource's single Any
 * field (e.g. `cluster.name`) trim the packed message, the others trim the wrapper.
 */
export function trimResource(
  type: string,
  resource: Record<string, unknown>,
  paths: string[],
): Record<string, unknown> | undefined {
  const schema = SCHEMAS[type] ?? {};
  const outer: string[] = [];
  const inner: string[] = [];
  let anyField: string | undefined;
  for (const path of paths) {
    const [head = "", ...rest] = path.split(".");
    const field = schema[head];
    if (field?.type === "google.protobuf.Any" && !field.repeated) {
      anyField ??= head;
      outer.push(head);
      inner.push(rest.join("."));
    } else outer.push(path);
  }
  let result = resource;
  if (anyField !== undefined && resource[anyField] !== undefined) {
    const packed = resource[anyField] as Record<string, unknown>;
    const packedType = typeOfUrl(packed["@type"]);
    if (
      !maskIsValid(
        packedType,
        inner.filter((path) => path !== ""),
      )
    )
      return undefined;
    result = { ...resource, [anyField]: trimMessage(packed, inner) };
  }
  if (!maskIsValid(type, outer)) return undefined;
  return trimMessage(result, outer);
}

/** A field of one of the dump messages, for `?resource=` (which must name a repeated field). */
export function dumpField(type: string, name: string): Field | undefined {
  return SCHEMAS[type]?.[name];
}
