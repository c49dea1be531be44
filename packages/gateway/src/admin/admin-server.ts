// Envoy's admin listener: GET /clusters (text, or ?format=json), /stats, /config_dump, /ready.
// The seed reads `/clusters` through `pilot-agent request GET /clusters | grep epp`.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { EXT_PROC_STAT_NAMES } from "../ext-proc/ext-proc-stats.js";
import type { GatewayRuntime } from "../gateway-runtime.js";
import { type CircuitBreakerThresholds, ENVOY_DEFAULT_THRESHOLDS } from "../upstream/circuit-breakers.js";
import type { ClusterRuntime } from "../upstream/cluster.js";
import { CLUSTER_STAT_NAMES, HOST_STAT_NAMES } from "../upstream/cluster-stats.js";

/** GET /clusters as Envoy prints it: per cluster its circuit breaker thresholds, then each host's stats. */
export function clustersText(runtime: GatewayRuntime): string {
  const lines: string[] = [];
  for (const { runtime: cluster } of runtime.clusters.values()) {
    const name = cluster.name;
    lines.push(`${name}::observability_name::${name}`);
    for (const [priority, thresholds] of Object.entries(thresholdsOf(cluster))) {
      for (const limit of LIMITS) lines.push(`${name}::${priority}_priority::${limit}::${thresholds[limit]}`);
    }
    lines.push(`${name}::added_via_api::true`);
    for (const host of cluster.hosts.values()) {
      const prefix = `${name}::${host.hostPort}`;
      for (const stat of HOST_STAT_NAMES) lines.push(`${prefix}::${stat}::${host.stats.values[stat]}`);
      lines.push(
        `${prefix}::hostname::`,
        `${prefix}::health_flags::healthy`,
        `${prefix}::weight::1`,
        `${prefix}::region::`,
        `${prefix}::zone::`,
        `${prefix}::sub_zone::`,
        `${prefix}::canary::false`,
        `${prefix}::priority::0`,
        `${prefix}::success_rate::-1.0`,
        `${prefix}::local_origin_success_rate::-1.0`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}

const LIMITS = ["max_connections", "max_pending_requests", "max_requests", "max_retries"] as const;

function thresholdsOf(cluster: ClusterRuntime): { default: CircuitBreakerThresholds; high: CircuitBreakerThresholds } {
  return cluster.config.circuit_breakers ?? { default: ENVOY_DEFAULT_THRESHOLDS, high: ENVOY_DEFAULT_THRESHOLDS };
}

export function clustersJson(runtime: GatewayRuntime): unknown {
  return {
    cluster_statuses: [...runtime.clusters.values()].map(({ runtime: cluster }) => ({
      name: cluster.name,
      observability_name: cluster.name,
      added_via_api: true,
      circuit_breakers: {
        thresholds: Object.entries(thresholdsOf(cluster)).map(([priority, thresholds]) => ({
          ...(priority === "high" ? { priority: "HIGH" } : {}),
          ...Object.fromEntries(LIMITS.map((limit) => [limit, thresholds[limit]])),
        })),
      },
      host_statuses: [...cluster.hosts.values()].map((host) => ({
        address: { socket_address: { address: host.address, port_value: host.port } },
        stats: HOST_STAT_NAMES.map((name) => ({
          name,
          value: String(host.stats.values[name]),
          ...(name.startsWith("cx_active") || name === "rq_active" ? { type: "GAUGE" } : {}),
        })),
        health_status: { eds_health_status: "HEALTHY" },
        weight: 1,
        locality: {},
      })),
    })),
  };
}

export function statsText(runtime: GatewayRuntime): string {
  const lines: string[] = [];
  for (const { runtime: cluster } of runtime.clusters.values()) {
    for (const stat of CLUSTER_STAT_NAMES) lines.push(`cluster.${cluster.name}.${stat}: ${cluster.stats.values[stat]}`);
    const breakers = [...cluster.resources.gauges("default"), ...cluster.highPriorityResources.gauges("high")];
    for (const [gauge, value] of breakers) lines.push(`cluster.${cluster.name}.${gauge}: ${value}`);
    lines.push(
      `cluster.${cluster.name}.membership_healthy: ${cluster.hosts.size}`,
      `cluster.${cluster.name}.membership_total: ${cluster.hosts.size}`,
    );
  }
  for (const listener of runtime.listeners.values()) {
    if (!listener.hasExtProc) continue;
    for (const stat of EXT_PROC_STAT_NAMES)
      lines.push(`http.${listener.statPrefix}.ext_proc.${stat}: ${listener.extProcStats.values[stat]}`);
  }
  return `${lines.sort().join("\n")}\n`;
}

export async function startAdminServer(
  runtime: () => GatewayRuntime,
  rawConfig: () => unknown,
  address: { address: string; port_value: number },
): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://admin");
    const send = (status: number, body: string, type = "text/plain; charset=UTF-8") =>
      response.writeHead(status, { "content-type": type }).end(body);
    switch (url.pathname) {
      case "/clusters":
        if (url.searchParams.get("format") === "json")
          send(200, JSON.stringify(clustersJson(runtime()), null, 2), "application/json");
        else send(200, clustersText(runtime()));
        return;
      case "/stats":
        send(200, statsText(runtime()));
        return;
      case "/config_dump":
        send(200, JSON.stringify(rawConfig(), null, 2), "application/json");
        return;
      case "/ready":
        send(200, "LIVE\n");
        return;
      default:
        send(404, "invalid path. admin commands are: /clusters /config_dump /ready /stats\n");
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(address.port_value, address.address, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}
