// An Envoy-like gateway pod running an Envoy v3 bootstrap. Listeners serve HTTP/1.1 and HTTP/2, in cleartext or TLS;
// `update(config)` swaps the config live (requests in flight finish on the config they started
// with); the admin listener serves Envoy's admin API (/clusters, /stats, /config_dump …).
import { type Clock, LogBuffer, type LogSink, stderrSink, systemClock } from "@testbed/common";
import { TraceRing } from "@testbed/trace";
import { formatAccessLog } from "./access-log.js";
import { startAdminServer } from "./admin/admin-server.js";
import { type ConfigDelivery, ConfigHistory } from "./admin/config-history.js";
import { readGatewayConfig } from "./config/config-reader.js";
import type { GatewayConfig, Listener } from "./config/envoy-types.js";
import { createDownstreamServer, type DownstreamHandler, type DownstreamServer } from "./downstream-server.js";
import { DEFAULT_ENVOY_VERSION, type EnvoyVersion } from "./envoy-version.js";
import { GatewayRuntime } from "./gateway-runtime.js";
import { handleRequest } from "./request-handler.js";
import { readDataSource } from "./upstream/tls-options.js";

export interface GatewayOptions {
  /** Which Envoy release the gateway behaves as (default 1.34, the Envoy of the seed's Istio 1.26.2). */
  envoyVersion: EnvoyVersion;
  /** Where access log lines go besides the in-memory ring (default stdout, like istio-proxy). */
  accessLogSink: LogSink;
  /** Warnings about unmodelled config fields. */
  log: LogSink;
  /**
   * Every timer of the gateway, as Envoy's come from its dispatcher's time source: the access log's
   * times, connect timeouts, route timeouts, ext_proc message timeouts, gRPC deadlines and the old
   * config's 30 s drain.
   */
  clock: Clock;
  /**
   * Where listeners and clusters come from, as /config_dump reports them: the bootstrap
   * (`static`, Envoy run with a config file; the default) or xDS pushes (`xds`, istiod → a
   * gateway pod, where each `update` is a push).
   */
  configDelivery: ConfigDelivery;
  /** Keep a routing trace of the last requests, served on the admin listener at /debug/traces (default on). */
  trace: boolean;
}

export interface GatewayHandle {
  /** listener name → base URL (http[s]://host:port). */
  listenerUrls: Record<string, string>;
  adminUrl: string | undefined;
  accessLog: LogBuffer;
  /** The routing trace's ring (its `enabled` turns recording on and off). */
  traces: TraceRing;
  warnings: string[];
  runtime(): GatewayRuntime;
  update(config: string | Record<string, unknown>): Promise<string[]>;
  close(): Promise<void>;
}

const stdoutSink: LogSink = (line) => {
  process.stdout.write(`${line}\n`);
};

export async function startGateway(
  config: string | Record<string, unknown>,
  options: Partial<GatewayOptions> = {},
): Promise<GatewayHandle> {
  const settings: GatewayOptions = {
    envoyVersion: DEFAULT_ENVOY_VERSION,
    accessLogSink: stdoutSink,
    log: stderrSink,
    clock: systemClock,
    configDelivery: "static",
    trace: true,
    ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
  };
  const accessLog = new LogBuffer(10_000);
  const startedAt = settings.clock.now();
  let { config: current, warnings, document } = readGatewayConfig(config);
  const history = new ConfigHistory(settings.configDelivery);
  history.record(document, new Date(startedAt));
  const traces = new TraceRing("gateway", traceComponent(document), undefined, settings.trace);
  let runtime = new GatewayRuntime(current, undefined, warnings, settings.envoyVersion, settings.clock);
  for (const warning of warnings) settings.log(`[warning] ${warning}`);

  const servers = new Map<string, { server: DownstreamServer; url: string; port: number; listener: Listener }>();
  const serve = async (listener: Listener) => {
    const handler: DownstreamHandler = (request, response) => {
      const pinned = runtime;
      const listenerRuntime = pinned.listeners.get(listener.name);
      if (!listenerRuntime) {
        response.writeHead(404).end();
        return;
      }
      void handleRequest(
        {
          runtime: pinned,
          listener: listenerRuntime,
          clock: settings.clock,
          traces,
          accessLog: (entry) => {
            const line = formatAccessLog(entry);
            accessLog.sink(line);
            settings.accessLogSink(line);
          },
        },
        request,
        response,
      );
    };
    const certificate = listener.tls?.common_tls_context?.tls_certificates?.[0];
    const server = createDownstreamServer(
      handler,
      certificate && {
        cert: readDataSource(certificate.certificate_chain ?? {}),
        key: readDataSource(certificate.private_key ?? {}),
        alpnProtocols: listener.tls?.common_tls_context?.alpn_protocols ?? [],
      },
    );
    const { address, port_value } = listener.address.socket_address;
    const port = await server.listen(port_value, address === "0.0.0.0" ? undefined : address);
    const url = `${certificate ? "https" : "http"}://${address}:${port}`;
    servers.set(listener.name, { server, url, port, listener });
  };
  for (const listener of current.listeners) await serve(listener);

  const admin = current.admin
    ? await startAdminServer(
        {
          runtime: () => runtime,
          history,
          listeners: () =>
            [...servers].map(([name, s]) => ({
              name,
              address: s.listener.address.socket_address.address,
              port: s.port,
            })),
          envoyVersion: settings.envoyVersion,
          clock: settings.clock,
          startedAt,
          traces,
        },
        current.admin.address.socket_address,
      )
    : undefined;

  const listenerUrls = () => Object.fromEntries([...servers].map(([name, s]) => [name, s.url]));
  const handle: GatewayHandle = {
    listenerUrls: listenerUrls(),
    adminUrl:
      admin && current.admin ? `http://${current.admin.address.socket_address.address}:${admin.port}` : undefined,
    accessLog,
    traces,
    warnings,
    runtime: () => runtime,
    async update(next) {
      const read = readGatewayConfig(next);
      const nextRuntime = new GatewayRuntime(
        read.config,
        runtime,
        read.warnings,
        settings.envoyVersion,
        settings.clock,
      );
      const previous = runtime;
      runtime = nextRuntime;
      current = read.config;
      history.record(read.document, new Date(settings.clock.now()));
      warnings = read.warnings;
      // A listener that is gone, or whose address or TLS changed, is closed; new ones are started.
      for (const [name, entry] of servers) {
        const next = read.config.listeners.find((l) => l.name === name);
        if (
          !next ||
          JSON.stringify([next.address, next.tls]) !== JSON.stringify([entry.listener.address, entry.listener.tls])
        ) {
          void entry.server.close();
          servers.delete(name);
        }
      }
      for (const listener of read.config.listeners) if (!servers.has(listener.name)) await serve(listener);
      handle.warnings = read.warnings;
      handle.listenerUrls = listenerUrls();
      // Let requests pinned to the old runtime finish before its pools close.
      settings.clock.setTimeout(() => previous.close(nextRuntime), 30_000);
      return read.warnings;
    },
    async close() {
      await Promise.all([...servers.values()].map(({ server }) => server.close()));
      if (admin) await new Promise<void>((resolve) => admin.server.close(() => resolve()));
      runtime.close();
    },
  };
  return handle;
}

/** The gateway in the trace: Istio's node id names the pod (`router~IP~POD.NAMESPACE~…`), else the node or "gateway". */
function traceComponent(document: { node?: { id?: string; cluster?: string } }): string {
  const id = document.node?.id ?? "";
  return id.split("~")[2] ?? (id || document.node?.cluster || "gateway");
}

export type { GatewayConfig };
