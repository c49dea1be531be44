// A gateway pod's /config_dump (what `pilot-agent request GET config_dump` prints) turned back into a
// bootstrap the gateway runs. The dump is Envoy's admin.v3 ConfigDump: `{"configs": [...]}`, one
// message per config tracker — BootstrapConfigDump, ClustersConfigDump (static_clusters,
// dynamic_active_clusters), EndpointsConfigDump (with ?include_eds), ListenersConfigDump
// (static_listeners, dynamic_listeners[].active_state), RoutesConfigDump (static_route_configs,
// dynamic_route_configs), SecretsConfigDump (envoy/admin/v3/config_dump_shared.proto). What xDS
// delivered is inlined: an HCM's `rds` becomes its route_config, an EDS cluster a STATIC one with the
// dump's (or the mapped) endpoints, an SDS certificate a generated one (the dump redacts private keys).
// Listeners bind the given host; endpoints are remapped by cluster name onto local pods. What the
// gateway cannot run is named in `unsupported`; fields it does not model warn when it reads the result.
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSelfSignedCertificate } from "@testbed/common";
import { GatewayConfigError } from "./config-error.js";
import type { SocketAddress } from "./envoy-types.js";

type Raw = Record<string, unknown>;

const ADMIN = "type.googleapis.com/envoy.admin.v3.";
const HCM_TYPE = "HttpConnectionManager";

export interface ConfigDumpOptions {
  /** Cluster name → the local addresses its endpoints become (`--map-cluster NAME=ADDR:PORT`). */
  clusterMap: Record<string, SocketAddress[]>;
  /** A testbed's endpoints by cluster name (`--testbed`), for the clusters clusterMap does not name. */
  testbedEndpoints?: Record<string, SocketAddress[]>;
  /** A CA file to read wherever the dump names an istio-agent CA file (`file-root:<path>`). */
  trustedCa?: string;
  /** The address every listener and the admin interface bind (default 127.0.0.1). */
  listenHost: string;
  /** Bind listeners on free ports instead of the dump's (they are printed). */
  freePorts: boolean;
}

export interface ConfigDumpBootstrap {
  bootstrap: Raw;
  /** What the dump holds that the gateway does not run, each with why. */
  unsupported: string[];
  /** Changes made so it runs here (endpoints remapped, certificates generated, CAs replaced). */
  notes: string[];
}

export async function bootstrapFromConfigDump(
  input: unknown,
  options: ConfigDumpOptions,
): Promise<ConfigDumpBootstrap> {
  const dumps = configsByType(input);
  const unsupported: string[] = [];
  const notes: string[] = [];
  const routes = configsByName(dumps.get("RoutesConfigDump"), "route");
  const endpoints = configsByName(dumps.get("EndpointsConfigDump"), "endpoint");
  const context = { options, unsupported, notes, routes, certificate: undefined as Promise<Raw> | undefined };
  const listeners: Raw[] = [];
  for (const listener of dumpedListeners(dumps.get("ListenersConfigDump"), unsupported)) {
    const runnable = await runnableListener(listener, context);
    if (runnable) listeners.push(runnable);
  }
  const clusters: Raw[] = [];
  for (const cluster of dumpedClusters(dumps.get("ClustersConfigDump"))) {
    const runnable = await runnableCluster(cluster, endpoints, context);
    if (runnable) clusters.push(runnable);
  }
  for (const name of Object.keys(options.clusterMap))
    if (!clusters.some((cluster) => cluster.name === name))
      unsupported.push(`--map-cluster ${name}: the dump has no cluster of that name`);
  const dumped = ((dumps.get("BootstrapConfigDump")?.bootstrap ?? {}) as Raw) || {};
  const bootstrap: Raw = {
    ...(dumped.node ? { node: dumped.node } : {}),
    ...(dumped.stats_config ? { stats_config: dumped.stats_config } : {}),
    ...(dumped.layered_runtime ? { layered_runtime: dumped.layered_runtime } : {}),
    admin: { address: { socket_address: { address: options.listenHost, port_value: 0 } } },
    static_resources: { listeners, clusters },
  };
  for (const key of Object.keys(dumped))
    if (!["node", "stats_config", "layered_runtime", "admin", "static_resources", "dynamic_resources"].includes(key))
      unsupported.push(`bootstrap.${key}: not modelled by the testbed gateway, left out`);
  if (dumped.dynamic_resources)
    notes.push("bootstrap.dynamic_resources (ADS from istiod): replaced by the dump's own resources");
  return { bootstrap, unsupported, notes };
}

/** The dump's configs by message name; a dump that is not one is a GatewayConfigError. */
function configsByType(input: unknown): Map<string, Raw> {
  const configs = (input as Raw | undefined)?.configs;
  if (!Array.isArray(configs))
    throw new GatewayConfigError("(document)", 'not an Envoy config_dump: expected {"configs": [...]}');
  const out = new Map<string, Raw>();
  for (const config of configs as Raw[]) {
    const type = String(config?.["@type"] ?? "");
    if (type.startsWith(ADMIN)) out.set(type.slice(ADMIN.length), config);
  }
  if (!out.has("ListenersConfigDump") || !out.has("ClustersConfigDump"))
    throw new GatewayConfigError("configs", "needs a ListenersConfigDump and a ClustersConfigDump");
  return out;
}

