// EnvoyFilter `match` predicates (istio/api envoy_filter.proto) evaluated against generated config.
// Unset fields match everything.
import { parseOutboundCluster } from "../names.js";
import { listenerPort } from "./config-walk.js";
import type { EnvoyFilterTarget } from "./envoy-filter-selection.js";

type Json = Record<string, unknown>;

export interface ListenerMatch {
  portNumber?: number;
  name?: string;
  filterChain?: {
    name?: string;
    sni?: string;
    transportProtocol?: string;
    destinationPort?: number;
    filter?: { name?: string; subFilter?: { name?: string } };
  };
}

export interface RouteConfigurationMatch {
  portNumber?: number;
  portName?: string;
  gateway?: string;
  name?: string;
  vhost?: { name?: string; domainName?: string; route?: { name?: string; action?: string } };
}

export interface ClusterMatch {
  portNumber?: number;
  service?: string;
  subset?: string;
  name?: string;
}

export interface PatchMatch {
  context?: string;
  listener?: ListenerMatch;
  routeConfiguration?: RouteConfigurationMatch;
  cluster?: ClusterMatch;
}

/** Gateways are matched by GATEWAY and ANY (the default); SIDECAR_* contexts never apply. */
export function contextApplies(match: PatchMatch | undefined): boolean {
  const context = match?.context ?? "ANY";
  return context === "ANY" || context === "GATEWAY";
}

export function listenerMatches(listener: Json, match: ListenerMatch | undefined): boolean {
  if (!match) return true;
  if (match.portNumber !== undefined && listenerPort(listener) !== Number(match.portNumber)) return false;
  return match.name === undefined || listener.name === match.name;
}

/** A filter chain against filterChain's own fields and, when asked, the network filter it must hold. */
export function filterChainMatches(chain: Json, match: ListenerMatch["filterChain"], withFilter: boolean): boolean {
  if (!match) return true;
  const chainMatch = (chain.filter_chain_match ?? {}) as {
    server_names?: string[];
    transport_protocol?: string;
    destination_port?: number;
  };
  if (match.name !== undefined && chain.name !== match.name) return false;
  if (match.sni !== undefined && !(chainMatch.server_names ?? []).includes(match.sni)) return false;
  if (match.transportProtocol !== undefined) {
    const protocol = chainMatch.transport_protocol ?? (chain.transport_socket ? "tls" : "raw_buffer");
    if (protocol !== match.transportProtocol) return false;
  }
  if (match.destinationPort !== undefined && Number(chainMatch.destination_port) !== Number(match.destinationPort)) {
    return false;
  }
  if (withFilter && match.filter?.name !== undefined) {
    const filters = (chain.filters ?? []) as Json[];
    if (!filters.some((f) => f.name === match.filter?.name)) return false;
  }
  return true;
}

export function routeConfigurationMatches(
  listener: Json,
  routeConfig: Json,
  match: RouteConfigurationMatch | undefined,
  target: EnvoyFilterTarget,
): boolean {
  if (!match) return true;
  if (match.portNumber !== undefined && listenerPort(listener) !== Number(match.portNumber)) return false;
  if (match.name !== undefined && routeConfig.name !== match.name) return false;
  if (match.gateway !== undefined && !match.gateway.startsWith(`${target.namespace}/${target.gatewayName}`))
    return false;
  return true;
}

export function virtualHostMatches(virtualHost: Json, match: RouteConfigurationMatch["vhost"]): boolean {
  if (!match) return true;
  if (match.name !== undefined && virtualHost.name !== match.name) return false;
  if (match.domainName !== undefined && !((virtualHost.domains ?? []) as string[]).includes(match.domainName))
    return false;
  return true;
}

const ROUTE_ACTIONS: Record<string, string> = {
  ROUTE: "route",
  REDIRECT: "redirect",
  DIRECT_RESPONSE: "direct_response",
};

export function routeMatches(route: Json, match: { name?: string; action?: string } | undefined): boolean {
  if (!match) return true;
  if (match.name !== undefined && route.name !== match.name) return false;
  const action = match.action ?? "ANY";
  return action === "ANY" || route[ROUTE_ACTIONS[action] ?? action] !== undefined;
}

export function clusterMatches(cluster: Json, match: ClusterMatch | undefined): boolean {
  if (!match) return true;
  if (match.name !== undefined && cluster.name !== match.name) return false;
  const parsed = parseOutboundCluster(String(cluster.name ?? ""));
  if (match.service !== undefined && parsed?.host !== match.service) return false;
  if (match.portNumber !== undefined && parsed?.port !== Number(match.portNumber)) return false;
  if (match.subset !== undefined && parsed?.subset !== match.subset) return false;
  return true;
}
