import { hashString, mixSeeds } from "@testbed/common";
import { TraceRing } from "@testbed/trace";
import { compositeObserver } from "./engine/composite-observer.js";
import { EngineCore } from "./engine/engine-core.js";
import type { EngineRequest, RequestListener } from "./engine/engine-request.js";
import { kvTransferSeconds, StepTimingModel } from "./engine/step-timing.js";
import { FaultInjector } from "./faults.js";
import { findGpuProfile, GPU_PROFILES, type GpuProfile } from "./hardware/gpu-profiles.js";
import { GiB, type KvSizing, sizeKvCache } from "./hardware/kv-cache-sizing.js";
import { findModelArchitecture, MODEL_ARCHITECTURES, type ModelArchitecture } from "./hardware/model-architectures.js";
import { parseGoDuration } from "./http/go-duration.js";
import { KvBlockPool } from "./kv/kv-block-pool.js";
import { KvCacheManager } from "./kv/kv-cache-manager.js";
import { LoraAdapters, parseLoraModule } from "./lora/lora-adapters.js";
import { cacheConfigLabels } from "./metrics/cache-config-labels.js";
import { EngineStatsLogger } from "./metrics/engine-stats-logger.js";
import { HttpMetrics } from "./metrics/http-metrics.js";
import { VllmMetrics } from "./metrics/vllm-metrics.js";
import { servedModelNames, type VllmSimOptions } from "./options.js";
import { IncrementalDetokenizer } from "./tokens/incremental-detokenizer.js";
import { type Qwen3Tokenizer, qwen3Tokenizer } from "./tokens/qwen3-tokenizer.js";
import { ResponsePlanner } from "./tokens/response-planner.js";
import { EngineTraceRecorder } from "./trace/engine-trace.js";
import { groupedThousands, VllmLogger } from "./vllm-log.js";

/** Start-up refused, with the message vLLM (or the simulator) would print. */
export class StartupError extends Error {}

export interface GenerateInput {
  promptTokenIds: number[];
  echoText: string;
  maxTokens: number;
  ignoreEos: boolean;
  minTokens: number;
  stop: string[];
  stopTokenIds: number[];
  includeStopStrInOutput: boolean;
  seed: number | undefined;
  remoteDecode: boolean;
  remotePrefill: boolean;
  /** The child index among the request's `n` samples (0 when n is 1). */
  sampleIndex?: number | undefined;
  /** Structured outputs (response_format, a forced tool call): the JSON text the model writes. */
  forcedText?: string | undefined;
  /** The LoRA adapter the request's `model` names, if any. */
  loraName?: string | undefined;
}

/** init_static_loras: every --lora-modules entry is loaded at start; a malformed one stops it. */
function staticLoras(baseModelName: string, modules: readonly string[]): LoraAdapters {
  const loras = new LoraAdapters(baseModelName);
  for (const item of modules) {
    const module = parseLoraModule(item);
    if (!module) {
      throw new StartupError(
        `Invalid format for ${item}. Expected name=path or JSON with "name" and "path" (--lora-modules).`,
      );
    }
    loras.load(module.name, module.path);
  }
  return loras;
}

/**
 * One simulated vLLM instance without its HTTP front: the model's shape, the GPU, the KV cache
 * sized from GPU bytes, the tokenizer, the engine loop, metrics and fault injection.
 */
export class ModelServer {
  readonly modelNames: string[];
  readonly maxModelLen: number;
  readonly tokenizer: Qwen3Tokenizer;
  readonly engine: EngineCore;
  readonly metrics: VllmMetrics;
  readonly httpMetrics: HttpMetrics;
  readonly faults: FaultInjector;
  readonly log: VllmLogger;
  /** The routing trace: this pod's engine hops, served on the admin port at /debug/traces. */
  readonly traces: EngineTraceRecorder;
  private readonly planner: ResponsePlanner;
  private readonly statsLogger: EngineStatsLogger;
  /**
   * Seconds the tokenizer took to load on the server's clock (none on a simulated one, nor when it is
   * loaded on first use), reported as vLLM's model loading time.
   */
  private readonly loadSeconds: number;
  private requestCounter = 0;
  private idSeed: number;
  /** LoRA adapters served besides the base model (--lora-modules, /v1/load_lora_adapter). */
  readonly loras: LoraAdapters;
  /** When the server started (monotonic ms): /health/ready waits --startup-duration from here. */
  readonly startedAt: number;
  /** Generate requests in flight (vLLM's server_load_metrics, reported by /load). */
  serverLoad = 0;

