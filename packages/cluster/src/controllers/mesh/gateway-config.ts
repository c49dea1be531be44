// One Gateway's Envoy v3 bootstrap, as istiod would push it (before EnvoyFilters): admin on
// 127.0.0.1:15000; per Gateway listener port a listener `0.0.0.0_<port>` whose HTTP connection
// manager carries the attached routes grouped into virtual hosts `<hostname>:<port>`, Istio's
// access log and Istio's HTTP filter chain (http-filter-chain.ts: the base ext_proc filter when any
// route targets an InferencePool, between the peer metadata filter and grpc_stats … the router);
// HTTPS ports terminate TLS with the listener's Secret; and every mesh cluster. Alongside the
// config, what the status writers need: per-listener verdicts, route attachments, backend problems.
// Several HTTPRoutes on one hostname are merged as the Istio release merges them: up to 1.28.4 only
// the oldest route keeps its per-route ext_proc (`keepsExtProcOfMergedRoutes`).
import type { KubeObject } from "@testbed/apimachinery";
import { EXT_PROC_FILTER_NAME } from "@testbed/gateway";
import type { EnvoyConfig } from "../mesh-config-hub.js";
import { istioAccessLog } from "./access-log.js";
import type { BackendProblem } from "./backends.js";
import { generateClusters } from "./clusters.js";
import { gatewayHttpFilters } from "./http-filter-chain.js";
import type { InferencePoolView } from "./inference-pools.js";
import { asSeenBy, type IstioVersion, keepsExtProcOfMergedRoutes } from "./istio-version.js";
import { listenerTls } from "./listener-tls.js";
import { byAge, type MeshSnapshot } from "./mesh-snapshot.js";
import { ADMIN_PORT, listenerName } from "./names.js";
import { attachRoutes, type GatewayListenerView, gatewayListeners, type ParentAttachment } from "./route-attachment.js";
import { type TranslatedRoute, translateHttpRoute } from "./route-translation.js";

export interface GenerateOptions {
  /** The Istio release whose translation the gateway gets. */
  istio: IstioVersion;
}

export interface ListenerReport {
  name: string;
  port: number;
  protocol: string;
  programmed: boolean;
  accepted: boolean;
  reason: string;
  message: string;
  attachedRoutes: number;
}

export interface GatewayGeneration {
  key: string;
  config: EnvoyConfig;
  listeners: ListenerReport[];
  attachments: ParentAttachment[];
  /** Backend problems per HTTPRoute (`namespace/name`). */
  routeProblems: Map<string, BackendProblem[]>;
  /** InferencePools an accepted route on this gateway sends traffic to. */
  pools: InferencePoolView[];
}

const HCM = "envoy.filters.network.http_connection_manager";
const HCM_TYPE =
  "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
const SUPPORTED_PROTOCOLS = new Set(["HTTP", "HTTPS"]);

export function gatewayKey(gateway: KubeObject): string {
  return `${gateway.metadata.namespace}/${gateway.metadata.name}`;
}

