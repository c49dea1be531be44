// The ext_proc wiring Istio 1.26 adds for InferencePools. The BASE filter goes on a gateway's HTTP
// connection manager when any of its routes targets a pool: cluster `dummy` (a cluster Istio never
// defines), headers SKIP, fail-open, 1000 s message timeout, `envoy.lb` metadata both ways. Each
// pool route then carries an ExtProcPerRoute override naming the real EPP cluster, headers SEND and
// bodies FULL_DUPLEX_STREAMED, failure_mode_allow from the pool's failureMode, and no gRPC timeout on
// the route's service (pilot/pkg/networking/core/route/route.go). Trailer modes SEND arrived only in
// Istio 1.28 (istio PR #57041); earlier releases leave them out.
import { EXT_PROC_FILTER_NAME, EXT_PROC_PER_ROUTE_TYPE, EXT_PROC_TYPE } from "@testbed/gateway";
import { LB_METADATA_NAMESPACE } from "@testbed/protocol";
import type { InferencePoolView } from "./inference-pools.js";
import { emitsPerRouteTrailers, type IstioVersion } from "./istio-version.js";
import { outboundCluster, serviceFqdn } from "./names.js";

export const ROUTER_FILTER = "envoy.filters.http.router";
const ROUTER_TYPE = "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router";

export function baseExtProcFilter(): Record<string, unknown> {
  return {
    name: EXT_PROC_FILTER_NAME,
    typed_config: {
      "@type": EXT_PROC_TYPE,
      grpc_service: { envoy_grpc: { cluster_name: "dummy" }, timeout: "10s" },
      failure_mode_allow: true,
      processing_mode: { request_header_mode: "SKIP", response_header_mode: "SKIP" },
      message_timeout: "1000s",
      metadata_options: {
        forwarding_namespaces: { untyped: [LB_METADATA_NAMESPACE] },
        receiving_namespaces: { untyped: [LB_METADATA_NAMESPACE] },
      },
    },
  };
}

export function routerFilter(): Record<string, unknown> {
  return { name: ROUTER_FILTER, typed_config: { "@type": ROUTER_TYPE } };
}

/** The EPP's cluster for a pool, or undefined when the pool names no endpoint picker. */
export function endpointPickerCluster(pool: InferencePoolView): string | undefined {
  const ref = pool.endpointPicker;
  return ref ? outboundCluster(ref.port, serviceFqdn(ref.name, pool.namespace)) : undefined;
}

/** typed_per_filter_config["envoy.filters.http.ext_proc"] for a route to the pool. */
export function extProcPerRoute(pool: InferencePoolView, istio: IstioVersion): Record<string, unknown> | undefined {
  const cluster = endpointPickerCluster(pool);
  if (!cluster) return undefined;
  return {
    "@type": EXT_PROC_PER_ROUTE_TYPE,
    overrides: {
      grpc_service: { envoy_grpc: { cluster_name: cluster } },
      failure_mode_allow: pool.endpointPicker?.failureMode === "FailOpen",
      processing_mode: {
        request_header_mode: "SEND",
        response_header_mode: "SEND",
        request_body_mode: "FULL_DUPLEX_STREAMED",
        response_body_mode: "FULL_DUPLEX_STREAMED",
        ...(emitsPerRouteTrailers(istio) ? { request_trailer_mode: "SEND", response_trailer_mode: "SEND" } : {}),
      },
    },
  };
}
