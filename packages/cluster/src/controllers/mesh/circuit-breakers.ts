import type { KubeObject } from "../../store/kube-object.js";
import { destinationRuleFor } from "./destination-rules.js";
import type { MeshSnapshot } from "./mesh-snapshot.js";

/**
 * A cluster's circuit breakers as istiod writes them. Envoy's own defaults (1024 connections,
 * 1024 pending, 1024 requests, 3 retries) are too low for a mesh, so every cluster Istio generates
 * carries 4294967295 for all four and track_remaining; a DestinationRule's
 * trafficPolicy.connectionPool (or, replacing it, its portLevelSettings entry for the port) lowers them:
 * tcp.maxConnections → max_connections, http.http1MaxPendingRequests → max_pending_requests,
 * http.http2MaxRequests → max_requests, http.maxRetries → max_retries. Istio cannot tell an unset
 * field from 0, so 0 leaves the default, as it does there.
 */
const ISTIO_UNLIMITED = 4_294_967_295;

interface ConnectionPoolSettings {
  tcp?: { maxConnections?: number };
  http?: { http1MaxPendingRequests?: number; http2MaxRequests?: number; maxRetries?: number };
}

export function istioCircuitBreakers(snapshot: MeshSnapshot, fqdn: string, port: number): Record<string, unknown> {
  const rule = destinationRuleFor(snapshot, fqdn);
  const pool = rule ? connectionPoolFor(rule, port) : undefined;
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

/**
 * The connection pool settings a rule gives one port. Port-level settings replace the rule's own
 * and do not inherit from them: a port entry without connectionPool means Istio's defaults.
 */
function connectionPoolFor(rule: KubeObject, port: number): ConnectionPoolSettings | undefined {
  const policy = rule.spec?.trafficPolicy ?? {};
  const portLevel = (policy.portLevelSettings ?? []) as Array<{
    port?: { number?: number };
    connectionPool?: ConnectionPoolSettings;
  }>;
  const forPort = portLevel.find((setting) => Number(setting.port?.number) === port);
  return forPort ? forPort.connectionPool : policy.connectionPool;
}