  constructor(
    readonly options: VllmSimOptions,
    readonly architecture: ModelArchitecture,
    readonly gpu: GpuProfile,
    readonly sizing: KvSizing,
  ) {
    this.modelNames = servedModelNames(options);
    this.startedAt = options.clock.monotonicNow();
    this.loras = staticLoras(this.modelNames[0] as string, options.loraModules);
    this.idSeed = mixSeeds(options.seed, hashString(`${options.host}:${options.port}`));
    this.maxModelLen = options.maxModelLen ?? architecture.maxPositionEmbeddings;
    this.log = new VllmLogger(options.log, () => options.clock.now());
    const loadStart = options.clock.monotonicNow();
    this.tokenizer = qwen3Tokenizer();
    if (options.loadTokenizerAtStart) this.tokenizer.load();
    this.loadSeconds = (options.clock.monotonicNow() - loadStart) / 1000;
    this.planner = new ResponsePlanner(this.tokenizer, options.mode, options.seed);
    this.faults = new FaultInjector(mixSeeds(options.seed, 0xfa17));
    this.faults.configure({
      rate: options.failureInjectionRate / 100,
      types: options.failureTypes as FaultInjector["current"]["types"],
    });
    this.metrics = new VllmMetrics({
      modelName: this.modelNames[0] as string,
      maxModelLen: this.maxModelLen,
      cacheConfig: cacheConfigLabels(options, sizing),
      maxLoras: options.enableLora ? options.maxLoras : undefined,
      showHiddenMetrics: options.showHiddenMetricsForVersion === "0.10",
      clock: options.clock,
    });
    this.httpMetrics = new HttpMetrics(this.metrics.registry, () => this.metrics.changed());
    const ring = new TraceRing("vllm-sim", `${options.host}:${options.port}`, undefined, options.trace !== false);
    const pod = { model: this.modelNames[0] as string, role: options.role, blockSize: options.blockSize };
    this.traces = new EngineTraceRecorder(ring, options.clock, pod);
    const pool = new KvBlockPool(sizing.numGpuBlocks);
    const kv = new KvCacheManager(pool, options.blockSize, options.enablePrefixCaching);
    const timing = new StepTimingModel({
      model: architecture,
      gpu,
      parameterCount: sizing.parameterCount,
      dtypeBytes: sizing.dtypeBytes,
      kvBytesPerToken: sizing.bytesPerToken,
    });
    const link = {
      bandwidthBytesPerSecond: options.kvTransferBandwidthGBps * 1e9,
      latencySeconds: options.kvTransferLatencyMs / 1000,
    };
    const load = {
      numRunning: () => this.engine.numRunning,
      numWaiting: () => this.engine.numWaiting,
      kvCacheUsage: () => pool.usage(),
      loraAdapters: () => this.engine.loraAdapters(),
    };
    this.statsLogger = new EngineStatsLogger(this.log, options.clock, load);
    this.engine = new EngineCore(
      {
        maxNumSeqs: options.maxNumSeqs,
        maxNumBatchedTokens: options.maxNumBatchedTokens,
        maxModelLen: this.maxModelLen,
        timeScale: options.timeScale,
        clock: options.clock,
        remoteKvSeconds: (tokens) => kvTransferSeconds(link, tokens, sizing.bytesPerToken),
      },
      kv,
      timing,
      compositeObserver([this.metrics, this.statsLogger, this.traces]),
    );
    this.metrics.attach(load);
    this.statsLogger.start();
  }

  /** Stop background timers (the periodic stats line). */
  close(): void {
    this.statsLogger.stop();
  }

  /** Resolve the model and GPU, size the KV cache, and refuse to start as vLLM would. */
  static create(options: VllmSimOptions): ModelServer {
    const architecture = findModelArchitecture(options.model);
    if (!architecture) {
      const known = MODEL_ARCHITECTURES.map((model) => model.id).join(", ");
      throw new StartupError(`unknown model ${options.model}: the simulator knows ${known}`);
    }
    const gpu = findGpuProfile(options.gpu);
    if (!gpu) {
      throw new StartupError(`unknown GPU ${options.gpu}: choose one of ${GPU_PROFILES.map((g) => g.key).join(", ")}`);
    }
    if (options.startupDuration !== undefined && parseGoDuration(options.startupDuration) === undefined) {
      throw new StartupError(
        `invalid argument "${options.startupDuration}" for "--startup-duration" flag: time: invalid duration "${options.startupDuration}"`,
      );
    }
    const maxModelLen = options.maxModelLen ?? architecture.maxPositionEmbeddings;
    if (maxModelLen > architecture.maxPositionEmbeddings) {
      throw new StartupError(
        `User-specified max_model_len (${maxModelLen}) is greater than the derived max_model_len (max_position_embeddings=${architecture.maxPositionEmbeddings} in model's config.json).`,
      );
    }
    const sizing = sizeKvCache({
      model: architecture,
      gpu,
      gpuMemoryUtilization: options.gpuMemoryUtilization,
      blockSize: options.blockSize,
      maxModelLen,
      maxNumSeqs: options.maxNumSeqs,
      maxNumBatchedTokens: options.maxNumBatchedTokens,
      kvCacheMemoryBytes: options.kvCacheMemoryBytes,
      numGpuBlocksOverride: options.numGpuBlocksOverride,
    });
    return new ModelServer(options, architecture, gpu, sizing);
  }

