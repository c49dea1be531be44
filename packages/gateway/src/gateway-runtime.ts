import { isDeepStrictEqual } from "node:util";
import { GatewayConfigError } from "./config/config-error.js";
import { duration } from "./config/config-reader.js";
import type { Cluster, GatewayConfig, HttpFilter, Listener } from "./config/envoy-types.js";
import { EXT_PROC_FILTER_NAME, readExternalProcessor } from "./ext-proc/ext-proc-config.js";
import { ExtProcFilterFactory } from "./ext-proc/ext-proc-filter-factory.js";
import type { MeshProfile } from "./ext-proc/ext-proc-merge.js";
import { ExtProcStats } from "./ext-proc/ext-proc-stats.js";
import type { HttpFilterFactory } from "./filters/http-filter.js";
import { GrpcClusterClient } from "./grpc/grpc-cluster-client.js";
import { EXT_AUTHZ_FILTER_NAME, ExtAuthzFilterFactory } from "./kuadrant-filters/ext-authz-filter.js";
import { RATE_LIMIT_FILTER_NAME, RateLimitFilterFactory } from "./kuadrant-filters/rate-limit-filter.js";
import { RouteTable } from "./routing/route-table.js";
import { ClusterRuntime } from "./upstream/cluster.js";
import { UpstreamConnector } from "./upstream/http-upstream.js";
import { trustedCaSnapshot } from "./upstream/tls-options.js";

/**
 * Everything one version of the config turns into: clusters with their connection pools and
 * stats, and per listener its route table and HTTP filter chain. `update(config)` builds a new
 * runtime; requests already running keep the one they started with. A cluster whose config is
 * unchanged is carried over whole (its connections stay open, its circuit breakers keep counting);
 * a changed one starts new pools but keeps its stats, as do listeners of the same name — Envoy
 * keeps stats by name across updates.
 */
export class ClusterEntry {
  readonly http: UpstreamConnector;
  private grpcClient: GrpcClusterClient | undefined;

  constructor(readonly runtime: ClusterRuntime) {
    this.http = new UpstreamConnector(runtime);
  }

  /** Whether this entry can serve `cluster` as it is: same config, same CA file content. */
  serves(cluster: Cluster): boolean {
    return isDeepStrictEqual(this.runtime.config, cluster) && trustedCaSnapshot(cluster.tls) === this.runtime.tls?.ca;
  }

  /** gRPC calls to this cluster (ext_proc, ext_authz, ratelimit), on its HTTP/2 connections. */
  get grpc(): GrpcClusterClient {
    this.grpcClient ??= new GrpcClusterClient(this.runtime);
    return this.grpcClient;
  }

  close(): void {
    this.http.close();
    this.grpcClient?.close();
  }
}

export interface ListenerRuntime {
  config: Listener;
  routes: RouteTable;
  filters: HttpFilterFactory[];
  extProcStats: ExtProcStats;
  statPrefix: string;
  /** Whether the chain has an ext_proc filter (its stats are then listed). */
  hasExtProc: boolean;
}

export class GatewayRuntime {
  readonly clusters = new Map<string, ClusterEntry>();
  readonly listeners = new Map<string, ListenerRuntime>();

  constructor(
    readonly config: GatewayConfig,
    previous: GatewayRuntime | undefined,
    warnings: string[],
    readonly meshProfile: MeshProfile,
  ) {
    for (const cluster of config.clusters) {
      const kept = previous?.clusters.get(cluster.name);
      // Envoy leaves a cluster whose config did not change as it is: pools, connections, breakers.
      if (kept?.serves(cluster)) {
        this.clusters.set(cluster.name, kept);
        continue;
      }
      this.clusters.set(cluster.name, new ClusterEntry(new ClusterRuntime(cluster, kept?.runtime)));
    }
    config.listeners.forEach((listener, index) => {
      const hcm = listener.http_connection_manager;
      const extProcStats = previous?.listeners.get(listener.name)?.extProcStats ?? new ExtProcStats();
      const filters: HttpFilterFactory[] = [];
      hcm.http_filters.forEach((filter, filterIndex) => {
        const path = `static_resources.listeners[${index}].http_connection_manager.http_filters[${filterIndex}]`;
        const factory = this.filterFactory(filter, path, extProcStats);
        if (factory) filters.push(factory);
        else if (filter.name !== "envoy.filters.http.router")
          warnings.push(`${path}: filter ${filter.name} is not modelled by the testbed gateway, skipped`);
      });
      this.listeners.set(listener.name, {
        config: listener,
        routes: new RouteTable(hcm.route_config),
        filters,
        extProcStats,
        statPrefix: hcm.stat_prefix ?? listener.name,
        hasExtProc: filters.some((f) => f.name === EXT_PROC_FILTER_NAME),
      });
    });
  }

  private filterFactory(filter: HttpFilter, path: string, extProcStats: ExtProcStats): HttpFilterFactory | undefined {
    if (filter.disabled) return undefined;
    const type = String(filter.typed_config?.["@type"] ?? "");
    if (filter.name === EXT_PROC_FILTER_NAME || type.endsWith(".ExternalProcessor")) {
      return new ExtProcFilterFactory(readExternalProcessor(filter, path), extProcStats, this.meshProfile);
    }
    const typed = (filter.typed_config ?? {}) as Record<string, unknown>;
    if (filter.name === EXT_AUTHZ_FILTER_NAME || type.endsWith(".ExtAuthz")) {
      return new ExtAuthzFilterFactory(
        {
          clusterName: clusterOf(typed.grpc_service, `${path}.typed_config.grpc_service`),
          timeoutMs: timeoutOf(typed.grpc_service, 0.2, `${path}.typed_config.grpc_service.timeout`),
          failureModeAllow: typed.failure_mode_allow === true,
          statusOnError: Number((typed.status_on_error as { code?: number } | undefined)?.code ?? 403),
        },
        (name) => this.clusters.get(name)?.grpc,
      );
    }
    if (filter.name === RATE_LIMIT_FILTER_NAME || type.endsWith(".ratelimit.v3.RateLimit")) {
      const service = (typed.rate_limit_service ?? {}) as Record<string, unknown>;
      return new RateLimitFilterFactory(
        {
          domain: String(typed.domain ?? ""),
          clusterName: clusterOf(service.grpc_service, `${path}.typed_config.rate_limit_service.grpc_service`),
          timeoutMs: typed.timeout !== undefined ? duration(typed.timeout, `${path}.typed_config.timeout`) * 1000 : 20,
          failureModeDeny: typed.failure_mode_deny === true,
        },
        (name) => this.clusters.get(name)?.grpc,
      );
    }
    return undefined;
  }

  /** Closes this version's clusters, except those `successor` kept. */
  close(successor?: GatewayRuntime): void {
    for (const [name, entry] of this.clusters) {
      if (successor?.clusters.get(name) !== entry) entry.close();
    }
  }
}

function clusterOf(grpcService: unknown, path: string): string {
  const name = (grpcService as { envoy_grpc?: { cluster_name?: unknown } } | undefined)?.envoy_grpc?.cluster_name;
  if (typeof name !== "string" || name === "")
    throw new GatewayConfigError(`${path}.envoy_grpc.cluster_name`, "is required");
  return name;
}

function timeoutOf(grpcService: unknown, fallbackSeconds: number, path: string): number {
  const timeout = (grpcService as { timeout?: unknown } | undefined)?.timeout;
  return (timeout === undefined ? fallbackSeconds : duration(timeout, path)) * 1000;
}
