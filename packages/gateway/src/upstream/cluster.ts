import type { Cluster } from "../config/envoy-types.js";
import { ClusterResources } from "./circuit-breakers.js";
import { ClusterStats, HostStats } from "./cluster-stats.js";
import { type UpstreamTlsOptions, upstreamTlsOptions } from "./tls-options.js";

const MAX_DYNAMIC_HOSTS = 1024;

export interface UpstreamHost {
  address: string;
  port: number;
  hostPort: string;
  stats: HostStats;
}

export interface HostChoiceInput {
  headers: Record<string, string>;
  /** Dynamic metadata by namespace (e.g. envoy.lb → {x-gateway-destination-endpoint}). */
  metadata: Record<string, Record<string, unknown>>;
  /**
   * A retry's previous_hosts predicate: hosts already tried, and how many more picks the balancer
   * may make to find another (Envoy's host_selection_retry_max_attempts) before keeping the last.
   */
  avoid?: { hosts: Set<string>; reselections: number };
}

/**
 * A cluster as the gateway runs it: its hosts with their stats, and how a host is chosen —
 * round robin over STATIC endpoints; ORIGINAL_DST from a header; or Istio's override-host policy
 * for InferencePools, which takes the host the EPP named (envoy.lb metadata or a header) and falls
 * back to round robin when nobody named one (why Bug 2 looks like 25/25/25/25).
 */
export class ClusterRuntime {
  readonly stats: ClusterStats;
  /** The DEFAULT priority's circuit breakers, which routes use (Envoy builds them anew with a changed cluster). */
  readonly resources: ClusterResources;
  /** The HIGH priority's, listed in /stats; no route of the testbed runs at that priority. */
  readonly highPriorityResources: ClusterResources;
  /** TLS towards its hosts, read once for the HTTP pools and the gRPC client (the CA may be a file). */
  readonly tls: UpstreamTlsOptions | undefined;
  readonly hosts = new Map<string, UpstreamHost>();
  private roundRobin = 0;
  private readonly removalListeners: Array<(hostPort: string) => void> = [];
  private readonly inheritedHostStats = new Map<string, HostStats>();

  /**
   * `previous` is the same cluster in the config version before: its stats objects are shared,
   * not copied, so connections and requests still running on the old version keep counting
   * into the same cx_active / rq_active as Envoy's stats, which live by name across updates.
   */
  constructor(
    readonly config: Cluster,
    previous?: ClusterRuntime,
  ) {
    this.stats = previous?.stats ?? new ClusterStats();
    this.resources = new ClusterResources(config.circuit_breakers?.default);
    this.highPriorityResources = new ClusterResources(config.circuit_breakers?.high);
    this.tls = config.tls ? upstreamTlsOptions(config.tls) : undefined;
    // Only the stats objects are kept, not the old runtime (versions must not chain in memory).
    for (const [hostPort, host] of previous?.hosts ?? []) this.inheritedHostStats.set(hostPort, host.stats);
    for (const endpoint of config.endpoints) this.host(endpoint.address, endpoint.port_value);
  }

  get name(): string {
    return this.config.name;
  }

  /** The host for this request, or undefined when there is none (no healthy upstream). */
  choose(input: HostChoiceInput): UpstreamHost | undefined {
    if (this.config.type === "ORIGINAL_DST") return this.originalDestination(input);
    // The host the EPP named is taken as it is, retry or not (the predicate applies to the fallback).
    const override = this.config.override_host ? this.overrideHost(input) : undefined;
    if (override) return override;
    let host = this.nextRoundRobin();
    for (let pick = 0; host && input.avoid?.hosts.has(host.hostPort) && pick < input.avoid.reselections; pick++) {
      host = this.nextRoundRobin();
    }
    return host;
  }

  private originalDestination(input: HostChoiceInput): UpstreamHost | undefined {
    const header = this.config.original_dst_lb_config?.use_http_header
      ? (this.config.original_dst_lb_config.http_header_name ?? "x-envoy-original-dst-host").toLowerCase()
      : undefined;
    const value = header ? input.headers[header] : undefined;
    const parsed = value ? parseHostPort(value.split(",")[0] ?? "") : undefined;
    return parsed ? this.host(parsed.address, parsed.port) : undefined;
  }

  private overrideHost(input: HostChoiceInput): UpstreamHost | undefined {
    for (const source of this.config.override_host?.sources ?? []) {
      let value: unknown;
      if (source.metadata) {
        value = input.metadata[source.metadata.key];
        for (const step of source.metadata.path) value = (value as Record<string, unknown> | undefined)?.[step.key];
      } else if (source.header) {
        value = input.headers[source.header.toLowerCase()];
      }
      if (typeof value !== "string" || value === "") continue;
      for (const candidate of value.split(",")) {
        const host = this.hosts.get(candidate.trim());
        if (host) return host;
      }
    }
    return undefined;
  }

  private nextRoundRobin(): UpstreamHost | undefined {
    const hosts = [...this.hosts.values()];
    if (hosts.length === 0) return undefined;
    const host = hosts[this.roundRobin % hosts.length];
    this.roundRobin++;
    return host;
  }

  /**
   * The host record for an address, created on first use. ORIGINAL_DST hosts are dynamic: the
   * oldest are dropped beyond MAX_DYNAMIC_HOSTS, as Envoy cleans up unused original-destination hosts.
   */
  host(address: string, port: number): UpstreamHost {
    const hostPort = `${address}:${port}`;
    let host = this.hosts.get(hostPort);
    if (!host) {
      host = { address, port, hostPort, stats: this.inheritedHostStats.get(hostPort) ?? new HostStats() };
      this.hosts.set(hostPort, host);
      if (this.config.type === "ORIGINAL_DST" && this.hosts.size > MAX_DYNAMIC_HOSTS) {
        const oldest = this.hosts.keys().next().value as string;
        this.hosts.delete(oldest);
        for (const listener of this.removalListeners) listener(oldest);
      }
    }
    return host;
  }

  /** Called with host:port when a dynamic host is dropped (pools close its connections). */
  onHostRemoved(listener: (hostPort: string) => void): void {
    this.removalListeners.push(listener);
  }
}

/** host:port or [v6]:port; undefined when it is not one (the port out of range included). */
function parseHostPort(value: string): { address: string; port: number } | undefined {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(value.trim());
  const port = Number(match?.[2]);
  return match && port >= 1 && port <= 65535 ? { address: match[1] as string, port } : undefined;
}
