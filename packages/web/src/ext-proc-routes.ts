// The ext_proc settings each route of a gateway runs with, as the gateway itself reports them: its
// admin /config_dump (after every EnvoyFilter), the HTTP connection manager's base ext_proc filter
// merged with the route's ExtProcPerRoute by the gateway's own rule (effectiveExtProc, which follows
// Envoy's Filter::mergePerRouteConfig). This is the seed's "which body mode does this route use?".
import {
  type EnvoyVersion,
  EXT_PROC_FILTER_NAME,
  type ExternalProcessorConfig,
  type ExtProcPerRoute,
  effectiveExtProc,
} from "@testbed/gateway";
import type { RouteExtProc } from "./page-types.js";

interface HttpConnectionManager {
  http_filters?: { name?: string; typed_config?: ExternalProcessorConfig }[];
  route_config?: {
    virtual_hosts?: {
      routes?: {
        name?: string;
        match?: Record<string, unknown>;
        typed_per_filter_config?: Record<string, ExtProcPerRoute>;
      }[];
    }[];
  };
}

/** Every route of every listener in a /config_dump, with its effective ext_proc settings. */
export function routeExtProcs(gateway: string, configDump: unknown, envoyVersion: EnvoyVersion): RouteExtProc[] {
  const found: RouteExtProc[] = [];
  for (const { listener, hcm } of connectionManagers(configDump)) {
    const base = hcm.http_filters?.find((f) => f.name === EXT_PROC_FILTER_NAME)?.typed_config;
    for (const host of hcm.route_config?.virtual_hosts ?? []) {
      for (const route of host.routes ?? []) {
        const perRoute = route.typed_per_filter_config?.[EXT_PROC_FILTER_NAME];
        const effective = base ? effectiveExtProc(base, perRoute, envoyVersion) : undefined;
        found.push({
          gateway,
          listener,
          route: route.name ?? "",
          match: describeMatch(route.match ?? {}),
          enabled: effective?.enabled ?? false,
          cluster: effective?.clusterName,
          requestBodyMode: effective?.mode.request_body_mode ?? "NONE",
          responseBodyMode: effective?.mode.response_body_mode ?? "NONE",
          requestHeaderMode: effective?.mode.request_header_mode ?? "SKIP",
          failureModeAllow: effective?.failureModeAllow ?? false,
          source: perRoute ? "route override" : "base filter",
        });
      }
    }
  }
  return found;
}

function describeMatch(match: Record<string, unknown>): string {
  for (const [key, value] of Object.entries(match)) {
    if (typeof value === "string") return `${key.replace(/_/g, " ")} ${value}`;
  }
  return "";
}

/** Each listener's HTTP connection manager config, found by shape wherever the dump nests it. */
function connectionManagers(dump: unknown): { listener: string; hcm: HttpConnectionManager }[] {
  const found: { listener: string; hcm: HttpConnectionManager }[] = [];
  const visit = (node: unknown, listener: string) => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item, listener);
      return;
    }
    if (!node || typeof node !== "object") return;
    const record = node as Record<string, unknown>;
    const name = typeof record.name === "string" && "filter_chains" in record ? record.name : listener;
    if (Array.isArray(record.http_filters) && record.route_config) {
      found.push({ listener: name, hcm: record as HttpConnectionManager });
      return;
    }
    for (const child of Object.values(record)) visit(child, name);
  };
  visit(dump, "");
  return found;
}
