import { type Clock, type LogSink, stderrSink, systemClock } from "@testbed/common";
import type { ResponseMode } from "./tokens/response-planner.js";

export type PodRole = "prefill" | "decode" | "both";

/** Everything a vllm-sim pod can be told. Flag names follow vLLM's where vLLM has the flag. */
export interface VllmSimOptions {
  host: string;
  port: number;
  /** --model: the Hugging Face id whose architecture is simulated. */
  model: string;
  /** --served-model-name: names the API answers to (default: the model id). */
  servedModelName: string[];
  gpu: string;
  gpuMemoryUtilization: number;
  blockSize: number;
  /** Keep a routing trace of the last requests, served on the admin port at /debug/traces (testbed-only; default on). */
  trace?: boolean;
  /** Default: the model's max_position_embeddings (40960 for Qwen3). */
  maxModelLen: number | undefined;
  maxNumSeqs: number;
  maxNumBatchedTokens: number;
  /** Off by default, as on the seed's RHOAI vLLM until --enable-prefix-caching was added (Bug 4). */
  enablePrefixCaching: boolean;
  kvCacheMemoryBytes: number | undefined;
  numGpuBlocksOverride: number | undefined;
  enablePromptTokensDetails: boolean;
  sslCertfile: string | undefined;
  sslKeyfile: string | undefined;
  role: PodRole;
  /** 1 = real GPU timing, 0 = as fast as possible. */
  timeScale: number;
  seed: number;
  mode: ResponseMode;
  /** llm-d routing sidecar listening here, in front of vLLM on `port` (the topology uses 8000 → 8001). */
  sidecarPort: number | undefined;
  /** The sidecar reaches prefill pods over HTTPS (llm-d's --prefiller-use-tls). */
  prefillerUseTls: boolean;
  /** The sidecar's --enable-ssrf-protection: prefill targets must be pods of the InferencePool. */
  enableSsrfProtection: boolean;
  /** The sidecar's --inference-pool-namespace / --inference-pool-name (INFERENCE_POOL_NAMESPACE / _NAME). */
  inferencePoolNamespace: string | undefined;
  inferencePoolName: string | undefined;
  /**
   * Not a flag: the InferencePool's pod IPs and names, which the real sidecar watches through the
   * Kubernetes API; the embedding program supplies them.
   */
  inferencePoolMembers: (() => Iterable<string>) | undefined;
  /** Fault injection: percentage (0–100) of requests that fail, as llm-d-inference-sim's flag. */
  failureInjectionRate: number;
  failureTypes: string[];
  /** Modelled NIXL link between prefill and decode pods. */
  kvTransferBandwidthGBps: number;
  kvTransferLatencyMs: number;
  /**
   * The simulator's admin API (fault injection, forced metrics) listens here, apart from the OpenAI
   * port so that no Service or gateway route reaches it; undefined = no admin API.
   */
  adminPort: number | undefined;
  /** --enable-auto-tool-choice: tool_choice "auto" is allowed (with --tool-call-parser). */
  enableAutoToolChoice: boolean;
  /** --tool-call-parser: the parser that turns model text into tool_calls (hermes for Qwen3). */
  toolCallParser: string | undefined;
  /** --trust-request-chat-template: a request may bring its own chat template. */
  trustRequestChatTemplate: boolean;
  /** --enable-force-include-usage: every stream ends with a usage chunk, as if include_usage were set. */
  enableForceIncludeUsage: boolean;
  /** --enable-request-id-headers: responses carry X-Request-Id. */
  enableRequestIdHeaders: boolean;
  /** --enable-lora: LoRA adapters may be served; vllm:lora_requests_info is exported only then. */
  enableLora: boolean;
  /** --max-loras: adapters in one batch (vllm:lora_requests_info's max_lora). */
  maxLoras: number;
  /** --lora-modules: adapters served from start, `name=path` (or vLLM's JSON form). */
  loraModules: string[];
  /** VLLM_ALLOW_RUNTIME_LORA_UPDATING: registers /v1/load_lora_adapter and /v1/unload_lora_adapter. */
  allowRuntimeLoraUpdating: boolean;
  /**
   * llm-d-inference-sim's --startup-duration (a Go duration: "30s", "1m"): /health/ready answers 503
   * for this long after start.
   */
  startupDuration: string | undefined;
  /** --max-logprobs: the most logprobs a request may ask for per token (vLLM's default 20). */
  maxLogprobs: number;
  /** --show-hidden-metrics-for-version: "0.10" shows the metrics 0.11 hides (vllm:gpu_cache_usage_perc). */
  showHiddenMetricsForVersion: string | undefined;
  /** --enable-server-load-tracking: /load reports the requests in flight. */
  enableServerLoadTracking: boolean;
  /** Largest request body accepted before answering 413. */
  maxRequestBodyBytes: number;
  /**
   * --data-parallel-size, as llm-d-inference-sim reads it: ranks 1…N-1 are further simulators on
   * port+1…port+N-1, each with its own engine and metrics (the sidecar, if any, fronts every rank).
   */
  dataParallelSize: number;
  /**
   * llm-d-inference-sim's POD_NAME / POD_NAMESPACE: completions answer with x-inference-pod and
   * x-inference-port / x-inference-namespace. Read only where vllm-sim stands in for that simulator.
   */
  podName: string | undefined;
  podNamespace: string | undefined;
  /** Not flags: injected by the embedding program. */
  clock: Clock;
  log: LogSink;
  /**
   * Not a flag: load the tokenizer while starting, before the server listens, as vLLM does (default).
   * False leaves it to the first request that needs it: a testbed's in-process pods share one
   * tokenizer, which the testbed loads once the cluster is Ready.
   */
  loadTokenizerAtStart: boolean;
}

