// The real EPP's command line (Go flag style: `--grpc-port=9002`, `--grpc-port 9002`,
// `--secure-serving=false`, `-v=4`, durations such as `50ms`) → EppOptions.
import { parseArgs } from "node:util";
import { DEFAULT_EMULATED_VERSION, EMULATED_VERSIONS } from "./emulation/emulated-version.js";
import type { EppOptions } from "./options.js";

/** A flag the EPP does not know, or a value it cannot parse (with Go's flag package's message). */
export class EppArgsError extends Error {}

type Kind = "int" | "bool" | "string" | "duration" | "scheme" | "bodyMode" | "version";

const FLAGS: Record<string, { key: keyof EppOptions; kind: Kind; help: string; testbedOnly?: boolean }> = {
  "grpc-port": { key: "grpcPort", kind: "int", help: "ext_proc gRPC port (9002)" },
  "grpc-health-port": { key: "grpcHealthPort", kind: "int", help: "gRPC health port (9003)" },
  "metrics-port": { key: "metricsPort", kind: "int", help: "Prometheus metrics port (9090)" },
  "pool-name": { key: "poolName", kind: "string", help: "InferencePool name" },
  "pool-namespace": { key: "poolNamespace", kind: "string", help: "InferencePool namespace (default)" },
  "pool-group": {
    key: "poolGroup",
    kind: "string",
    help: "InferencePool API group (default inference.networking.k8s.io, the v1 API; KServe passes inference.networking.x-k8s.io for v1alpha2)",
  },
  "secure-serving": { key: "secureServing", kind: "bool", help: "TLS on the ext_proc port (true)" },
  "cert-path": { key: "certPath", kind: "string", help: "directory with tls.crt and tls.key (else self-signed)" },
  "config-file": { key: "configFile", kind: "string", help: "EndpointPickerConfig file" },
  "config-text": { key: "configText", kind: "string", help: "EndpointPickerConfig, inline" },
  "refresh-metrics-interval": {
    key: "refreshMetricsIntervalMs",
    kind: "duration",
    help: "metrics scrape interval (50ms)",
  },
  "metrics-staleness-threshold": {
    key: "metricsStalenessThresholdMs",
    kind: "duration",
    help: "metrics older than this are unknown (2s)",
  },
  v: { key: "verbosity", kind: "int", help: "log verbosity (2); 3 logs every request handled, 4 the scores" },
  "model-server-metrics-port": {
    key: "modelServerMetricsPort",
    kind: "int",
    help: "port to scrape (0 = endpoint port)",
  },
  "model-server-metrics-path": { key: "modelServerMetricsPath", kind: "string", help: "metrics path (/metrics)" },
  "model-server-metrics-scheme": { key: "modelServerMetricsScheme", kind: "scheme", help: "http or https" },
  host: { key: "host", kind: "string", help: "address to bind (127.0.0.1)", testbedOnly: true },
  endpoints: { key: "endpoints", kind: "string", help: "static pool: ip:port,ip:port", testbedOnly: true },
  "endpoints-file": {
    key: "endpointsFile",
    kind: "string",
    help: "static pool: llm-d endpoints.yaml",
    testbedOnly: true,
  },
  "model-server-metrics-ca-file": {
    key: "modelServerMetricsCaFile",
    kind: "string",
    help: "CA for https metrics",
    testbedOnly: true,
  },
  "ext-proc-body-mode": {
    key: "extProcBodyMode",
    kind: "bodyMode",
    help: "body mode when Envoy sends no protocol_config",
    testbedOnly: true,
  },
  "random-seed": { key: "randomSeed", kind: "int", help: "seed for tie-breaking (0)", testbedOnly: true },
  emulate: {
    key: "emulate",
    kind: "version",
    help: `released EPP to behave like (${Object.keys(EMULATED_VERSIONS).join(", ")}; default ${DEFAULT_EMULATED_VERSION})`,
    testbedOnly: true,
  },
  "max-body-bytes-per-stream": {
    key: "maxBodyBytesPerStream",
    kind: "int",
    help: "body bytes one stream may hold before a 413 (64 MiB)",
    testbedOnly: true,
  },
  "max-body-bytes-total": {
    key: "maxBodyBytesTotal",
    kind: "int",
    help: "body bytes all streams may hold before a 413 (256 MiB)",
    testbedOnly: true,
  },
};

