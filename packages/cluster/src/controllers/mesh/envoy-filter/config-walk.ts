// Live references into a gateway bootstrap (static_resources.listeners / clusters, filter chains,
// HTTP connection managers, their inline route configs), so patches can edit it in place.
import { isPlainObject } from "./proto-merge.js";

type Json = Record<string, unknown>;

export const HCM_FILTER = "envoy.filters.network.http_connection_manager";

function arrayAt(owner: Json, field: string): Json[] {
  if (!Array.isArray(owner[field])) owner[field] = [];
  return owner[field] as Json[];
}

function resources(config: Json): Json {
  if (!isPlainObject(config.static_resources)) config.static_resources = {};
  return config.static_resources as Json;
}

export function listenersOf(config: Json): Json[] {
  return arrayAt(resources(config), "listeners");
}

export function clustersOf(config: Json): Json[] {
  return arrayAt(resources(config), "clusters");
}

export function filterChainsOf(listener: Json): Json[] {
  return arrayAt(listener, "filter_chains");
}

export function networkFiltersOf(chain: Json): Json[] {
  return arrayAt(chain, "filters");
}

export function listenerPort(listener: Json): number | undefined {
  const socket = (listener.address as { socket_address?: { port_value?: unknown } } | undefined)?.socket_address;
  return socket?.port_value === undefined ? undefined : Number(socket.port_value);
}

/** The HttpConnectionManager configs of a filter chain. */
export function connectionManagersOf(chain: Json): Json[] {
  return networkFiltersOf(chain)
    .filter((filter) => filter.name === HCM_FILTER && isPlainObject(filter.typed_config))
    .map((filter) => filter.typed_config as Json);
}

export function httpFiltersOf(hcm: Json): Json[] {
  return arrayAt(hcm, "http_filters");
}

/** Every inline route configuration, with the listener that serves it. */
export function routeConfigurationsOf(config: Json): Array<{ listener: Json; routeConfig: Json }> {
  const out: Array<{ listener: Json; routeConfig: Json }> = [];
  for (const listener of listenersOf(config)) {
    for (const chain of filterChainsOf(listener)) {
      for (const hcm of connectionManagersOf(chain)) {
        if (isPlainObject(hcm.route_config)) out.push({ listener, routeConfig: hcm.route_config });
      }
    }
  }
  return out;
}

export function virtualHostsOf(routeConfig: Json): Json[] {
  return arrayAt(routeConfig, "virtual_hosts");
}

export function routesOf(virtualHost: Json): Json[] {
  return arrayAt(virtualHost, "routes");
}
