// GET /config_dump as Envoy's ConfigDumpHandler answers it (source/server/admin/config_dump_handler.cc):
// `{"configs": [...]}` with one dump message per config tracker key in key order — bootstrap,
// clusters, (endpoint with ?include_eds), listeners, route_scopes, routes, secrets — each an Any
// with its `@type`. `?resource=<repeated field>` lists that field's entries instead, `?mask=`
// trims with FieldMask semantics, `?name_regex=` keeps resources whose name fully matches; the
// whole dump is redacted (private keys print "[redacted]") and pretty-printed.
import type { GatewayRuntime } from "../gateway-runtime.js";
import type { ConfigHistory } from "./config-history.js";
import { dumpField, maskIsValid, parseFieldMask, trimMessage, trimResource } from "./field-mask.js";
import { redact } from "./redaction.js";

const ADMIN = "type.googleapis.com/envoy.admin.v3.";
const LISTENER_TYPE = "type.googleapis.com/envoy.config.listener.v3.Listener";
const CLUSTER_TYPE = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
const ROUTE_CONFIGURATION_TYPE = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
const SECRET_TYPE = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";
const LOAD_ASSIGNMENT_TYPE = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";

type Json = Record<string, unknown>;

/** An admin answer: status, body and content type. */
export interface AdminReply {
  status: number;
  body: string;
  contentType: string;
}

/** What a dump is built from. */
export interface DumpSources {
  history: ConfigHistory;
  runtime: GatewayRuntime;
}

export function configDump(sources: DumpSources, query: URLSearchParams): AdminReply {
  const matcher = nameMatcher(query.get("name_regex"));
  if (typeof matcher === "string") return text(400, matcher);
  const dumps = trackedDumps(sources, matcher, query.has("include_eds"));
  const mask = query.get("mask");
  const resource = query.get("resource");
  const result = resource !== null ? resourceDump(dumps, resource, mask) : allDump(dumps, mask);
  if ("status" in result) return result;
  const dump = redact(result.configs.length > 0 ? { configs: result.configs } : {});
  return { status: 200, body: `${JSON.stringify(dump, null, 1)}\n`, contentType: "application/json" };
}

function allDump(dumps: Json[], mask: string | null): { configs: Json[] } | AdminReply {
  if (mask === null) return { configs: dumps };
  const paths = parseFieldMask(mask);
  const configs = dumps.filter((dump) => maskIsValid(typeName(dump), paths)).map((dump) => trimMessage(dump, paths));
  if (configs.length === 0) return text(400, `FieldMask ${mask} could not be successfully applied to any configs.`);
  return { configs };
}

function resourceDump(dumps: Json[], resource: string, mask: string | null): { configs: Json[] } | AdminReply {
  for (const dump of dumps) {
    const type = typeName(dump);
    const field = dumpField(type, resource);
    if (!field) continue;
    if (!field.repeated)
      return text(400, `${resource} is not a repeated field. Use ?mask=${resource} to get only this field`);
    const entryType = field.type ?? "";
    const configs: Json[] = [];
    for (const entry of (dump[resource] ?? []) as Json[]) {
      const paths = mask === null ? undefined : parseFieldMask(mask);
      const trimmed = paths ? trimResource(entryType, entry, paths) : entry;
      if (!trimmed) {
        const debug = (paths ?? []).map((path) => `paths: "${path}"\n`).join("");
        return text(400, `FieldMask ${debug} could not be successfully used.`);
      }
      configs.push({ "@type": `${ADMIN}${entryType.replace(/^envoy\.admin\.v3\./, "")}`, ...trimmed });
    }
    return { configs };
  }
  return text(404, `${resource} not found in config dump`);
}

/** Every config tracker entry's dump, in the order of Envoy's std::map of tracker keys. */
function trackedDumps(sources: DumpSources, matches: (name: string) => boolean, includeEds: boolean): Json[] {
  const { history } = sources;
  const dumps = [bootstrapDump(history), clustersDump(history, matches)];
  if (includeEds) dumps.push(endpointsDump(sources, matches));
  dumps.push(listenersDump(history, matches), { "@type": `${ADMIN}ScopedRoutesConfigDump` });
  dumps.push(routesDump(history, matches), secretsDump(history, matches));
  return dumps;
}

function bootstrapDump(history: ConfigHistory): Json {
  let bootstrap = history.document;
  if (history.delivery === "xds") {
    // Listeners and clusters came over xDS: the bootstrap is what pilot-agent wrote, without them.
    const { listeners: _l, clusters: _c, ...rest } = (bootstrap.static_resources ?? {}) as Json;
    const { static_resources: _s, ...others } = bootstrap;
    bootstrap = Object.keys(rest).length > 0 ? { ...others, static_resources: rest } : others;
  }
  return {
    "@type": `${ADMIN}BootstrapConfigDump`,
    bootstrap,
    last_updated: timestamp(history.bootstrapLoaded),
  };
}