export const DEFAULT_OPTIONS: Readonly<VllmSimOptions> = {
  host: "127.0.0.1",
  port: 8000,
  model: "Qwen/Qwen3-0.6B",
  servedModelName: [],
  gpu: "t4",
  gpuMemoryUtilization: 0.9,
  blockSize: 16,
  maxModelLen: undefined,
  maxNumSeqs: 256,
  maxNumBatchedTokens: 2048,
  enablePrefixCaching: false,
  kvCacheMemoryBytes: undefined,
  numGpuBlocksOverride: undefined,
  enablePromptTokensDetails: false,
  sslCertfile: undefined,
  sslKeyfile: undefined,
  role: "both",
  timeScale: 1,
  seed: 0,
  mode: "random",
  sidecarPort: undefined,
  prefillerUseTls: false,
  enableSsrfProtection: false,
  inferencePoolNamespace: undefined,
  inferencePoolName: undefined,
  inferencePoolMembers: undefined,
  failureInjectionRate: 0,
  failureTypes: [],
  kvTransferBandwidthGBps: 1.5,
  kvTransferLatencyMs: 1,
  adminPort: undefined,
  enableAutoToolChoice: false,
  toolCallParser: undefined,
  trustRequestChatTemplate: false,
  enableForceIncludeUsage: false,
  enableRequestIdHeaders: false,
  enableLora: false,
  maxLoras: 1,
  showHiddenMetricsForVersion: undefined,
  maxLogprobs: 20,
  loraModules: [],
  allowRuntimeLoraUpdating: false,
  startupDuration: undefined,
  enableServerLoadTracking: false,
  maxRequestBodyBytes: 32 * 1024 * 1024,
  dataParallelSize: 1,
  podName: undefined,
  podNamespace: undefined,
  clock: systemClock,
  log: stderrSink,
  loadTokenizerAtStart: true,
};

/** Explicit options over defaults; the one place defaults are applied. */
export function resolveOptions(options: Partial<VllmSimOptions>): VllmSimOptions {
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  return { ...DEFAULT_OPTIONS, ...defined };
}

export function servedModelNames(options: VllmSimOptions): string[] {
  return options.servedModelName.length > 0 ? options.servedModelName : [options.model];
}
