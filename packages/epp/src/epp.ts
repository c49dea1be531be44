import { readFile } from "node:fs/promises";
import type { Server as HttpServer } from "node:http";
import * as grpc from "@grpc/grpc-js";
import { type Clock, SeededRandom } from "@testbed/common";
import {
  EXT_PROC_SERVICE_NAME,
  extProcService,
  HealthService,
  type ProcessingRequest,
  type ProcessingResponse,
} from "@testbed/protocol";
import { TraceRing } from "@testbed/trace";
import { Datastore } from "./datastore/datastore.js";
import { hostPort } from "./datastore/endpoint.js";
import { MetricsScraper } from "./datastore/metrics-scraper.js";
import { type EndpointSource, StaticEndpointSource } from "./discovery/endpoint-source.js";
import { parseEndpointList, parseEndpointsYaml } from "./discovery/endpoints-file.js";
import { controlHeaders, emulatedVersion } from "./emulation/emulated-version.js";
import { EppLogger } from "./epp-log.js";
import { BodyBudget } from "./handlers/body-budget.js";
import { ExtProcStream } from "./handlers/ext-proc-stream.js";
import { GrpcStreamServer, type StreamingMethod } from "./handlers/grpc-stream-server.js";
import { RequestRouter } from "./handlers/request-router.js";
import { EppMetrics } from "./metrics/epp-metrics.js";
import { startMetricsServer } from "./metrics/metrics-server.js";
import { type EppOptions, resolveEppOptions } from "./options.js";
import { loadEndpointPickerConfig, type SchedulerConfig } from "./scheduling/config/endpoint-picker-config.js";
import type { PluginContext } from "./scheduling/framework.js";
import type { PrefixCacheScorer } from "./scheduling/plugins/prefix-cache-scorer.js";
import { PluginRegistry } from "./scheduling/plugins/registry.js";
import { Scheduler } from "./scheduling/scheduler.js";
import { servingCertificate } from "./tls/serving-certificate.js";

export interface EppHandle {
  /** host:port of the ext_proc server. */
  grpcAddress: string;
  healthAddress: string;
  metricsUrl: string;
  /** The certificate the ext_proc port presents (PEM), and whether it is self-signed. */
  certificatePem: string | undefined;
  selfSigned: boolean;
  datastore: Datastore;
  /** The static endpoint source, when the EPP built one from flags (tests replace the pool through it). */
  endpoints: StaticEndpointSource | undefined;
  config: SchedulerConfig;
  /**
   * Scrape every endpoint now, again while one is busy; true once all answered idle (false after
   * the scraper's deadline). The barrier a one-request-at-a-time load waits on, so that the picks
   * depend on the requests before, not on how far the interval scrapes got (see MetricsScraper).
   */
  settle(): Promise<boolean>;
  close(): Promise<void>;
}