const BODY_MODES = ["NONE", "STREAMED", "BUFFERED", "BUFFERED_PARTIAL", "FULL_DUPLEX_STREAMED"];

export interface ParsedEppArgs {
  options: Partial<EppOptions>;
  ignored: string[];
  help: boolean;
}

export function parseEppArgs(argv: readonly string[]): ParsedEppArgs {
  const declared = Object.fromEntries(
    Object.entries(FLAGS).map(([flag, spec]) => [
      flag,
      { type: spec.kind === "bool" ? ("boolean" as const) : ("string" as const) },
    ]),
  );
  // Go accepts -flag as well as --flag; node's parser wants long options with two dashes.
  const normalized = argv.map((arg) => (/^-[a-z][a-z-]*(=|$)/.test(arg) && arg !== "-h" ? `-${arg}` : arg));
  const { tokens } = parseArgs({
    args: normalized,
    options: { ...declared, help: { type: "boolean", short: "h" } },
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const options: Record<string, unknown> = {};
  const ignored: string[] = [];
  let help = false;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token?.kind !== "option") continue;
    if (token.name === "help") {
      help = true;
      continue;
    }
    const spec = FLAGS[token.name];
    let value = token.value;
    if (spec?.kind === "bool" && value === undefined) {
      // `--secure-serving false` (Go also accepts only `=`; we are lenient).
      const next = tokens[i + 1];
      if (next?.kind === "positional" && (next.value === "true" || next.value === "false")) {
        value = next.value;
        i++;
      }
    }
    if (!spec) {
      ignored.push(token.rawName);
      continue;
    }
    options[spec.key] = convert(token.name, spec.kind, value);
  }
  return { options: options as Partial<EppOptions>, ignored, help };
}

function convert(flag: string, kind: Kind, value: string | undefined): unknown {
  if (kind === "bool") {
    if (value === undefined || value === "true") return true;
    if (value === "false") return false;
    throw new EppArgsError(`invalid boolean value "${value}" for -${flag}: parse error`);
  }
  if (value === undefined) throw new EppArgsError(`flag needs an argument: -${flag}`);
  if (kind === "int") {
    if (!/^-?\d+$/.test(value)) throw new EppArgsError(`invalid value "${value}" for flag -${flag}: parse error`);
    return Number(value);
  }
  if (kind === "duration") return parseGoDuration(flag, value);
  if (kind === "scheme" && value !== "http" && value !== "https") {
    throw new EppArgsError(`invalid value "${value}" for flag -${flag}: must be http or https`);
  }
  if (kind === "bodyMode" && !BODY_MODES.includes(value)) {
    throw new EppArgsError(`invalid value "${value}" for flag -${flag}: must be one of ${BODY_MODES.join(", ")}`);
  }
  if (kind === "version" && !(value in EMULATED_VERSIONS)) {
    throw new EppArgsError(
      `invalid value "${value}" for flag -${flag}: must be one of ${Object.keys(EMULATED_VERSIONS).join(", ")}`,
    );
  }
  return value;
}

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration, in milliseconds ("50ms", "2s", "1m30s"). */
export function parseGoDuration(flag: string, text: string): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text) {
    throw new EppArgsError(`invalid value "${text}" for flag -${flag}: parse error`);
  }
  return parts.reduce((total, part) => total + Number(part[1]) * (UNIT_MS[part[2] as string] as number), 0);
}

export function eppArgsUsage(): string {
  const lines = ["usage: testbed epp [flags]", "", "flags (the real EPP's unless marked [testbed]):"];
  for (const [flag, spec] of Object.entries(FLAGS)) {
    lines.push(`  -${flag.padEnd(32)} ${spec.help}${spec.testbedOnly ? " [testbed]" : ""}`);
  }
  return lines.join("\n");
}