  /** The lines vLLM prints while loading the model and profiling memory. */
  logStartup(): void {
    const { sizing, gpu, architecture } = this;
    if (sizing.dtypeFallbackFrom) {
      this.log.warning(
        "model.py:1682",
        `Your device '${gpu.deviceName}' (with compute capability ${gpu.computeCapability}) doesn't support torch.${sizing.dtypeFallbackFrom}. Falling back to torch.${sizing.dtype} for compatibility.`,
      );
      this.log.warning("model.py:1733", `Casting torch.${sizing.dtypeFallbackFrom} to torch.${sizing.dtype}.`);
    }
    this.log.info("model.py:1510", `Using max model len ${this.maxModelLen}`);
    if (!this.options.enablePrefixCaching) this.log.info("vllm_sim", "Prefix caching is disabled.");
    this.log.info("gpu_model_runner.py:2602", `Starting to load model ${architecture.id}...`);
    this.log.info(
      "gpu_model_runner.py:2653",
      `Model loading took ${(sizing.weightBytes / GiB).toFixed(4)} GiB and ${this.loadSeconds.toFixed(6)} seconds`,
    );
    this.log.info("gpu_worker.py:298", `Available KV cache memory: ${(sizing.availableKvBytes / GiB).toFixed(2)} GiB`);
    if (this.options.numGpuBlocksOverride !== undefined) {
      this.log.info(
        "kv_cache_utils.py:1050",
        `Overriding num_gpu_blocks=${sizing.profiledNumGpuBlocks} with num_gpu_blocks_override=${sizing.numGpuBlocks}`,
      );
    }
    this.log.info("kv_cache_utils.py:1087", `GPU KV cache size: ${groupedThousands(sizing.kvCacheTokens)} tokens`);
    this.log.info(
      "kv_cache_utils.py:1091",
      `Maximum concurrency for ${groupedThousands(this.maxModelLen)} tokens per request: ${sizing.maxConcurrency.toFixed(2)}x`,
    );
  }

  servesModel(name: string): boolean {
    return this.modelNames.includes(name) || this.loras.has(name);
  }

  /**
   * A fresh id in the form of vLLM's random_uuid() (uuid4().hex, 32 hex digits): deterministic for
   * the pod's seed and address, so pods sharing a seed still never hand out the same ids.
   */
  randomUuid(): string {
    const n = ++this.requestCounter;
    const hex = [1, 2, 3, 4].map((lane) => mixSeeds(this.idSeed, n, lane).toString(16).padStart(8, "0"));
    return hex.join("");
  }

  /** A request id in vLLM's style (`chatcmpl-<32 hex>`). */
  nextRequestId(prefix: string): string {
    return `${prefix}-${this.randomUuid()}`;
  }

  /** Where the pod listens, once it does: mixed into its ids. */
  listeningOn(address: string): void {
    this.idSeed = mixSeeds(this.options.seed, hashString(address));
  }

  generate(id: string, input: GenerateInput, listener: RequestListener): EngineRequest {
    const plannedOutput = this.planner.plan({
      promptTokenIds: input.promptTokenIds,
      echoText: input.echoText,
      maxTokens: input.maxTokens,
      ignoreEos: input.ignoreEos,
      requestSeed: input.seed,
      sampleIndex: input.sampleIndex,
      forcedText: input.forcedText,
    });
    const request = this.engine.add({
      id,
      promptTokenIds: input.promptTokenIds,
      plannedOutput,
      maxTokens: input.maxTokens,
      ignoreEos: input.ignoreEos,
      minTokens: input.minTokens,
      stopTokenIds: input.stopTokenIds,
      includeStopStrInOutput: input.includeStopStrInOutput,
      detokenizer: new IncrementalDetokenizer(this.tokenizer, input.stop, input.includeStopStrInOutput),
      remoteDecode: input.remoteDecode,
      remotePrefill: input.remotePrefill,
      loraName: input.loraName,
      listener,
    });
    this.traces.started(request);
    return request;
  }
}