export function generateGatewayConfig(
  cluster: MeshSnapshot,
  gateway: KubeObject,
  options: GenerateOptions,
): GatewayGeneration {
  const snapshot = asSeenBy(cluster, options.istio);
  const attachments = attachRoutes(snapshot, gateway);
  const translations = new Map<string, ReturnType<typeof translateHttpRoute>>();
  const routeProblems = new Map<string, BackendProblem[]>();
  for (const attachment of attachments) {
    const key = `${attachment.route.metadata.namespace}/${attachment.route.metadata.name}`;
    if (translations.has(key)) continue;
    const translation = translateHttpRoute(snapshot, attachment.route, options.istio);
    translations.set(key, translation);
    routeProblems.set(key, translation.problems);
  }
  const views = gatewayListeners(gateway);
  const reports = views.map((view) => listenerReport(snapshot, view, attachments));
  const pools = new Map<string, InferencePoolView>();
  for (const attachment of attachments.filter((a) => a.accepted)) {
    const key = `${attachment.route.metadata.namespace}/${attachment.route.metadata.name}`;
    for (const route of translations.get(key)?.routes ?? []) {
      if (route.pool) pools.set(`${route.pool.group}/${route.pool.namespace}/${route.pool.name}`, route.pool);
    }
  }
  const listeners: Record<string, unknown>[] = [];
  for (const port of [...new Set(views.map((v) => v.port))]) {
    const programmed = views.filter((v, i) => v.port === port && reports[i]?.programmed);
    if (programmed.length === 0) continue;
    listeners.push(
      envoyListener(
        snapshot,
        gateway,
        port,
        programmed,
        { attachments, translations, istio: options.istio },
        pools.size > 0,
      ),
    );
  }
  const config: EnvoyConfig = {
    admin: { address: { socket_address: { address: "127.0.0.1", port_value: ADMIN_PORT } } },
    static_resources: { listeners, clusters: generateClusters(snapshot) },
  };
  return {
    key: gatewayKey(gateway),
    config,
    listeners: reports,
    attachments,
    routeProblems,
    pools: [...pools.values()],
  };
}

function listenerReport(
  snapshot: MeshSnapshot,
  view: GatewayListenerView,
  attachments: ParentAttachment[],
): ListenerReport {
  const attachedRoutes = attachments.filter((a) => a.listeners.some((l) => l.listener.name === view.name)).length;
  const base = { name: view.name, port: view.port, protocol: view.protocol, attachedRoutes };
  if (!SUPPORTED_PROTOCOLS.has(view.protocol)) {
    return {
      ...base,
      accepted: false,
      programmed: false,
      reason: "UnsupportedProtocol",
      message: `protocol ${view.protocol} is not supported by the testbed gateway`,
    };
  }
  if (view.protocol === "HTTPS") {
    const tls = listenerTls(snapshot, view);
    if (!tls.ok) return { ...base, accepted: true, programmed: false, reason: tls.reason, message: tls.message };
  }
  return { ...base, accepted: true, programmed: true, reason: "Programmed", message: "No errors found" };
}

function envoyListener(
  snapshot: MeshSnapshot,
  gateway: KubeObject,
  port: number,
  views: GatewayListenerView[],
  routing: RoutingInputs,
  withExtProc: boolean,
): Record<string, unknown> {
  const https = views.find((v) => v.protocol === "HTTPS");
  const tls = https ? listenerTls(snapshot, https) : undefined;
  const first = https ?? (views[0] as GatewayListenerView);
  const routeConfigName = https
    ? `https.${port}.${first.name}.${gateway.metadata.name}-istio-autogenerated-k8s-gateway-${first.name}.${gateway.metadata.namespace}`
    : `http.${port}`;
  const names = new Set(views.map((v) => v.name));
  const chain: Record<string, unknown> = {
    filters: [
      {
        name: HCM,
        typed_config: {
          "@type": HCM_TYPE,
          stat_prefix: `outbound_0.0.0.0_${port}`,
          codec_type: "AUTO",
          use_remote_address: true,
          normalize_path: true,
          server_name: "istio-envoy",
          route_config: {
            name: routeConfigName,
            virtual_hosts: virtualHosts(port, routing, names),
            validate_clusters: false,
          },
          http_filters: gatewayHttpFilters(withExtProc),
          access_log: istioAccessLog(),
        },
      },
    ],
  };
  if (tls?.ok) chain.transport_socket = tls.transportSocket;
  return {
    name: listenerName(port),
    address: { socket_address: { address: "0.0.0.0", port_value: port } },
    traffic_direction: "OUTBOUND",
    filter_chains: [chain],
  };
}

/** What a listener's routes are made from. */
interface RoutingInputs {
  attachments: ParentAttachment[];
  translations: Map<string, ReturnType<typeof translateHttpRoute>>;
  istio: IstioVersion;
}

