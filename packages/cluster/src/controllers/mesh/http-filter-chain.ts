// The HTTP filter chain Istio gives a gateway's HTTP connection manager, in its order, read from
// pilot/pkg/networking/core/listener_builder.go buildHTTPConnectionManager (1.26.2-redhat; the
// same order on istio/istio main): the peer metadata filter (istio.metadata_exchange, on while
// PILOT_ENABLE_METADATA_EXCHANGE stays true), then CUSTOM ext_authz, authn (jwt_authn) and RBAC
// when AuthorizationPolicies / RequestAuthentications ask for them (the testbed serves none), wasm
// plugins by phase, then — only when the gateway has a route to an InferencePool — the BASE
// ext_proc filter, then grpc_stats, istio.alpn (PILOT_ENABLE_ALPN_FILTER, default true), fault and
// cors (present so routes can carry their per-route configs), the telemetry filter istio.stats
// (the default Prometheus provider) and the router. Filters an EnvoyFilter inserts (Kuadrant's
// INSERT_FIRST) land relative to these, as on a real gateway.
import { baseExtProcFilter, routerFilter } from "./ext-proc.js";

const TYPED_STRUCT = "type.googleapis.com/udpa.type.v1.TypedStruct";

/** pilot/pkg/xds/filters SidecarOutboundMetadataFilter: Istio's peer metadata exchange. */
function metadataExchangeFilter(): Record<string, unknown> {
  return {
    name: "istio.metadata_exchange",
    typed_config: {
      "@type": TYPED_STRUCT,
      type_url: "type.googleapis.com/io.istio.http.peer_metadata.Config",
      value: {
        upstream_discovery: [{ istio_headers: {} }, { workload_discovery: {} }],
        upstream_propagation: [{ istio_headers: {} }],
      },
    },
  };
}

function grpcStatsFilter(): Record<string, unknown> {
  return {
    name: "envoy.filters.http.grpc_stats",
    typed_config: {
      "@type": "type.googleapis.com/envoy.extensions.filters.http.grpc_stats.v3.FilterConfig",
      emit_filter_state: true,
      stats_for_all_methods: false,
    },
  };
}

/** istio.alpn: the ALPN an upstream mTLS connection offers per protocol (HTTP10 is the enum's zero). */
function alpnFilter(): Record<string, unknown> {
  return {
    name: "istio.alpn",
    typed_config: {
      "@type": "type.googleapis.com/istio.envoy.config.filter.http.alpn.v2alpha1.FilterConfig",
      alpn_override: [
        { alpn_override: ["istio-http/1.0", "istio", "http/1.0"] },
        { upstream_protocol: "HTTP11", alpn_override: ["istio-http/1.1", "istio", "http/1.1"] },
        { upstream_protocol: "HTTP2", alpn_override: ["istio-h2", "istio", "h2"] },
      ],
    },
  };
}

function emptyFilter(name: string, type: string): Record<string, unknown> {
  return { name, typed_config: { "@type": type } };
}

/** istio.stats for a gateway listener (generateStatsConfig: no host header fallback on gateways). */
function statsFilter(): Record<string, unknown> {
  return {
    name: "istio.stats",
    typed_config: { "@type": "type.googleapis.com/stats.PluginConfig", disable_host_header_fallback: true },
  };
}

/** http_filters of a gateway listener; `withExtProc` when one of its routes targets an InferencePool. */
export function gatewayHttpFilters(withExtProc: boolean): Record<string, unknown>[] {
  return [
    metadataExchangeFilter(),
    ...(withExtProc ? [baseExtProcFilter()] : []),
    grpcStatsFilter(),
    alpnFilter(),
    emptyFilter("envoy.filters.http.fault", "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault"),
    emptyFilter("envoy.filters.http.cors", "type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors"),
    statsFilter(),
    routerFilter(),
  ];
}
