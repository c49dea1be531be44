// Filters Istio puts on every gateway chain that have nothing to do for the traffic the testbed
// carries: they are recognised (no "not modelled" warning, EnvoyFilters can be placed around them)
// and leave requests untouched. What each would do on a real gateway, and why it is nothing here:
// - istio.metadata_exchange: peer metadata to and from sidecars (x-envoy-peer-metadata headers);
//   the testbed's upstreams have no sidecars, and the headers it would add are not sent;
// - envoy.filters.http.grpc_stats: counters for gRPC requests through the gateway (none here);
// - istio.alpn: ALPN for ISTIO_MUTUAL upstream mTLS, which the testbed does not issue;
// - envoy.filters.http.fault / envoy.filters.http.cors: act only through a route's per-filter
//   config, which HTTPRoutes without a CORS filter do not produce;
// - istio.stats: the istio_requests_total family of metrics (not served by this gateway's admin).
import type { FilterRegistration } from "./filter-registry.js";
import type { HttpFilterFactory } from "./http-filter.js";

function inert(name: string, typeSuffix: string): FilterRegistration {
  return {
    name,
    typeSuffix,
    build: (): HttpFilterFactory => ({ name, create: () => undefined }),
  };
}

/** The registrations of Istio's pass-through gateway filters. */
export const ISTIO_INERT_REGISTRATIONS: readonly FilterRegistration[] = [
  inert("istio.metadata_exchange", "io.istio.http.peer_metadata.Config"),
  inert("envoy.filters.http.grpc_stats", "grpc_stats.v3.FilterConfig"),
  inert("istio.alpn", "alpn.v2alpha1.FilterConfig"),
  inert("envoy.filters.http.fault", "fault.v3.HTTPFault"),
  inert("envoy.filters.http.cors", "cors.v3.Cors"),
  inert("istio.stats", "stats.PluginConfig"),
];