function clustersDump(history: ConfigHistory, matches: (name: string) => boolean): Json {
  const clusters = resources(history, "clusters").filter((cluster) => matches(String(cluster.name)));
  const entries = clusters.map((cluster) => {
    const stamp = history.stamp("clusters", String(cluster.name));
    const packed = { "@type": CLUSTER_TYPE, ...cluster };
    return history.delivery === "xds"
      ? { version_info: stamp.versionInfo, cluster: packed, last_updated: timestamp(stamp.lastUpdated) }
      : { cluster: packed, last_updated: timestamp(stamp.lastUpdated) };
  });
  return {
    "@type": `${ADMIN}ClustersConfigDump`,
    ...(history.versionInfo ? { version_info: history.versionInfo } : {}),
    ...nonEmpty(history.delivery === "xds" ? "dynamic_active_clusters" : "static_clusters", entries),
  };
}

function listenersDump(history: ConfigHistory, matches: (name: string) => boolean): Json {
  const listeners = resources(history, "listeners").filter((listener) => matches(String(listener.name)));
  const entries = listeners.map((listener) => {
    const stamp = history.stamp("listeners", String(listener.name));
    const packed = { "@type": LISTENER_TYPE, ...listener };
    if (history.delivery === "static") return { listener: packed, last_updated: timestamp(stamp.lastUpdated) };
    return {
      name: listener.name,
      active_state: {
        version_info: stamp.versionInfo,
        listener: packed,
        last_updated: timestamp(stamp.lastUpdated),
      },
    };
  });
  return {
    "@type": `${ADMIN}ListenersConfigDump`,
    ...(history.versionInfo ? { version_info: history.versionInfo } : {}),
    ...nonEmpty(history.delivery === "xds" ? "dynamic_listeners" : "static_listeners", entries),
  };
}

/** A listener's inline route_config is a static route config, whoever delivered the listener. */
function routesDump(history: ConfigHistory, matches: (name: string) => boolean): Json {
  const entries: Json[] = [];
  for (const listener of resources(history, "listeners")) {
    const stamp = history.stamp("listeners", String(listener.name));
    for (const chain of (listener.filter_chains ?? []) as Json[]) {
      for (const filter of (chain.filters ?? []) as Json[]) {
        const routeConfig = (filter.typed_config as Json | undefined)?.route_config as Json | undefined;
        if (!routeConfig || !matches(String(routeConfig.name ?? ""))) continue;
        entries.push({
          route_config: { "@type": ROUTE_CONFIGURATION_TYPE, ...routeConfig },
          last_updated: timestamp(stamp.lastUpdated),
        });
      }
    }
  }
  return { "@type": `${ADMIN}RoutesConfigDump`, ...nonEmpty("static_route_configs", entries) };
}

function secretsDump(history: ConfigHistory, matches: (name: string) => boolean): Json {
  const entries = resources(history, "secrets")
    .filter((secret) => matches(String(secret.name)))
    .map((secret) => ({
      name: secret.name,
      last_updated: timestamp(history.stamp("secrets", String(secret.name)).lastUpdated),
      secret: { "@type": SECRET_TYPE, ...secret },
    }));
  return { "@type": `${ADMIN}SecretsConfigDump`, ...nonEmpty("static_secrets", entries) };
}

/** ConfigDumpHandler::dumpEndpointConfigs: each cluster's hosts as a ClusterLoadAssignment. */
function endpointsDump(sources: DumpSources, matches: (name: string) => boolean): Json {
  const entries: Json[] = [];
  for (const { runtime: cluster } of sources.runtime.clusters.values()) {
    if (!matches(cluster.name)) continue;
    const endpoints = [...cluster.hosts.values()].map((host) => ({
      locality: {},
      lb_endpoints: [
        {
          endpoint: {
            address: { socket_address: { address: host.address, port_value: host.port } },
            health_check_config: {},
          },
          health_status: "HEALTHY",
          load_balancing_weight: 1,
        },
      ],
    }));
    entries.push({
      endpoint_config: {
        "@type": LOAD_ASSIGNMENT_TYPE,
        cluster_name: cluster.name,
        ...(endpoints.length > 0 ? { endpoints } : {}),
        policy: { overprovisioning_factor: 140 },
      },
    });
  }
  const field = sources.history.delivery === "xds" ? "dynamic_endpoint_configs" : "static_endpoint_configs";
  return { "@type": `${ADMIN}EndpointsConfigDump`, ...nonEmpty(field, entries) };
}

function resources(history: ConfigHistory, kind: "listeners" | "clusters" | "secrets"): Json[] {
  const staticResources = (history.document.static_resources ?? {}) as Json;
  return (staticResources[kind] ?? []) as Json[];
}

/** Protobuf's JSON leaves out empty repeated fields. */
function nonEmpty(field: string, entries: Json[]): Json {
  return entries.length > 0 ? { [field]: entries } : {};
}

/** google.protobuf.Timestamp in JSON: RFC 3339, fractional seconds only when there are some. */
export function timestamp(date: Date): string {
  return date.toISOString().replace(".000Z", "Z");
}

function typeName(dump: Json): string {
  return String(dump["@type"]).replace("type.googleapis.com/", "");
}

/** `?name_regex=`: RE2 full match on resource names; an invalid one is Envoy's 400. */
function nameMatcher(source: string | null): ((name: string) => boolean) | string {
  if (source === null || source === "") return () => true;
  try {
    const regex = new RegExp(`^(?:${source})$`);
    return (name) => regex.test(name);
  } catch (error) {
    return `INVALID_ARGUMENT: Error while parsing name_regex from ${source}: ${(error as Error).message}`;
  }
}

function text(status: number, body: string): AdminReply {
  return { status, body, contentType: "text/plain; charset=UTF-8" };
}
