// `vllm serve`-style arguments → VllmSimOptions. Flags vLLM has keep vLLM's names and forms
// (`--block-size 16`, `--block-size=16`, `--no-enable-prefix-caching`); the simulator's own flags
// are marked. A flag vLLM accepts but the simulator does not model is accepted with a warning,
// because the topology passes real vLLM argument lists through VLLM_ADDITIONAL_ARGS.
import { parseArgs } from "node:util";
import { FAULT_TYPES } from "./faults.js";
import { GPU_PROFILES } from "./hardware/gpu-profiles.js";
import type { VllmSimOptions } from "./options.js";

type Kind = "string" | "int" | "float" | "bool" | "list";

interface FlagSpec {
  flag: string;
  key: keyof VllmSimOptions;
  kind: Kind;
  help: string;
  choices?: readonly string[];
  /** Not a vLLM flag: the simulator's own. */
  simOnly?: boolean;
}

export const VLLM_SIM_FLAGS: readonly FlagSpec[] = [
  { flag: "host", key: "host", kind: "string", help: "address to listen on (default 127.0.0.1)" },
  { flag: "port", key: "port", kind: "int", help: "port of the OpenAI API (default 8000)" },
  {
    flag: "model",
    key: "model",
    kind: "string",
    help: "model whose architecture is simulated (default Qwen/Qwen3-0.6B)",
  },
  { flag: "served-model-name", key: "servedModelName", kind: "list", help: "name(s) the API answers to" },
  {
    flag: "gpu",
    key: "gpu",
    kind: "string",
    help: "GPU profile",
    choices: GPU_PROFILES.map((g) => g.key),
    simOnly: true,
  },
  {
    flag: "gpu-memory-utilization",
    key: "gpuMemoryUtilization",
    kind: "float",
    help: "fraction of GPU memory vLLM may use (0.9)",
  },
  {
    flag: "block-size",
    key: "blockSize",
    kind: "int",
    help: "tokens per KV block (16)",
    choices: ["1", "8", "16", "32", "64", "128"],
  },
  { flag: "max-model-len", key: "maxModelLen", kind: "int", help: "context length (model default, 40960 for Qwen3)" },
  { flag: "max-num-seqs", key: "maxNumSeqs", kind: "int", help: "requests running at once (256)" },
  {
    flag: "max-num-batched-tokens",
    key: "maxNumBatchedTokens",
    kind: "int",
    help: "token budget per engine step (2048)",
  },
  {
    flag: "enable-prefix-caching",
    key: "enablePrefixCaching",
    kind: "bool",
    help: "automatic prefix caching (default off, as on RHOAI 3.2)",
  },
  {
    flag: "kv-cache-memory-bytes",
    key: "kvCacheMemoryBytes",
    kind: "int",
    help: "KV cache size in bytes, skipping memory profiling",
  },
  { flag: "num-gpu-blocks-override", key: "numGpuBlocksOverride", kind: "int", help: "force the number of KV blocks" },
  {
    flag: "kv-cache-size",
    key: "numGpuBlocksOverride",
    kind: "int",
    help: "llm-d-inference-sim's name for --num-gpu-blocks-override",
    simOnly: true,
  },
  {
    flag: "enable-prompt-tokens-details",
    key: "enablePromptTokensDetails",
    kind: "bool",
    help: "report cached prompt tokens in usage",
  },
  { flag: "ssl-certfile", key: "sslCertfile", kind: "string", help: "serve HTTPS with this certificate" },
  { flag: "ssl-keyfile", key: "sslKeyfile", kind: "string", help: "private key for --ssl-certfile" },
  {
    flag: "role",
    key: "role",
    kind: "string",
    help: "P/D role",
    choices: ["prefill", "decode", "both"],
    simOnly: true,
  },
  {
    flag: "time-scale",
    key: "timeScale",
    kind: "float",
    help: "1 = real GPU timing, 0 = as fast as possible",
    simOnly: true,
  },
  { flag: "seed", key: "seed", kind: "int", help: "random seed (generated text, fault draws)" },
  {
    flag: "mode",
    key: "mode",
    kind: "string",
    help: "random or echo answers",
    choices: ["random", "echo"],
    simOnly: true,
  },
  {
    flag: "sidecar-port",
    key: "sidecarPort",
    kind: "int",
    help: "run llm-d's routing sidecar on this port",
    simOnly: true,
  },
  {
    flag: "enable-ssrf-protection",
    key: "enableSsrfProtection",
    kind: "bool",
    help: "sidecar: prefill targets must be pods of the InferencePool (403 otherwise)",
    simOnly: true,
  },
  {
    flag: "inference-pool-namespace",
    key: "inferencePoolNamespace",
    kind: "string",
    help: "sidecar: namespace of the InferencePool (SSRF protection)",
    simOnly: true,
  },
  {
    flag: "inference-pool-name",
    key: "inferencePoolName",
    kind: "string",
    help: "sidecar: name of the InferencePool (SSRF protection)",
    simOnly: true,
  },
  {
    flag: "prefiller-use-tls",
    key: "prefillerUseTls",
    kind: "bool",
    help: "sidecar reaches prefill pods over HTTPS",
    simOnly: true,
  },
  {
    flag: "failure-injection-rate",
    key: "failureInjectionRate",
    kind: "float",
    help: "percent of requests to fail (0-100)",
    simOnly: true,
  },
  {
    flag: "failure-types",
    key: "failureTypes",
    kind: "list",
    help: `fault types: ${FAULT_TYPES.join(", ")}`,
    simOnly: true,
  },
  {
    flag: "kv-transfer-bandwidth",
    key: "kvTransferBandwidthGBps",
    kind: "float",
    help: "P/D KV link in GB/s (1.5)",
    simOnly: true,
  },
  {
    flag: "kv-transfer-latency",
    key: "kvTransferLatencyMs",
    kind: "float",
    help: "P/D KV link latency in ms (1)",
    simOnly: true,
  },
  {
    flag: "admin-port",
    key: "adminPort",
    kind: "int",
    help: "admin API (faults, forced metrics) on this port; no Service exposes it",
    simOnly: true,
  },
  {
    flag: "data-parallel-size",
    key: "dataParallelSize",
    kind: "int",
    help: "ranks on port, port+1, … (llm-d-inference-sim's meaning; vLLM serves them behind one port)",
  },
  {
    flag: "enable-auto-tool-choice",
    key: "enableAutoToolChoice",
    kind: "bool",
    help: 'allow tool_choice "auto" (needs --tool-call-parser)',
  },
  { flag: "tool-call-parser", key: "toolCallParser", kind: "string", help: "tool call parser (hermes for Qwen3)" },
  {
    flag: "trust-request-chat-template",
    key: "trustRequestChatTemplate",
    kind: "bool",
    help: "accept a chat template sent with the request",
  },
  {
    flag: "enable-force-include-usage",
    key: "enableForceIncludeUsage",
    kind: "bool",
    help: "usage chunk at the end of every stream",
  },
  {
    flag: "enable-request-id-headers",
    key: "enableRequestIdHeaders",
    kind: "bool",
    help: "X-Request-Id on every response",
  },
  {
    flag: "enable-lora",
    key: "enableLora",
    kind: "bool",
    help: "serve LoRA adapters (exports vllm:lora_requests_info)",
  },
  { flag: "max-loras", key: "maxLoras", kind: "int", help: "LoRA adapters per batch (1)" },
  {
    flag: "lora-modules",
    key: "loraModules",
    kind: "list",
    help: "LoRA adapters served from start, name=path (repeat the flag or separate with commas)",
  },
  {
    flag: "startup-duration",
    key: "startupDuration",
    kind: "string",
    help: "llm-d-inference-sim's: /health/ready answers 503 for this long (Go duration, e.g. 30s)",
    simOnly: true,
  },
  { flag: "max-logprobs", key: "maxLogprobs", kind: "int", help: "most logprobs per token a request may ask for (20)" },
  {
    flag: "show-hidden-metrics-for-version",
    key: "showHiddenMetricsForVersion",
    kind: "string",
    help: "0.10: also the metrics 0.11 hides (vllm:gpu_cache_usage_perc)",
  },
  {
    flag: "enable-server-load-tracking",
    key: "enableServerLoadTracking",
    kind: "bool",
    help: "/load reports the requests in flight",
  },
  {
    flag: "max-request-body-bytes",
    key: "maxRequestBodyBytes",
    kind: "int",
    help: "413 above this body size (32 MiB)",
    simOnly: true,
  },
];

