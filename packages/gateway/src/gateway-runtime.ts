// One version of the gateway's config made runnable: clusters with their pools and gRPC clients,
// and per listener its route table and HTTP filter chain (built through the filter registry).
import { isDeepStrictEqual } from "node:util";
import { type Clock, systemClock } from "@testbed/common";
import type { Cluster, GatewayConfig, Listener, Route } from "./config/envoy-types.js";
import type { EnvoyVersion } from "./envoy-version.js";
import { EXT_PROC_FILTER_NAME } from "./ext-proc/ext-proc-config.js";
import { unknownPerRouteFields } from "./ext-proc/ext-proc-merge.js";
import { ExtProcStats } from "./ext-proc/ext-proc-stats.js";
import { type FilterRegistry, ROUTER_FILTER_NAME } from "./filters/filter-registry.js";
import { GATEWAY_FILTERS } from "./filters/gateway-filters.js";
import type { FilterContext, HttpFilterFactory } from "./filters/http-filter.js";
import { GrpcClusterClient } from "./grpc/grpc-cluster-client.js";
import { RouteTable } from "./routing/route-table.js";
import { ClusterRuntime } from "./upstream/cluster.js";
import { UpstreamConnector } from "./upstream/http-upstream.js";
import { trustedCaSnapshot } from "./upstream/tls-options.js";

/** One cluster of a config version: its HTTP connector and, on first use, its gRPC client. */
export class ClusterEntry {
  readonly http: UpstreamConnector;
  private grpcClient: GrpcClusterClient | undefined;

  constructor(
    readonly runtime: ClusterRuntime,
    private readonly clock: Clock = systemClock,
  ) {
    this.http = new UpstreamConnector(runtime, clock);
  }

  /** Whether this entry can serve `cluster` as it is: same config, same CA file content. */
  serves(cluster: Cluster): boolean {
    return isDeepStrictEqual(this.runtime.config, cluster) && trustedCaSnapshot(cluster.tls) === this.runtime.tls?.ca;
  }

  /** gRPC calls to this cluster (ext_proc, ext_authz, ratelimit), on its HTTP/2 connections. */
  get grpc(): GrpcClusterClient {
    this.grpcClient ??= new GrpcClusterClient(this.runtime, this.clock);
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

/**
 * Everything one version of the config turns into: clusters with their connection pools and
 * stats, and per listener its route table and HTTP filter chain. `update(config)` builds a new
 * runtime; requests already running keep the one they started with. A cluster whose config is
 * unchanged is carried over whole (its connections stay open, its circuit breakers keep counting);
 * a changed one starts new pools but keeps its stats, as do listeners of the same name — Envoy
 * keeps stats by name across updates.
 */
export class GatewayRuntime {
  readonly clusters = new Map<string, ClusterEntry>();
  readonly listeners = new Map<string, ListenerRuntime>();

  constructor(
    readonly config: GatewayConfig,
    previous: GatewayRuntime | undefined,
    warnings: string[],
    /** The Envoy release the filters behave as. */
    readonly envoyVersion: EnvoyVersion,
    /** Times the filters' and gRPC clients' timers (ext_proc message_timeout, deadlines, connect timeouts). */
    readonly clock: Clock = systemClock,
    filterRegistry: FilterRegistry = GATEWAY_FILTERS,
  ) {
    for (const cluster of config.clusters) {
      const kept = previous?.clusters.get(cluster.name);
      // Envoy leaves a cluster whose config did not change as it is: pools, connections, breakers.
      if (kept?.serves(cluster)) {
        this.clusters.set(cluster.name, kept);
        continue;
      }
      this.clusters.set(cluster.name, new ClusterEntry(new ClusterRuntime(cluster, kept?.runtime), clock));
    }
    config.listeners.forEach((listener, index) => {
      const hcm = listener.http_connection_manager;
      const extProcStats = previous?.listeners.get(listener.name)?.extProcStats ?? new ExtProcStats();
      const filters: HttpFilterFactory[] = [];
      hcm.http_filters.forEach((filter, filterIndex) => {
        const path = `static_resources.listeners[${index}].http_connection_manager.http_filters[${filterIndex}]`;
        const registration = filter.disabled ? undefined : filterRegistry.find(filter);
        if (registration) filters.push(registration.build(filter, { path, envoyVersion, extProcStats, warnings }));
        else if (filter.name !== ROUTER_FILTER_NAME)
          warnings.push(`${path}: filter ${filter.name} is not modelled by the testbed gateway, skipped`);
      });
      const routeConfigPath = `static_resources.listeners[${index}].http_connection_manager.route_config`;
      warnings.push(...unknownPerRouteFields(hcm.route_config, envoyVersion, routeConfigPath));
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

  /** What the filters of one request on this config may use. */
  filterContext(
    route: Route,
    routeName: string,
    downstream: FilterContext["downstream"],
    trace?: FilterContext["trace"],
  ): FilterContext {
    return {
      route,
      routeName,
      downstream,
      grpc: this.grpcClient,
      clock: this.clock,
      trace,
    };
  }

  /** A cluster's gRPC client for the filters: one function per config version, not one per request. */
  private readonly grpcClient: FilterContext["grpc"] = (clusterName) => this.clusters.get(clusterName)?.grpc;

  /** Closes this version's clusters, except those `successor` kept. */
  close(successor?: GatewayRuntime): void {
    for (const [name, entry] of this.clusters) {
      if (successor?.clusters.get(name) !== entry) entry.close();
    }
  }
}
