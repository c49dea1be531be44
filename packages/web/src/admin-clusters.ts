// Envoy's admin /clusters text (`<cluster>::<host:port>::<stat>::<value>`), folded per cluster: the
// counters the seed reads (cx_total, cx_connect_fail) and each host's rq_total, which shows where
// the gateway sent requests (round robin or the EPP's pick).

/** One upstream cluster's host counters, summed over its hosts, plus rq_total per host. */
export interface ClusterCounters {
  name: string;
  cxTotal: number;
  cxConnectFail: number;
  rqTotal: number;
  rqError: number;
  /** host:port → rq_total. */
  rqByHost: Record<string, number>;
}

/** The per-host lines of /clusters folded into one entry per cluster, in the order they appear. */
export function parseAdminClusters(text: string): ClusterCounters[] {
  const clusters = new Map<string, ClusterCounters>();
  for (const line of text.split("\n")) {
    const parts = line.split("::");
    if (parts.length !== 4) continue;
    const [name, host, stat, raw] = parts as [string, string, string, string];
    const value = Number(raw);
    if (!Number.isFinite(value) || !host.includes(":")) continue;
    let cluster = clusters.get(name);
    if (!cluster) {
      cluster = { name, cxTotal: 0, cxConnectFail: 0, rqTotal: 0, rqError: 0, rqByHost: {} };
      clusters.set(name, cluster);
    }
    if (stat === "cx_total") cluster.cxTotal += value;
    else if (stat === "cx_connect_fail") cluster.cxConnectFail += value;
    else if (stat === "rq_error") cluster.rqError += value;
    else if (stat === "rq_total") {
      cluster.rqTotal += value;
      cluster.rqByHost[host] = value;
    }
  }
  return [...clusters.values()];
}