export interface ParsedVllmArgs {
  options: Partial<VllmSimOptions>;
  /** Flags accepted but not modelled, with their values. */
  ignored: string[];
  help: boolean;
}

export class VllmArgsError extends Error {}

/** What vLLM reads from its environment rather than its flags. */
export function vllmEnvironmentOptions(env: Readonly<Record<string, string | undefined>>): Partial<VllmSimOptions> {
  // vllm/envs.py: VLLM_ALLOW_RUNTIME_LORA_UPDATING is true for "1" or "true" (any case).
  const runtimeLora = (env.VLLM_ALLOW_RUNTIME_LORA_UPDATING ?? "").toLowerCase();
  return { allowRuntimeLoraUpdating: runtimeLora === "1" || runtimeLora === "true" };
}

/** What llm-d-inference-sim reads from its environment: the pod it runs in (downward API). */
export function inferenceSimEnvironmentOptions(
  env: Readonly<Record<string, string | undefined>>,
): Partial<VllmSimOptions> {
  return { podName: env.POD_NAME || undefined, podNamespace: env.POD_NAMESPACE || undefined };
}

export function parseVllmArgs(argv: readonly string[]): ParsedVllmArgs {
  const specs = new Map(VLLM_SIM_FLAGS.map((spec) => [spec.flag, spec]));
  const declared = Object.fromEntries(
    VLLM_SIM_FLAGS.map((spec) => [
      spec.flag,
      { type: spec.kind === "bool" ? ("boolean" as const) : ("string" as const), multiple: spec.kind === "list" },
    ]),
  );
  const { tokens } = parseArgs({
    args: [...argv],
    options: { ...declared, help: { type: "boolean", short: "h" } },
    strict: false,
    allowPositionals: true,
    allowNegative: true,
    tokens: true,
  });
  const options: Record<string, unknown> = {};
  const ignored: string[] = [];
  const consumed = new Set<number>();
  let help = false;
  tokens.forEach((token, position) => {
    if (consumed.has(position) || token.kind === "option-terminator") return;
    if (token.kind === "positional") {
      // `vllm serve MODEL`: the first bare word is the model.
      if (options.model === undefined) options.model = token.value;
      else ignored.push(token.value);
      return;
    }
    if (token.name === "help") {
      help = true;
      return;
    }
    const spec = specs.get(token.name);
    if (!spec) {
      const next = tokens[position + 1];
      const takesValue = token.value === undefined && next?.kind === "positional" && next.index === token.index + 1;
      if (takesValue) consumed.add(position + 1);
      const value = token.value ?? (takesValue ? next.value : undefined);
      ignored.push(value === undefined ? token.rawName : `${token.rawName} ${value}`);
      return;
    }
    const negated = token.rawName.startsWith("--no-");
    options[spec.key] = convert(spec, negated ? false : (token.value ?? true), options[spec.key]);
  });
  return { options: options as Partial<VllmSimOptions>, ignored, help };
}

