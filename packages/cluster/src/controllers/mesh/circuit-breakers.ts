// A cluster's circuit breakers as istiod writes them. Envoy's own defaults (1024 connections,
// 1024 pending, 1024 requests, 3 retries) are too low for a mesh, so every cluster Istio generates
// carries 4294967295 for all four and track_remaining; a DestinationRule's
// trafficPolicy.connectionPool (see trafficPolicyFor for the port-level rule) lowers them:
// tcp.maxConnections → max_connections, http.http1MaxPendingRequests → max_pending_requests,
// http.http2MaxRequests → max_requests, http.maxRetries → max_retries. Istio cannot tell an unset
// field from 0, so 0 leaves the default, as it does there.
import type { PortTrafficPolicy } from "./destination-rules.js";

const ISTIO_UNLIMITED = 4_294_967_295;

/** A cluster's `circuit_breakers` under a port's traffic policy (none: Istio's unlimited values). */
export function istioCircuitBreakers(policy: PortTrafficPolicy | undefined): Record<string, unknown> {
  const pool = policy?.connectionPool;
  const limit = (value: number | undefined) => (value !== undefined && value > 0 ? value : ISTIO_UNLIMITED);
  return {
    thresholds: [
      {
        max_connections: limit(pool?.tcp?.maxConnections),
        max_pending_requests: limit(pool?.http?.http1MaxPendingRequests),
        max_requests: limit(pool?.http?.http2MaxRequests),
        max_retries: limit(pool?.http?.maxRetries),
        track_remaining: true,
      },
    ],
  };
}