function withoutType(message: Raw): Raw {
  const { "@type": _type, ...rest } = message;
  return rest;
}

function dumpedListeners(dump: Raw | undefined, unsupported: string[]): Raw[] {
  const out = ((dump?.static_listeners ?? []) as Raw[]).map((entry) => entry.listener as Raw);
  for (const entry of (dump?.dynamic_listeners ?? []) as Raw[]) {
    const active = (entry.active_state as Raw | undefined)?.listener as Raw | undefined;
    if (active) out.push(active);
    else unsupported.push(`listener ${String(entry.name)}: no active_state (warming or draining only), not run`);
  }
  return out.filter(Boolean).map(withoutType);
}

function dumpedClusters(dump: Raw | undefined): Raw[] {
  const entries = [...((dump?.static_clusters ?? []) as Raw[]), ...((dump?.dynamic_active_clusters ?? []) as Raw[])];
  return entries
    .map((entry) => entry.cluster as Raw)
    .filter(Boolean)
    .map(withoutType);
}

/**
 * A dump section's static and dynamic configs by name: `kind` "route" reads RoutesConfigDump's
 * static/dynamic_route_configs[].route_config by `name`, "endpoint" EndpointsConfigDump's
 * static/dynamic_endpoint_configs[].endpoint_config by `cluster_name`.
 */
function configsByName(dump: Raw | undefined, kind: "route" | "endpoint"): Map<string, Raw> {
  const nameField = kind === "route" ? "name" : "cluster_name";
  const out = new Map<string, Raw>();
  for (const field of [`static_${kind}_configs`, `dynamic_${kind}_configs`]) {
    for (const entry of (dump?.[field] ?? []) as Raw[]) {
      const config = entry[`${kind}_config`] as Raw | undefined;
      if (config?.[nameField]) out.set(String(config[nameField]), withoutType(config));
    }
  }
  return out;
}

interface Context {
  options: ConfigDumpOptions;
  unsupported: string[];
  notes: string[];
  routes: Map<string, Raw>;
  certificate: Promise<Raw> | undefined;
  untrustedCa?: Promise<string>;
}

/** A listener with its HTTP filter chain made to run here, or undefined (named in unsupported). */
async function runnableListener(listener: Raw, context: Context): Promise<Raw | undefined> {
  const name = String(listener.name);
  const address = (listener.address as Raw | undefined)?.socket_address as Raw | undefined;
  if (!address) {
    context.unsupported.push(
      `listener ${name}: not a socket address (${Object.keys(listener.address ?? {}).join(", ")}), not run`,
    );
    return undefined;
  }
  const chains = (listener.filter_chains ?? []) as Raw[];
  const index = chains.findIndex((chain) => hcmOf(chain) !== undefined);
  if (index === -1) {
    const filters = chains.flatMap((chain) => ((chain.filters ?? []) as Raw[]).map((f) => String(f.name)));
    context.unsupported.push(
      `listener ${name}: no http_connection_manager (${[...new Set(filters)].join(", ") || "no filters"}), not run`,
    );
    return undefined;
  }
  if (chains.length > 1)
    context.notes.push(`listener ${name}: ${chains.length} filter chains, the first HTTP one (#${index}) runs`);
  const chain = { ...chains[index] } as Raw;
  const filters = ((chain.filters ?? []) as Raw[]).map((filter) => ({ ...filter }));
  const hcmIndex = filters.findIndex((filter) => isHcm(filter));
  const hcm = { ...((filters[hcmIndex] as Raw).typed_config as Raw) };
  if (hcm.rds !== undefined) {
    const routeName = String((hcm.rds as Raw).route_config_name ?? "");
    const config = context.routes.get(routeName);
    if (!config) {
      context.unsupported.push(`listener ${name}: its RDS route config ${routeName} is not in the dump, not run`);
      return undefined;
    }
    const { rds: _rds, ...rest } = hcm;
    Object.assign(rest, { route_config: config });
    (filters[hcmIndex] as Raw).typed_config = rest;
  }
  chain.filters = filters;
  if (chain.transport_socket !== undefined)
    chain.transport_socket = await downstreamTls(name, chain.transport_socket as Raw, context);
  const { listener_filters: _lf, filter_chain_match: _m, ...keptChain } = chain;
  const port = context.options.freePorts ? 0 : Number(address.port_value);
  const { listener_filters: _filters, ...kept } = listener;
  return {
    ...kept,
    address: { socket_address: { address: context.options.listenHost, port_value: port } },
    filter_chains: [keptChain],
  };
}

function hcmOf(chain: Raw): Raw | undefined {
  return ((chain.filters ?? []) as Raw[]).find((filter) => isHcm(filter));
}

function isHcm(filter: Raw): boolean {
  const type = String((filter.typed_config as Raw | undefined)?.["@type"] ?? "");
  return filter.name === "envoy.filters.network.http_connection_manager" || type.endsWith(HCM_TYPE);
}

