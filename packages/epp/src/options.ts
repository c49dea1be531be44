import { type Clock, type LogSink, stderrSink, systemClock } from "@testbed/common";
import type { BodySendMode } from "@testbed/protocol";
import type { EndpointSource } from "./discovery/endpoint-source.js";
import { DEFAULT_EMULATED_VERSION } from "./emulation/emulated-version.js";

/** Everything an EPP can be told. Flag names are the real EPP's unless marked testbed-only. */
export interface EppOptions {
  /** Address to bind (testbed-only; the real EPP binds every interface). */
  host: string;
  grpcPort: number;
  grpcHealthPort: number;
  metricsPort: number;
  poolName: string;
  poolNamespace: string;
  /** Which InferencePool API the pool is read from (KServe passes it; RHOAI 3.2 installs v1alpha2). */
  poolGroup: string;
  /** TLS on the ext_proc port. Without certPath the EPP makes a self-signed certificate (Bug 3). */
  secureServing: boolean;
  /** Directory with tls.crt and tls.key. */
  certPath: string | undefined;
  configFile: string | undefined;
  configText: string | undefined;
  refreshMetricsIntervalMs: number;
  metricsStalenessThresholdMs: number;
  verbosity: number;
  /**
   * zap's encoder (library option). The seed's `oc logs` shows console lines although the RHOAI preset passes
   * `--zap-encoder json`, so the flag stays ignored and the console encoder is the default.
   */
  zapEncoder: "console" | "json";
  /** Static discovery (testbed-only flags, llm-d's no-Kubernetes formats). */
  endpoints: string | undefined;
  endpointsFile: string | undefined;
  modelServerMetricsPort: number;
  modelServerMetricsPath: string;
  modelServerMetricsScheme: "http" | "https";
  /** Verify model servers' metrics certificates against this CA (testbed-only; default: skip verification). */
  modelServerMetricsCaFile: string | undefined;
  /** Body mode assumed when Envoy does not send protocol_config (testbed-only). */
  extProcBodyMode: BodySendMode;
  /** Seed for tie-breaking and random pickers (testbed-only), so runs are reproducible. */
  randomSeed: number;
  /** Which released EPP's wire behaviour to reproduce (testbed-only; see emulation/emulated-version.ts). */
  emulate: string;
  /** The most request (or buffered response) body bytes one stream may hold (testbed-only). */
  maxBodyBytesPerStream: number;
  /** The most body bytes all streams together may hold (testbed-only). */
  maxBodyBytesTotal: number;
  /** Keep a routing trace of the last scheduling cycles, served at /debug/traces on the metrics port (testbed-only). */
  trace: boolean;
  /** Library-only: where endpoints come from (overrides the flags), the clock, the log. */
  endpointSource: EndpointSource | undefined;
  clock: Clock;
  log: LogSink;
}

export const DEFAULT_EPP_OPTIONS: Readonly<EppOptions> = {
  host: "127.0.0.1",
  grpcPort: 9002,
  grpcHealthPort: 9003,
  metricsPort: 9090,
  poolName: "",
  poolNamespace: "default",
  poolGroup: "inference.networking.k8s.io",
  secureServing: true,
  certPath: undefined,
  configFile: undefined,
  configText: undefined,
  refreshMetricsIntervalMs: 50,
  metricsStalenessThresholdMs: 2000,
  verbosity: 2,
  zapEncoder: "console",
  endpoints: undefined,
  endpointsFile: undefined,
  modelServerMetricsPort: 0,
  modelServerMetricsPath: "/metrics",
  modelServerMetricsScheme: "http",
  modelServerMetricsCaFile: undefined,
  extProcBodyMode: "FULL_DUPLEX_STREAMED",
  trace: true,
  randomSeed: 0,
  emulate: DEFAULT_EMULATED_VERSION,
  maxBodyBytesPerStream: 64 * 1024 * 1024,
  maxBodyBytesTotal: 256 * 1024 * 1024,
  endpointSource: undefined,
  clock: systemClock,
  log: stderrSink,
};

export function resolveEppOptions(options: Partial<EppOptions>): EppOptions {
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  return { ...DEFAULT_EPP_OPTIONS, ...defined };
}
