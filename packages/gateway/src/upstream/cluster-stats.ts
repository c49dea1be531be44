// Envoy's upstream statistics. Per host they are what `/clusters` prints (cx_total, cx_connect_fail,
// rq_total …); per cluster what `/stats` prints (upstream_cx_total, ssl.fail_verify_error …).
// The seed's Bug 2 and Bug 3 diagnosis reads these on the EPP's cluster.

/** The per-host stats, as `/clusters` prints them. */
export const HOST_STAT_NAMES = [
  "cx_active",
  "cx_connect_fail",
  "cx_total",
  "rq_active",
  "rq_error",
  "rq_success",
  "rq_timeout",
  "rq_total",
] as const;
export type HostStatName = (typeof HOST_STAT_NAMES)[number];

export class HostStats {
  readonly values: Record<HostStatName, number> = {
    cx_active: 0,
    cx_connect_fail: 0,
    cx_total: 0,
    rq_active: 0,
    rq_error: 0,
    rq_success: 0,
    rq_timeout: 0,
    rq_total: 0,
  };
}

export const CLUSTER_STAT_NAMES = [
  "upstream_cx_total",
  "upstream_cx_active",
  "upstream_cx_connect_fail",
  "upstream_cx_none_healthy",
  "upstream_cx_overflow",
  "upstream_rq_total",
  "upstream_rq_active",
  "upstream_rq_pending_total",
  "upstream_rq_pending_active",
  "upstream_rq_pending_overflow",
  "upstream_rq_pending_failure_eject",
  "upstream_rq_timeout",
  "upstream_rq_cancelled",
  "upstream_rq_retry",
  "upstream_rq_retry_overflow",
  "upstream_rq_retry_limit_exceeded",
  "upstream_rq_retry_success",
  "upstream_rq_2xx",
  "upstream_rq_4xx",
  "upstream_rq_5xx",
  "ssl.handshake",
  "ssl.connection_error",
  "ssl.fail_verify_error",
  "ssl.fail_verify_san",
  "ssl.fail_verify_no_cert",
] as const;
export type ClusterStatName = (typeof CLUSTER_STAT_NAMES)[number];

export class ClusterStats {
  readonly values = Object.fromEntries(CLUSTER_STAT_NAMES.map((name) => [name, 0])) as Record<ClusterStatName, number>;

  inc(name: ClusterStatName, by = 1): void {
    this.values[name] += by;
  }
}
