import type { ExternalProcessorConfig, GatewayConfig, Listener } from "./config/envoy-types.js";
import { EXT_PROC_FILTER_NAME, readExternalProcessor } from "./ext-proc/ext-proc-config.js";
import { ExtProcStats } from "./ext-proc/ext-proc-stats.js";
import { GrpcClusterClient } from "./ext-proc/grpc-cluster-client.js";
import { RouteTable } from "./routing/route-table.js";
import { ClusterRuntime } from "./upstream/cluster.js";
import { UpstreamConnector } from "./upstream/http-upstream.js";

/**
 * Everything one version of the config turns into: clusters with their connection pools and
 * stats, and per listener its route table and HTTP filter chain. `update(config)` builds a new
 * runtime; requests already running keep the one they started with. Cluster stats carry over
 * between versions for clusters of the same name, as Envoy keeps them across config updates.
 */
export interface ClusterEntry {
  runtime: ClusterRuntime;
  http: UpstreamConnector;
  grpc: GrpcClusterClient;
}

export interface ListenerRuntime {
  config: Listener;
  routes: RouteTable;
  /** The base ext_proc filter, when the chain has one. */
  extProc: ExternalProcessorConfig | undefined;
  extProcStats: ExtProcStats;
  statPrefix: string;
}

export class GatewayRuntime {
  readonly clusters = new Map<string, ClusterEntry>();
  readonly listeners = new Map<string, ListenerRuntime>();

  constructor(
    readonly config: GatewayConfig,
    previous: GatewayRuntime | undefined,
    warnings: string[],
  ) {
    for (const cluster of config.clusters) {
      const runtime = new ClusterRuntime(cluster);
      const old = previous?.clusters.get(cluster.name)?.runtime;
      if (old) inheritStats(runtime, old);
      this.clusters.set(cluster.name, {
        runtime,
        http: new UpstreamConnector(runtime),
        grpc: new GrpcClusterClient(runtime),
      });
    }
    config.listeners.forEach((listener, index) => {
      const hcm = listener.http_connection_manager;
      const statPrefix = hcm.stat_prefix ?? listener.name;
      let extProc: ExternalProcessorConfig | undefined;
      hcm.http_filters.forEach((filter, filterIndex) => {
        const path = `static_resources.listeners[${index}].http_connection_manager.http_filters[${filterIndex}]`;
        if (
          filter.name === EXT_PROC_FILTER_NAME ||
          String(filter.typed_config?.["@type"] ?? "").endsWith("ExternalProcessor")
        ) {
          if (!filter.disabled) extProc = readExternalProcessor(filter, path);
        } else if (filter.name !== "envoy.filters.http.router") {
          warnings.push(`${path}: filter ${filter.name} is not modelled by the testbed gateway, skipped`);
        }
      });
      const previousStats = previous?.listeners.get(listener.name)?.extProcStats;
      this.listeners.set(listener.name, {
        config: listener,
        routes: new RouteTable(hcm.route_config),
        extProc,
        extProcStats: previousStats ?? new ExtProcStats(),
        statPrefix,
      });
    });
  }

  close(): void {
    for (const entry of this.clusters.values()) {
      entry.http.close();
      entry.grpc.close();
    }
  }
}

function inheritStats(next: ClusterRuntime, old: ClusterRuntime): void {
  Object.assign(next.stats.values, old.stats.values);
  for (const [hostPort, host] of old.hosts) {
    const target = next.hosts.get(hostPort);
    if (target) Object.assign(target.stats.values, host.stats.values);
  }
}
