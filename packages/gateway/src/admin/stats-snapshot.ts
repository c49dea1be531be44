// Every stat the gateway keeps, as Envoy's stats store holds them: a full name (tags still in it,
// e.g. `cluster.backend.upstream_cx_total`), a value, and whether it is a counter or a gauge.
// The bootstrap's stats_matcher decides which stats exist at all: in Envoy a rejected stat is never
// created, so /stats, /stats?format=json and /stats/prometheus all leave it out (Istio's default
// matcher hides `cluster.outbound|…` and `http.…ext_proc.…`), while /clusters, which reads the
// hosts' own counters, still shows them.
import type { StatsConfig } from "../config/stats-config.js";
import { EXT_PROC_STAT_NAMES } from "../ext-proc/ext-proc-stats.js";
import type { GatewayRuntime } from "../gateway-runtime.js";
import { CLUSTER_STAT_NAMES } from "../upstream/cluster-stats.js";

export interface Stat {
  name: string;
  value: number | string;
  kind: "counter" | "gauge";
}

/** The cluster stats that are gauges; the others are counters. */
const CLUSTER_GAUGES = new Set(["upstream_cx_active", "upstream_rq_active", "upstream_rq_pending_active"]);

/** What the stats come from besides the runtime. */
export interface StatsSources {
  runtime: GatewayRuntime;
  stats: StatsConfig;
  /** Seconds since the gateway started (server.uptime). */
  uptimeSeconds: number;
}

export function statsSnapshot(sources: StatsSources): Stat[] {
  const all = [...serverStats(sources), ...clusterStats(sources.runtime), ...listenerStats(sources.runtime)];
  const matcher = sources.stats.matcher;
  const kept = matcher ? all.filter((stat) => matcher(stat.name)) : all;
  return kept.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function serverStats({ runtime, uptimeSeconds }: StatsSources): Stat[] {
  const gauge = (name: string, value: number): Stat => ({ name, value, kind: "gauge" });
  return [
    gauge("cluster_manager.active_clusters", runtime.clusters.size),
    gauge("cluster_manager.warming_clusters", 0),
    gauge("listener_manager.total_listeners_active", runtime.listeners.size),
    gauge("listener_manager.total_listeners_draining", 0),
    gauge("listener_manager.total_listeners_warming", 0),
    gauge("server.live", 1),
    gauge("server.state", 0),
    gauge("server.uptime", Math.floor(uptimeSeconds)),
  ];
}

function clusterStats(runtime: GatewayRuntime): Stat[] {
  const stats: Stat[] = [];
  for (const { runtime: cluster } of runtime.clusters.values()) {
    const prefix = `cluster.${cluster.name}.`;
    for (const stat of CLUSTER_STAT_NAMES) {
      const kind = CLUSTER_GAUGES.has(stat) ? "gauge" : "counter";
      stats.push({ name: prefix + stat, value: cluster.stats.values[stat], kind });
    }
    const breakers = [...cluster.resources.gauges("default"), ...cluster.highPriorityResources.gauges("high")];
    for (const [gauge, value] of breakers) stats.push({ name: prefix + gauge, value, kind: "gauge" });
    stats.push(
      { name: `${prefix}membership_healthy`, value: cluster.hosts.size, kind: "gauge" },
      { name: `${prefix}membership_total`, value: cluster.hosts.size, kind: "gauge" },
    );
  }
  return stats;
}

function listenerStats(runtime: GatewayRuntime): Stat[] {
  const stats: Stat[] = [];
  for (const listener of runtime.listeners.values()) {
    if (!listener.hasExtProc) continue;
    for (const stat of EXT_PROC_STAT_NAMES)
      stats.push({
        name: `http.${listener.statPrefix}.ext_proc.${stat}`,
        value: listener.extProcStats.values[stat],
        kind: "counter",
      });
  }
  return stats;
}
