// Envoy's admin listener: /clusters (text, or ?format=json), /config_dump, /stats (text, json,
// prometheus), /server_info, /listeners, /certs, /ready. The seed reads `/clusters` through
// `pilot-agent request GET /clusters | grep epp`.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Clock } from "@testbed/common";
import { answerTraceParts, type TraceRing } from "@testbed/trace";
import type { EnvoyVersion } from "../envoy-version.js";
import type { GatewayRuntime } from "../gateway-runtime.js";
import { type CircuitBreakerThresholds, ENVOY_DEFAULT_THRESHOLDS } from "../upstream/circuit-breakers.js";
import type { ClusterRuntime } from "../upstream/cluster.js";
import { HOST_STAT_NAMES } from "../upstream/cluster-stats.js";
import { certificates } from "./certs-admin.js";
import { type AdminReply, configDump } from "./config-dump.js";
import type { ConfigHistory } from "./config-history.js";
import { type BoundListener, listenersJson, listenersText } from "./listeners-admin.js";
import { serverInfo } from "./server-info.js";
import { statsReply } from "./stats-formats.js";
import { statsSnapshot } from "./stats-snapshot.js";

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

/** GET /stats as text, with the config's stats_matcher applied. */
export function statsText(runtime: GatewayRuntime, uptimeSeconds = 0): string {
  return statsReply(
    statsSnapshot({ runtime, stats: runtime.config.stats, uptimeSeconds }),
    new URLSearchParams(),
    runtime.config.stats,
  ).body;
}

/** What the admin listener reads. */
export interface AdminSources {
  runtime(): GatewayRuntime;
  history: ConfigHistory;
  /** The listeners as bound, for /listeners. */
  listeners(): BoundListener[];
  envoyVersion: EnvoyVersion;
  clock: Clock;
  /** clock.now() when the gateway started. */
  startedAt: number;
  /** The routing trace's ring, served at /debug/traces (the testbed's side channel, not an Envoy admin path). */
  traces?: TraceRing;
}

const TEXT = "text/plain; charset=UTF-8";
const JSON_TYPE = "application/json";

/** Envoy's admin handlers the gateway serves, with Envoy's help texts. */
const HANDLERS: Record<
  string,
  { help: string; handle: (sources: AdminSources, query: URLSearchParams) => AdminReply }
> = {
  "/certs": {
    help: "print certs on machine",
    handle: (s) => json(certificates(s.runtime().config, s.clock.now())),
  },
  "/clusters": {
    help: "upstream cluster status",
    handle: (s, query) =>
      query.get("format") === "json"
        ? json(clustersJson(s.runtime()), 2)
        : { status: 200, body: clustersText(s.runtime()), contentType: TEXT },
  },
  "/config_dump": {
    help: "dump current Envoy configs (experimental)",
    handle: (s, query) => configDump({ history: s.history, runtime: s.runtime() }, query),
  },
  "/listeners": {
    help: "print listener info",
    handle: (s, query) =>
      query.get("format") === "json"
        ? json(listenersJson(s.listeners()))
        : { status: 200, body: listenersText(s.listeners()), contentType: TEXT },
  },
  "/ready": {
    help: "print server state, return 200 if LIVE, otherwise return 503",
    handle: () => ({ status: 200, body: "LIVE\n", contentType: TEXT }),
  },
  "/server_info": {
    help: "print server version/status information",
    handle: (s) =>
      json(serverInfo({ envoyVersion: s.envoyVersion, uptimeSeconds: uptime(s), node: s.history.document.node })),
  },
  "/stats": {
    help: "print server stats",
    handle: (s, query) => statsReply(snapshot(s), query, s.runtime().config.stats),
  },
  "/stats/prometheus": {
    help: "print server stats in prometheus format",
    handle: (s, query) => {
      // The same handler as /stats?format=prometheus: ?filter and ?usedonly apply too.
      const params = new URLSearchParams(query);
      params.set("format", "prometheus");
      return statsReply(snapshot(s), params, s.runtime().config.stats);
    },
  },
};

function snapshot(sources: AdminSources) {
  const runtime = sources.runtime();
  return statsSnapshot({ runtime, stats: runtime.config.stats, uptimeSeconds: uptime(sources) });
}

function uptime(sources: AdminSources): number {
  return (sources.clock.now() - sources.startedAt) / 1000;
}

function json(value: unknown, indent = 1): AdminReply {
  return { status: 200, body: `${JSON.stringify(value, null, indent)}\n`, contentType: JSON_TYPE };
}

function notFound(): AdminReply {
  const commands = Object.entries(HANDLERS).map(([path, { help }]) => `  ${path}: ${help}\n`);
  return { status: 404, body: `invalid path. admin commands are:\n${commands.join("")}`, contentType: TEXT };
}

export async function startAdminServer(
  sources: AdminSources,
  address: { address: string; port_value: number },
): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://admin");
    let reply: AdminReply;
    try {
      reply =
        (sources.traces && answerTraceParts(sources.traces, request.method ?? "GET", request.url ?? "/")) ??
        HANDLERS[url.pathname]?.handle(sources, url.searchParams) ??
        notFound();
    } catch (error) {
      reply = { status: 500, body: `${(error as Error).message}\n`, contentType: TEXT };
    }
    const headers: Record<string, string> = { "content-type": reply.contentType };
    if (reply.status >= 400) headers["x-content-type-options"] = "nosniff";
    response.writeHead(reply.status, headers).end(reply.body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(address.port_value, address.address, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}
