// One EnvoyFilter configPatch applied to a gateway bootstrap in place: find what `match` selects
// for `applyTo`, then run the operation there. Operations Istio does not allow for an applyTo
// (REPLACE on a cluster, ADD on an HTTP_ROUTE, …) and kinds the gateway has no config for
// (EXTENSION_CONFIG, LISTENER_FILTER) are PatchErrors, so the EnvoyFilter is skipped with a warning.
import {
  clustersOf,
  connectionManagersOf,
  filterChainsOf,
  httpFiltersOf,
  listenersOf,
  networkFiltersOf,
  routeConfigurationsOf,
  routesOf,
  virtualHostsOf,
} from "./config-walk.js";
import type { EnvoyFilterTarget } from "./envoy-filter-selection.js";
import { applyToList, mergeInto, type Operation, PatchError } from "./list-operations.js";
import {
  clusterMatches,
  contextApplies,
  filterChainMatches,
  listenerMatches,
  type PatchMatch,
  routeConfigurationMatches,
  routeMatches,
  virtualHostMatches,
} from "./patch-match.js";
import { isPlainObject, toProtoFieldNames } from "./proto-merge.js";

type Json = Record<string, unknown>;

/** One entry of an EnvoyFilter's `configPatches`. */
export interface ConfigPatch {
  applyTo?: string;
  match?: PatchMatch;
  patch?: { operation?: string; value?: unknown };
}

/** The order istiod applies patches in: listener-side top-down, then routes, then clusters. */
export const APPLY_ORDER = [
  "LISTENER",
  "FILTER_CHAIN",
  "NETWORK_FILTER",
  "HTTP_FILTER",
  "ROUTE_CONFIGURATION",
  "VIRTUAL_HOST",
  "HTTP_ROUTE",
  "CLUSTER",
] as const;

const ALLOWED: Record<string, Operation[]> = {
  LISTENER: ["ADD", "REMOVE", "MERGE"],
  FILTER_CHAIN: ["ADD", "REMOVE", "MERGE"],
  NETWORK_FILTER: ["ADD", "REMOVE", "MERGE", "INSERT_BEFORE", "INSERT_AFTER", "INSERT_FIRST", "REPLACE"],
  HTTP_FILTER: ["ADD", "REMOVE", "MERGE", "INSERT_BEFORE", "INSERT_AFTER", "INSERT_FIRST", "REPLACE"],
  ROUTE_CONFIGURATION: ["MERGE"],
  VIRTUAL_HOST: ["ADD", "REMOVE", "MERGE"],
  HTTP_ROUTE: ["MERGE", "REMOVE", "INSERT_BEFORE", "INSERT_AFTER", "INSERT_FIRST"],
  CLUSTER: ["ADD", "REMOVE", "MERGE"],
};

/** Apply one patch; returns how many config elements it changed (0 = its match selected nothing). */
export function applyConfigPatch(config: Json, patch: ConfigPatch, target: EnvoyFilterTarget): number {
  const applyTo = String(patch.applyTo ?? "");
  const operation = String(patch.patch?.operation ?? "") as Operation;
  const allowed = ALLOWED[applyTo];
  if (!allowed) throw new PatchError(`applyTo ${applyTo || "(unset)"} is not supported by the testbed mesh`);
  if (!allowed.includes(operation)) {
    throw new PatchError(`operation ${operation || "(unset)"} is not valid for applyTo ${applyTo}`);
  }
  if (!contextApplies(patch.match)) return 0;
  const raw = patch.patch?.value;
  if (raw !== undefined && !isPlainObject(raw)) throw new PatchError("patch.value must be a map");
  const value = raw === undefined ? undefined : (toProtoFieldNames(raw) as Json);
  const match = patch.match ?? {};
  switch (applyTo) {
    case "LISTENER":
      return applyToList(listenersOf(config), operation, (l) => listenerMatches(l, match.listener), true, value);
    case "FILTER_CHAIN":
      return patchFilterChains(config, match, operation, value);
    case "NETWORK_FILTER":
      return patchNetworkFilters(config, match, operation, value);
    case "HTTP_FILTER":
      return patchHttpFilters(config, match, operation, value);
    case "ROUTE_CONFIGURATION":
      return patchRouteConfigurations(config, match, target, value as Json);
    case "VIRTUAL_HOST":
      return patchVirtualHosts(config, match, target, operation, value);
    case "HTTP_ROUTE":
      return patchRoutes(config, match, target, operation, value);
    default:
      return patchClusters(config, match, operation, value);
  }
}

function matchedListeners(config: Json, match: PatchMatch): Json[] {
  return listenersOf(config).filter((listener) => listenerMatches(listener, match.listener));
}

