// The ext_proc filter's own counters (`http.<stat_prefix>.ext_proc.*` in /stats).

/**
 * ALL_EXT_PROC_FILTER_STATS in Envoy's source/extensions/filters/http/ext_proc/ext_proc.h, in its
 * order. The set is the same in every release the gateway models (1.34–1.37): the last counter,
 * http_not_ok_resp_received, came with the HTTP-service client before 1.34.
 */
export const EXT_PROC_STAT_NAMES = [
  "streams_started",
  "stream_msgs_sent",
  "stream_msgs_received",
  "spurious_msgs_received",
  "streams_closed",
  "streams_failed",
  "failure_mode_allowed",
  "message_timeouts",
  "rejected_header_mutations",
  "override_message_timeout_received",
  "override_message_timeout_ignored",
  "clear_route_cache_ignored",
  "clear_route_cache_disabled",
  "clear_route_cache_upstream_ignored",
  "send_immediate_resp_upstream_ignored",
  "http_not_ok_resp_received",
] as const;

export type ExtProcStatName = (typeof EXT_PROC_STAT_NAMES)[number];

export class ExtProcStats {
  readonly values = Object.fromEntries(EXT_PROC_STAT_NAMES.map((name) => [name, 0])) as Record<ExtProcStatName, number>;

  /** A function field, not a method: every request's exchange is handed `stats.inc` itself. */
  readonly inc = (name: ExtProcStatName): void => {
    this.values[name]++;
  };
}
