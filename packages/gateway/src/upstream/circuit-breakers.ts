// Envoy's circuit breakers for one cluster (cluster.circuit_breakers.thresholds): how many
// connections, pending requests, active requests and concurrent retries the cluster allows at
// once, across all its hosts. A request over a limit is not queued further: it gets Envoy's
// 503 with the UO (upstream overflow) flag. Routes run at the DEFAULT priority, so the HIGH
// thresholds are read and printed but never reached.

/** One priority's thresholds, with Envoy's field names. */
export interface CircuitBreakerThresholds {
  max_connections: number;
  max_pending_requests: number;
  max_requests: number;
  max_retries: number;
  /** Publish remaining_* gauges in /stats (Istio sets it on every cluster). */
  track_remaining: boolean;
}

/** Envoy's defaults when a cluster sets no threshold for a priority. */
export const ENVOY_DEFAULT_THRESHOLDS: Readonly<CircuitBreakerThresholds> = {
  max_connections: 1024,
  max_pending_requests: 1024,
  max_requests: 1024,
  max_retries: 3,
  track_remaining: false,
};

export interface CircuitBreakers {
  default: CircuitBreakerThresholds;
  high: CircuitBreakerThresholds;
}

/** One limited resource: how many are in use and how many are allowed. */
export class Resource {
  count = 0;
  /**
   * Envoy's *_open gauge: 1 while the resource is at its limit. Like Envoy's, it is updated when
   * the count changes, so a limit of 0 that nothing ever takes shows 0.
   */
  open: 0 | 1 = 0;

  constructor(readonly max: number) {}

  canCreate(): boolean {
    return this.count < this.max;
  }

  inc(): void {
    this.count++;
    this.open = this.canCreate() ? 0 : 1;
  }

  dec(): void {
    this.count--;
    this.open = this.canCreate() ? 0 : 1;
  }

  get remaining(): number {
    return Math.max(0, this.max - this.count);
  }
}

/** max_connection_pools is not modelled: Envoy's default, no limit (2^64 − 1 remaining). */
const UNLIMITED_CONNECTION_POOLS = "18446744073709551615";

/** One priority's resources of one cluster, shared by the connection pools of all its hosts. */
export class ClusterResources {
  readonly connections: Resource;
  readonly pendingRequests: Resource;
  readonly requests: Resource;
  readonly retries: Resource;

  constructor(readonly thresholds: CircuitBreakerThresholds = ENVOY_DEFAULT_THRESHOLDS) {
    this.connections = new Resource(thresholds.max_connections);
    this.pendingRequests = new Resource(thresholds.max_pending_requests);
    this.requests = new Resource(thresholds.max_requests);
    this.retries = new Resource(thresholds.max_retries);
  }

  /** `circuit_breakers.<priority>.*` as Envoy's /stats lists them (remaining_* with track_remaining). */
  gauges(priority: "default" | "high"): Array<[string, number | string]> {
    const gauges: Array<[string, number | string]> = [
      ["cx_open", this.connections.open],
      ["cx_pool_open", 0],
      ["rq_open", this.requests.open],
      ["rq_pending_open", this.pendingRequests.open],
      ["rq_retry_open", this.retries.open],
    ];
    if (this.thresholds.track_remaining) {
      gauges.push(
        ["remaining_cx", this.connections.remaining],
        ["remaining_cx_pools", UNLIMITED_CONNECTION_POOLS],
        ["remaining_pending", this.pendingRequests.remaining],
        ["remaining_retries", this.retries.remaining],
        ["remaining_rq", this.requests.remaining],
      );
    }
    return gauges.map(([name, value]) => [`circuit_breakers.${priority}.${name}`, value]);
  }
}