/** Start an Endpoint Picker: ext_proc on the gRPC port, health on the health port, metrics over HTTP. */
export async function startEpp(options: Partial<EppOptions> = {}): Promise<EppHandle> {
  const resolved = resolveEppOptions(options);
  const log = new EppLogger(resolved.log, () => resolved.clock.now(), resolved.verbosity, resolved.zapEncoder);
  const version = emulatedVersion(resolved.emulate);
  // Every stream's parts share them: worked out here once, not per stream or request.
  const streamControlHeaders = controlHeaders(version);
  const budget = new BodyBudget(resolved.maxBodyBytesPerStream, resolved.maxBodyBytesTotal);
  let metrics: EppMetrics | undefined;
  const random = new SeededRandom(resolved.randomSeed);
  const context: PluginContext = {
    random,
    now: () => resolved.clock.now(),
    events: {
      pdDecision: (model, decision) =>
        metrics?.pdDecisions.inc({ model_name: model || "unknown", decision_type: decision }),
    },
  };
  const configSource = resolved.configFile ?? (resolved.configText !== undefined ? "--config-text" : "default config");
  const configText = resolved.configFile ? await readFile(resolved.configFile, "utf8") : resolved.configText;
  const config = loadEndpointPickerConfig(configText, configSource, new PluginRegistry(), context);
  log.info("setup", "Loaded EndpointPickerConfig", {
    source: configSource,
    emulate: version.name,
    profiles: [...config.profiles.keys()],
    plugins: [...config.plugins.values()].map((p) => `${p.name}/${p.type}`),
  });
  for (const warning of config.warnings) log.info("setup", "Config accepted, not modelled by the testbed", { warning });
  const { source, staticSource } = await endpointSource(resolved, config.discoveryFile);
  const caPem = resolved.modelServerMetricsCaFile
    ? await readFile(resolved.modelServerMetricsCaFile, "utf8")
    : undefined;
  const scraper = new MetricsScraper({
    intervalMs: resolved.refreshMetricsIntervalMs,
    port: resolved.modelServerMetricsPort,
    path: resolved.modelServerMetricsPath,
    scheme: resolved.modelServerMetricsScheme,
    caPem,
    clock: resolved.clock,
  });
  const datastore = new Datastore(source, scraper, resolved.clock, resolved.metricsStalenessThresholdMs);

  const prefixScorers = [...config.plugins.values()].filter(
    (p): p is PrefixCacheScorer => p.type === "prefix-cache-scorer",
  );
  metrics = new EppMetrics(
    resolved.poolName,
    () => datastore.all(),
    () => prefixScorers.reduce((n, p) => n + p.index.size, 0),
    { priorityLabel: version.priorityLabel, deprecatedHelp: version.deprecatedHelp },
  );
  datastore.onRemoved((endpoint) => {
    for (const scorer of prefixScorers) scorer.index.removeEndpoint(hostPort(endpoint));
  });
  const eppMetrics = metrics;
  // One histogram child per plugin and extension point, which the scheduler asks for once.
  const scheduler = new Scheduler(
    config,
    (point, type, name) => {
      const child = eppMetrics.pluginDuration.labels({ extension_point: point, plugin_type: type, plugin_name: name });
      return (seconds) => child.observe(seconds);
    },
    resolved.clock,
  );
  const traces = new TraceRing("epp", `${resolved.poolName || "epp"}-epp`, undefined, resolved.trace);
  const router = new RequestRouter({
    traces: { ring: traces, pool: `${resolved.poolNamespace}/${resolved.poolName}` },
    version,
    random: () => random.next(),
    datastore,
    scheduler: () => ({ scheduler, config }),
    metrics,
    log,
    clock: resolved.clock,
  });

  const certificate = resolved.secureServing ? await servingCertificate(resolved.certPath) : undefined;
  const extProc = new GrpcStreamServer({ ...(certificate ? { tls: certificate } : {}), clock: resolved.clock });
  extProc.addMethod(
    extProcService().definition.Process as StreamingMethod<ProcessingRequest, ProcessingResponse>,
    (call) =>
      new ExtProcStream(call, {
        router,
        metrics: eppMetrics,
        log,
        version,
        controlHeaders: streamControlHeaders,
        budget,
        defaultBodyMode: resolved.extProcBodyMode,
        responseHeaderPlugins: () => config.responseHeaders,
        clock: resolved.clock,
      }),
  );
  log.info("setup", "gRPC server starting", { name: "ext-proc" });
  const grpcPort = await extProc.listen(resolved.host, resolved.grpcPort);
  log.info("setup", "gRPC server listening", { name: "ext-proc", port: grpcPort });

  const health = new HealthService({
    "": "SERVING",
    liveness: "SERVING",
    readiness: "SERVING",
    [EXT_PROC_SERVICE_NAME]: "SERVING",
  });
  const healthServer = new grpc.Server();
  healthServer.addService(health.definition(), health.handlers());
  log.info("setup", "gRPC server starting", { name: "health" });
  const healthPort = await bind(
    healthServer,
    resolved.host,
    resolved.grpcHealthPort,
    grpc.ServerCredentials.createInsecure(),
  );
  log.info("setup", "gRPC server listening", { name: "health", port: healthPort });

  const metricsServer = await startMetricsServer(metrics.registry, resolved.host, resolved.metricsPort, traces);
  log.info("controller-runtime.metrics", "Serving metrics server", {
    bindAddress: `${resolved.host}:${metricsServer.port}`,
    secure: false,
  });

  return {
    grpcAddress: `${resolved.host}:${grpcPort}`,
    healthAddress: `${resolved.host}:${healthPort}`,
    metricsUrl: `http://${resolved.host}:${metricsServer.port}/metrics`,
    certificatePem: certificate?.cert,
    selfSigned: certificate?.selfSigned ?? false,
    datastore,
    endpoints: staticSource,
    config,
    settle: () => scraper.settle(),
    async close() {
      await Promise.all([
        extProc.close(),
        shutdown(healthServer, resolved.clock),
        closeHttp(metricsServer.server),
        scraper.close(),
      ]);
    },
  };
}

/** The pool: a library caller's source, else the flags, else the config's file-discovery endpoints file. */
async function endpointSource(
  options: EppOptions,
  discoveryFile: string | undefined,
): Promise<{ source: EndpointSource; staticSource?: StaticEndpointSource }> {
  if (options.endpointSource) return { source: options.endpointSource };
  let specs = options.endpoints ? parseEndpointList(options.endpoints) : [];
  const file = options.endpointsFile ?? (options.endpoints ? undefined : discoveryFile);
  if (file) specs = parseEndpointsYaml(await readFile(file, "utf8"), file);
  const staticSource = new StaticEndpointSource(specs);
  return { source: staticSource, staticSource };
}

function bind(server: grpc.Server, host: string, port: number, credentials: grpc.ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync(`${host}:${port}`, credentials, (error, bound) => (error ? reject(error) : resolve(bound))),
  );
}

function shutdown(server: grpc.Server, clock: Clock): Promise<void> {
  return new Promise((resolve) => {
    const timer = clock.setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, 1000);
    server.tryShutdown(() => {
      clock.clearTimeout(timer);
      resolve();
    });
  });
}

function closeHttp(server: HttpServer): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