/** Routes grouped by hostname, each host's routes in Gateway API precedence (stable for ties). */
function virtualHosts(port: number, routing: RoutingInputs, listenerNames: Set<string>): Record<string, unknown>[] {
  const { attachments, translations } = routing;
  const byHost = new Map<string, TranslatedRoute[]>();
  const routesOfHost = new Map<string, KubeObject[]>();
  const seen = new Set<string>();
  for (const attachment of attachments.filter((a) => a.accepted)) {
    const routeKey = `${attachment.route.metadata.namespace}/${attachment.route.metadata.name}`;
    for (const { listener, hostnames } of attachment.listeners) {
      if (!listenerNames.has(listener.name)) continue;
      for (const host of hostnames) {
        if (seen.has(`${routeKey}@${host}`)) continue;
        seen.add(`${routeKey}@${host}`);
        routesOfHost.set(host, [...(routesOfHost.get(host) ?? []), attachment.route]);
      }
    }
  }
  for (const [host, httpRoutes] of routesOfHost) {
    const merged = mergedLikeIstio(httpRoutes, routing.istio);
    byHost.set(
      host,
      merged.flatMap(({ route, keepsExtProc }) => {
        const translated = translations.get(`${route.metadata.namespace}/${route.metadata.name}`)?.routes ?? [];
        return keepsExtProc ? translated : translated.map(withoutExtProc);
      }),
    );
  }
  if (byHost.size === 0) {
    return [
      {
        name: `blackhole:${port}`,
        domains: ["*"],
        routes: [{ name: "block_all", match: { prefix: "/" }, direct_response: { status: 404 } }],
      },
    ];
  }
  const hosts = [...byHost.keys()].sort((a, b) => hostOrder(a) - hostOrder(b) || a.localeCompare(b));
  return hosts.map((host) => ({
    name: `${host}:${port}`,
    domains: host === "*" ? ["*"] : [host, `${host}:*`],
    routes: sortByPrecedence(byHost.get(host) ?? []).map((r) => structuredClone(r.envoy)),
  }));
}

/**
 * The HTTPRoutes of one hostname in the order Istio merges them (oldest first), each with whether
 * its rules keep their per-route ext_proc: all of them from 1.28.5/1.29.0, only the oldest before
 * (route_collections.go `mergeHTTPRoutes` carried only the first route's InferencePool configs).
 */
function mergedLikeIstio(routes: KubeObject[], istio: IstioVersion): { route: KubeObject; keepsExtProc: boolean }[] {
  if (routes.length === 1) return [{ route: routes[0] as KubeObject, keepsExtProc: true }];
  const ordered = [...routes].sort(byAge);
  return ordered.map((route, index) => ({ route, keepsExtProc: index === 0 || keepsExtProcOfMergedRoutes(istio) }));
}

/** A translated route without its typed_per_filter_config ext_proc entry (the base filter applies). */
function withoutExtProc(route: TranslatedRoute): TranslatedRoute {
  const perFilter = route.envoy.typed_per_filter_config as Record<string, unknown> | undefined;
  if (!perFilter?.[EXT_PROC_FILTER_NAME]) return route;
  const { [EXT_PROC_FILTER_NAME]: _dropped, ...rest } = perFilter;
  const envoy = { ...route.envoy };
  if (Object.keys(rest).length > 0) envoy.typed_per_filter_config = rest;
  else delete envoy.typed_per_filter_config;
  return { ...route, envoy };
}

/** Exact hostnames first, then wildcards, then the catch-all. */
function hostOrder(host: string): number {
  return host === "*" ? 2 : host.startsWith("*.") ? 1 : 0;
}

function sortByPrecedence(routes: TranslatedRoute[]): TranslatedRoute[] {
  return routes
    .map((route, index) => ({ route, index }))
    .sort((a, b) => {
      for (let i = 0; i < 4; i++) {
        const diff = (b.route.rank[i] ?? 0) - (a.route.rank[i] ?? 0);
        if (diff !== 0) return diff;
      }
      return a.index - b.index;
    })
    .map((entry) => entry.route);
}
