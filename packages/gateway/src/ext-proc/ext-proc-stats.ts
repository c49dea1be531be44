/** The ext_proc filter's own stats (`http.<stat_prefix>.ext_proc.*` in /stats). */
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
  "clear_route_cache_ignored",
] as const;

export type ExtProcStatName = (typeof EXT_PROC_STAT_NAMES)[number];

export class ExtProcStats {
  readonly values = Object.fromEntries(EXT_PROC_STAT_NAMES.map((name) => [name, 0])) as Record<ExtProcStatName, number>;

  inc(name: ExtProcStatName): void {
    this.values[name]++;
  }
}