function convert(spec: FlagSpec, raw: string | boolean, previous: unknown): unknown {
  if (spec.kind === "bool") return raw === true || raw === "true" || raw === "True";
  const value = String(raw);
  if (spec.choices && !spec.choices.includes(value)) {
    throw new VllmArgsError(
      `argument --${spec.flag}: invalid choice: '${value}' (choose from ${spec.choices.map((c) => `'${c}'`).join(", ")})`,
    );
  }
  if (spec.kind === "int") {
    if (!/^-?\d+$/.test(value)) throw new VllmArgsError(`argument --${spec.flag}: invalid int value: '${value}'`);
    return Number(value);
  }
  if (spec.kind === "float") {
    const number = Number(value);
    if (value.trim() === "" || Number.isNaN(number)) {
      throw new VllmArgsError(`argument --${spec.flag}: invalid float value: '${value}'`);
    }
    return number;
  }
  if (spec.kind === "list") {
    const items = value
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item !== "");
    return [...((previous as string[] | undefined) ?? []), ...items];
  }
  return value;
}

/** `testbed vllm-sim --help`. */
export function vllmArgsUsage(): string {
  const lines = ["usage: testbed vllm-sim [MODEL] [flags]", "", "flags (vLLM's names unless marked [sim]):"];
  for (const spec of VLLM_SIM_FLAGS) {
    const form = spec.kind === "bool" ? `--[no-]${spec.flag}` : `--${spec.flag} <${spec.kind}>`;
    lines.push(`  ${form.padEnd(40)} ${spec.help}${spec.simOnly ? " [sim]" : ""}`);
  }
  lines.push(
    "",
    "Other vLLM flags are accepted and ignored with a warning. VLLM_ADDITIONAL_ARGS is appended to the flags.",
  );
  return lines.join("\n");
}