/**
 * Downstream TLS whose certificate came over SDS (a Gateway's credentialName): the dump shows the
 * certificate but redacts its key, so the listener serves a generated self-signed certificate.
 */
async function downstreamTls(listener: string, socket: Raw, context: Context): Promise<Raw> {
  const typed = { ...((socket.typed_config ?? {}) as Raw) };
  const common = { ...((typed.common_tls_context ?? {}) as Raw) };
  const sds = (common.tls_certificate_sds_secret_configs ?? []) as Raw[];
  if (sds.length === 0 && common.tls_certificates !== undefined) return socket;
  const names = sds.map((config) => String(config.name));
  context.certificate ??= createSelfSignedCertificate({
    name: "CN=testbed config-dump gateway",
    dnsNames: ["localhost"],
    ipAddresses: [context.options.listenHost],
  }).then((pair) => ({
    certificate_chain: { inline_string: pair.cert },
    private_key: { inline_string: pair.key },
  }));
  context.notes.push(
    `listener ${listener}: certificate ${names.join(", ") || "(none)"} is redacted in a config_dump; serving a generated self-signed one`,
  );
  const {
    tls_certificate_sds_secret_configs: _sds,
    validation_context_sds_secret_config: _v,
    combined_validation_context: _c,
    ...rest
  } = common;
  return {
    ...socket,
    typed_config: { ...typed, common_tls_context: { ...rest, tls_certificates: [await context.certificate] } },
  };
}

/** A cluster with its endpoints (the dump's, or mapped) and CA files that exist here, or undefined. */
async function runnableCluster(cluster: Raw, endpoints: Map<string, Raw>, context: Context): Promise<Raw | undefined> {
  const name = String(cluster.name);
  const out: Raw = { ...cluster };
  const mapped = context.options.clusterMap[name] ?? context.options.testbedEndpoints?.[name];
  const assignment = (cluster.load_assignment ?? endpoints.get(name)) as Raw | undefined;
  if (mapped) {
    out.load_assignment = loadAssignment(name, mapped);
    context.notes.push(`cluster ${name}: endpoints → ${mapped.map((a) => `${a.address}:${a.port_value}`).join(", ")}`);
  } else if (assignment && usesPipe(assignment)) {
    context.unsupported.push(`cluster ${name}: a unix socket (pipe) address, left out`);
    return undefined;
  } else if (assignment) {
    out.load_assignment = withoutType(assignment);
  }
  if (cluster.type === "EDS" || cluster.eds_cluster_config !== undefined) {
    delete out.eds_cluster_config;
    out.type = "STATIC";
    if (!mapped && !assignment)
      context.notes.push(`cluster ${name}: EDS endpoints not in the dump and not mapped: requests to it get 503`);
  }
  if (out.transport_socket !== undefined)
    out.transport_socket = await localCaFiles(name, out.transport_socket as Raw, context);
  const { transport_socket_matches: matches, ...rest } = out;
  if (matches !== undefined)
    context.notes.push(
      `cluster ${name}: transport_socket_matches (Istio mTLS) left out, plaintext unless transport_socket`,
    );
  return rest;
}

function usesPipe(assignment: Raw): boolean {
  return JSON.stringify(assignment).includes('"pipe"');
}

function loadAssignment(name: string, addresses: SocketAddress[]): Raw {
  return {
    cluster_name: name,
    endpoints: [{ lb_endpoints: addresses.map((socket_address) => ({ endpoint: { address: { socket_address } } })) }],
  };
}

/**
 * `file-root:<path>` names a file in the customer's pod: read --trust instead. Without one, a path
 * missing here becomes a CA that signed nothing, so those clusters' handshakes fail as they would
 * with a CA that does not match the pods (the notes say so).
 */
async function localCaFiles(cluster: string, socket: Raw, context: Context): Promise<Raw> {
  const text = JSON.stringify(socket);
  const paths = [...new Set([...text.matchAll(/"file-root:([^"]+)"/g)].map((match) => match[1] as string))].filter(
    (path) => path !== "system",
  );
  if (paths.length === 0) return socket;
  let replacement = context.options.trustedCa;
  if (!replacement) {
    const missing = paths.filter((path) => !existsSync(path));
    if (missing.length === 0) return socket;
    context.untrustedCa ??= untrustedCaFile();
    replacement = await context.untrustedCa;
    context.notes.push(
      `cluster ${cluster}: CA file ${missing.join(", ")} does not exist here; trusting a CA that signed nothing (pass --trust FILE or --testbed)`,
    );
  } else {
    context.notes.push(`cluster ${cluster}: CA ${paths.join(", ")} → ${replacement}`);
  }
  return JSON.parse(text.replace(/"file-root:(?!system")[^"]+"/g, JSON.stringify(`file-root:${replacement}`))) as Raw;
}

async function untrustedCaFile(): Promise<string> {
  const { cert } = await createSelfSignedCertificate({ name: "CN=testbed untrusted CA" });
  const file = join(mkdtempSync(join(tmpdir(), "config-dump-ca-")), "ca.crt");
  writeFileSync(file, cert);
  return file;
}
