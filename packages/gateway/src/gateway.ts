// An Envoy-like gateway pod running an Envoy v3 bootstrap. Listeners serve HTTP/1.1 or HTTPS;
// `update(config)` swaps the config live (requests in flight finish on the config they started
// with); the admin listener serves /clusters, /stats, /config_dump and /ready.
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { type Clock, LogBuffer, type LogSink, stderrSink, systemClock } from "@testbed/common";
import { formatAccessLog } from "./access-log.js";
import { startAdminServer } from "./admin/admin-server.js";
import { readGatewayConfig } from "./config/config-reader.js";
import type { GatewayConfig, Listener } from "./config/envoy-types.js";
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
}

export interface GatewayHandle {
  /** listener name → base URL (http[s]://host:port). */
  listenerUrls: Record<string, string>;
  adminUrl: string | undefined;
  accessLog: LogBuffer;
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
    ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
  };
  const accessLog = new LogBuffer(10_000);
  let { config: current, warnings } = readGatewayConfig(config);
  let raw = typeof config === "string" ? undefined : config;
  let runtime = new GatewayRuntime(current, undefined, warnings, settings.envoyVersion, settings.clock);
  for (const warning of warnings) settings.log(`[warning] ${warning}`);

  const servers = new Map<string, { server: Server; url: string; listener: Listener }>();
  const serve = async (listener: Listener) => {
    const handler = (request: Parameters<typeof handleRequest>[1], response: Parameters<typeof handleRequest>[2]) => {
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
    const server = certificate
      ? createHttpsServer(
          {
            cert: readDataSource(certificate.certificate_chain ?? {}),
            key: readDataSource(certificate.private_key ?? {}),
          },
          handler,
        )
      : createHttpServer(handler);
    server.keepAliveTimeout = 60_000;
    const { address, port_value } = listener.address.socket_address;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port_value, address === "0.0.0.0" ? undefined : address, () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    servers.set(listener.name, { server, url: `${certificate ? "https" : "http"}://${address}:${port}`, listener });
  };
  for (const listener of current.listeners) await serve(listener);

  const admin = current.admin
    ? await startAdminServer(
        () => runtime,
        () => raw ?? current,
        current.admin.address.socket_address,
      )
    : undefined;

  const listenerUrls = () => Object.fromEntries([...servers].map(([name, s]) => [name, s.url]));
  const handle: GatewayHandle = {
    listenerUrls: listenerUrls(),
    adminUrl:
      admin && current.admin ? `http://${current.admin.address.socket_address.address}:${admin.port}` : undefined,
    accessLog,
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
      raw = typeof next === "string" ? undefined : next;
      warnings = read.warnings;
      // A listener that is gone, or whose address or TLS changed, is closed; new ones are started.
      for (const [name, entry] of servers) {
        const next = read.config.listeners.find((l) => l.name === name);
        if (
          !next ||
          JSON.stringify([next.address, next.tls]) !== JSON.stringify([entry.listener.address, entry.listener.tls])
        ) {
          entry.server.closeAllConnections();
          entry.server.close();
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
      await Promise.all(
        [...servers.values()].map(
          ({ server }) =>
            new Promise<void>((resolve) => {
              server.closeAllConnections();
              server.close(() => resolve());
            }),
        ),
      );
      if (admin) await new Promise<void>((resolve) => admin.server.close(() => resolve()));
      runtime.close();
    },
  };
  return handle;
}

export type { GatewayConfig };