function patchFilterChains(config: Json, match: PatchMatch, operation: Operation, value: Json | undefined): number {
  let count = 0;
  for (const listener of matchedListeners(config, match)) {
    const select = (chain: Json) => filterChainMatches(chain, match.listener?.filterChain, true);
    count += applyToList(filterChainsOf(listener), operation, select, true, value);
  }
  return count;
}

function patchNetworkFilters(config: Json, match: PatchMatch, operation: Operation, value: Json | undefined): number {
  requireNamedFilter(operation, value);
  const filterName = match.listener?.filterChain?.filter?.name;
  let count = 0;
  for (const listener of matchedListeners(config, match)) {
    for (const chain of filterChainsOf(listener)) {
      if (!filterChainMatches(chain, match.listener?.filterChain, false)) continue;
      const select = (filter: Json) => filterName === undefined || filter.name === filterName;
      count += applyToList(networkFiltersOf(chain), operation, select, filterName !== undefined, value);
    }
  }
  return count;
}

function patchHttpFilters(config: Json, match: PatchMatch, operation: Operation, value: Json | undefined): number {
  requireNamedFilter(operation, value);
  const subFilter = match.listener?.filterChain?.filter?.subFilter?.name;
  let count = 0;
  for (const listener of matchedListeners(config, match)) {
    for (const chain of filterChainsOf(listener)) {
      // The chain must hold the named network filter (the HCM); the sub-filter is the element to patch.
      if (!filterChainMatches(chain, match.listener?.filterChain, true)) continue;
      for (const hcm of connectionManagersOf(chain)) {
        const select = (filter: Json) => subFilter === undefined || filter.name === subFilter;
        count += applyToList(httpFiltersOf(hcm), operation, select, subFilter !== undefined, value);
      }
    }
  }
  return count;
}

function requireNamedFilter(operation: Operation, value: Json | undefined): void {
  const inserts = operation === "ADD" || operation.startsWith("INSERT_") || operation === "REPLACE";
  if (inserts && typeof value?.name !== "string") throw new PatchError(`${operation} of a filter needs value.name`);
}

function matchedRouteConfigs(config: Json, match: PatchMatch, target: EnvoyFilterTarget): Json[] {
  return routeConfigurationsOf(config)
    .filter(({ listener, routeConfig }) =>
      routeConfigurationMatches(listener, routeConfig, match.routeConfiguration, target),
    )
    .map(({ routeConfig }) => routeConfig);
}

function patchRouteConfigurations(config: Json, match: PatchMatch, target: EnvoyFilterTarget, value: Json): number {
  if (!value) throw new PatchError("MERGE needs patch.value");
  const routeConfigs = matchedRouteConfigs(config, match, target);
  for (const routeConfig of routeConfigs) mergeInto(routeConfig, value);
  return routeConfigs.length;
}

function patchVirtualHosts(
  config: Json,
  match: PatchMatch,
  target: EnvoyFilterTarget,
  operation: Operation,
  value: Json | undefined,
): number {
  let count = 0;
  for (const routeConfig of matchedRouteConfigs(config, match, target)) {
    const select = (host: Json) => virtualHostMatches(host, match.routeConfiguration?.vhost);
    count += applyToList(virtualHostsOf(routeConfig), operation, select, true, value);
  }
  return count;
}

/** Routes by name (no name = every route); the vhost match narrows which hosts are visited. */
function patchRoutes(
  config: Json,
  match: PatchMatch,
  target: EnvoyFilterTarget,
  operation: Operation,
  value: Json | undefined,
): number {
  const routeMatch = match.routeConfiguration?.vhost?.route;
  let count = 0;
  for (const routeConfig of matchedRouteConfigs(config, match, target)) {
    for (const host of virtualHostsOf(routeConfig)) {
      if (!virtualHostMatches(host, match.routeConfiguration?.vhost)) continue;
      const select = (route: Json) => routeMatches(route, routeMatch);
      count += applyToList(routesOf(host), operation, select, routeMatch?.name !== undefined, value);
    }
  }
  return count;
}

function patchClusters(config: Json, match: PatchMatch, operation: Operation, value: Json | undefined): number {
  const clusters = clustersOf(config);
  if (operation === "ADD") {
    const name = value?.name;
    if (typeof name !== "string" || name === "") throw new PatchError("ADD of a cluster needs value.name");
    if (clusters.some((c) => c.name === name)) throw new PatchError(`cluster ${name} already exists`);
  }
  return applyToList(clusters, operation, (cluster) => clusterMatches(cluster, match.cluster), true, value);
}
