import type { Clock } from "@testbed/common";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { EngineObserver } from "../engine/engine-observer.js";
import type { EngineRequest } from "../engine/engine-request.js";
import { registerProcessMetrics } from "./process-metrics.js";

const TTFT_BUCKETS = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0,
  640.0, 2560.0,
];
const TOKEN_LATENCY_BUCKETS = [
  0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0,
];
const REQUEST_LATENCY_BUCKETS = [
  0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0,
  7680.0,
];
const ITERATION_TOKEN_BUCKETS = [1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384];

/** vLLM's build_1_2_5_buckets: 1, 2, 5, 10, 20, 50, … up to max. */
export function oneTwoFiveBuckets(max: number): number[] {
  const buckets: number[] = [];
  for (let exponent = 0; ; exponent++) {
    for (const mantissa of [1, 2, 5]) {
      const value = mantissa * 10 ** exponent;
      if (value > max) return buckets;
      buckets.push(value);
    }
  }
}

/** Live engine state read at scrape time. */
export interface EngineGaugeSource {
  numRunning(): number;
  numWaiting(): number;
  kvCacheUsage(): number;
  /** Adapter names of running and waiting requests (vllm:lora_requests_info). */
  loraAdapters?(): { running: string[]; waiting: string[] };
}

/** Values forced through the admin API (steering the EPP in contract tests). */
export interface MetricOverrides {
  numRequestsWaiting?: number | undefined;
  numRequestsRunning?: number | undefined;
  kvCacheUsagePerc?: number | undefined;
}

export interface VllmMetricsConfig {
  modelName: string;
  maxModelLen: number;
  /** Labels of vllm:cache_config_info (Python's str() of each CacheConfig field). */
  cacheConfig: Record<string, string>;
  /** --max-loras when --enable-lora is set; undefined: no LoRA config, no vllm:lora_requests_info. */
  maxLoras: number | undefined;
  /** --show-hidden-metrics-for-version=0.10: the deprecated vllm:gpu_cache_usage_perc too. */
  showHiddenMetrics: boolean;
  /**
   * Whose time vllm:lora_requests_info reports (vLLM sets it to the time it logs LoRA stats), and
   * the process collector's (its start time, how long one reading of the process lasts).
   */
  clock: Clock;
}

type Labels = { model_name: string; engine: string };

/**
 * vLLM's Prometheus metrics (vllm/v1/metrics/loggers.py): the same names, HELP texts, labels
 * (`model_name`, `engine`) and buckets, so the EPP's scraper and Grafana dashboards built for vLLM
 * read the simulator unchanged. One Registry per pod: several pods share a process in embedded mode.
 *
 * The EPP scrapes every pod every 50 ms, and rendering ~40 families with prom-client takes about a
 * millisecond, so the text of `registry` is rendered again only when something in it changed: an
 * engine event, an HTTP request counted, or a gauge reading a different value. The process
 * collector's families live in `scrapeTimeRegistry`, rendered after the rest, again whenever the
 * process reading they show changes (once a second).
 * The body is kept as bytes: an idle pod answers each scrape with the same Buffer, without
 * rendering or encoding anything. vllm:lora_requests_info changes with engine steps only, as vLLM
 * records it with each step's stats, so it is cached with `registry`.
 */
export class VllmMetrics implements EngineObserver {
  readonly registry = new Registry();
  /** prometheus_client's process collector: families read from the process when scraped. */
  readonly scrapeTimeRegistry = new Registry();
  overrides: MetricOverrides = {};
  private readonly labels: Labels;
  private source: EngineGaugeSource = { numRunning: () => 0, numWaiting: () => 0, kvCacheUsage: () => 0 };
  /** What the gauges read; their values are part of the rendered text's key. */
  private readonly gaugeReads: Array<() => number> = [];
  /** What identifies the values of `scrapeTimeRegistry`'s families: the process reading they show. */
  private readonly scrapeTimeVersion: () => number;
  /** Bumped on every change to a counter or histogram of `registry`. */
  private version = 0;
  /** The version and gauge values `registry`'s text was last rendered for (compared without building a key). */
  private readonly renderedFor: number[] = [];
  private rendered: Promise<string> | undefined;
  private scrapeTimeRendered: { version: number; text: Promise<string> } | undefined;
  /** The last body served, and the scrape-time version it holds (its `registry` part is `rendered`'s). */
  private served: { version: number; bytes: Buffer } | undefined;
  /** vllm:lora_requests_info's series: one per (running, waiting) pair ever recorded, and its time. */
  private readonly loraSeries = new Map<string, { running: string; waiting: string; seconds: number }>();
  private readonly loraClock: Clock | undefined;

  private readonly preemptions;
  private readonly promptTokens;
  private readonly generationTokens;
  private readonly prefixQueries;
  private readonly prefixHits;
  private readonly success: Record<"stop" | "length" | "abort", { inc(value?: number): void }>;
  private readonly iterationTokens;
  private readonly ttft;
  private readonly interToken;
  private readonly timePerOutputToken;
  private readonly requestTimePerOutputToken;
  private readonly e2e;
  private readonly queueTime;
  private readonly inferenceTime;
  private readonly prefillTime;
  private readonly decodeTime;
  private readonly promptTokensHistogram;
  private readonly generationTokensHistogram;
  private readonly maxGenerationTokens;
  private readonly paramsN;
  private readonly paramsMaxTokens;

  constructor(config: VllmMetricsConfig) {
    this.labels = { model_name: config.modelName, engine: "0" };
    this.scrapeTimeVersion = registerProcessMetrics(this.scrapeTimeRegistry, config.clock);
    const labelNames = ["model_name", "engine"] as const;
    const registers = [this.registry];
    const labels = this.labels;
    const maxLoras = config.maxLoras;
    // Gauges are read from the engine when Prometheus scrapes, not pushed on every step.
    const addGauge = (name: string, help: string, read: () => number) => {
      this.gaugeReads.push(read);
      return new Gauge({
        name,
        help,
        labelNames,
        registers,
        collect() {
          this.set(labels, read());
        },
      });
    };
    addGauge(
      "vllm:num_requests_running",
      "Number of requests in model execution batches.",
      () => this.overrides.numRequestsRunning ?? this.source.numRunning(),
    );
    addGauge(
      "vllm:num_requests_waiting",
      "Number of requests waiting to be processed.",
      () => this.overrides.numRequestsWaiting ?? this.source.numWaiting(),
    );
    addGauge(
      "vllm:kv_cache_usage_perc",
      "KV-cache usage. 1 means 100 percent usage.",
      () => this.overrides.kvCacheUsagePerc ?? this.source.kvCacheUsage(),
    );
    // Deprecated in 0.10 and hidden in 0.11 unless --show-hidden-metrics-for-version=0.10 (loggers.py).
    if (config.showHiddenMetrics) {
      addGauge(
        "vllm:gpu_cache_usage_perc",
        "GPU KV-cache usage. 1 means 100 percent usage.DEPRECATED: Use vllm:kv_cache_usage_perc instead.",
        () => this.overrides.kvCacheUsagePerc ?? this.source.kvCacheUsage(),
      );
    }
    new Gauge({
      name: "vllm:cache_config_info",
      help: "Information of the LLMEngine CacheConfig",
      labelNames: [...Object.keys(config.cacheConfig), "engine"],
      registers,
    }).set({ ...config.cacheConfig, engine: "0" }, 1);
    // Only with a LoRA config (--enable-lora), as loggers.py creates it.
    if (maxLoras !== undefined) {
      const series = this.loraSeries;
      new Gauge({
        name: "vllm:lora_requests_info",
        help: "Running stats on lora requests.",
        labelNames: ["max_lora", "waiting_lora_adapters", "running_lora_adapters"],
        registers,
        collect() {
          // prometheus_client keeps every label set it was given: each pair stays, with its last time.
          for (const { running, waiting, seconds } of series.values()) {
            const labels = {
              max_lora: String(maxLoras),
              waiting_lora_adapters: waiting,
              running_lora_adapters: running,
            };
            this.set(labels, seconds);
          }
        },
      });
      // No record before the first step: vLLM records LoRA stats only with a step's outputs, so a
      // fresh pod exposes the family's HELP and TYPE without a sample.
      this.loraClock = config.clock;
    }

    // Children are created at start-up, as prometheus_client does on .labels(), so every series
    // is exposed (at 0) before the first request — dashboards and rate() need them.
    const counter = (name: string, help: string) => {
      const child = new Counter({ name, help, labelNames, registers }).labels(this.labels);
      child.inc(0);
      return child;
    };
    this.preemptions = counter("vllm:num_preemptions_total", "Cumulative number of preemption from the engine.");
    this.promptTokens = counter("vllm:prompt_tokens_total", "Number of prefill tokens processed.");
    this.generationTokens = counter("vllm:generation_tokens_total", "Number of generation tokens processed.");
    this.prefixQueries = counter(
      "vllm:prefix_cache_queries_total",
      "Prefix cache queries, in terms of number of queried tokens.",
    );
    this.prefixHits = counter(
      "vllm:prefix_cache_hits_total",
      "Prefix cache hits, in terms of number of cached tokens.",
    );
    const success = new Counter({
      name: "vllm:request_success_total",
      help: "Count of successfully processed requests.",
      labelNames: ["model_name", "engine", "finished_reason"],
      registers,
    });
    const successFor = (finished_reason: string) => {
      const child = success.labels({ ...this.labels, finished_reason });
      child.inc(0);
      return child;
    };
    this.success = { stop: successFor("stop"), length: successFor("length"), abort: successFor("abort") };

    const histogram = (name: string, help: string, buckets: number[]) => {
      const metric = new Histogram({ name, help, buckets, labelNames, registers });
      metric.zero(this.labels);
      return metric.labels(this.labels);
    };
    const tokenBuckets = oneTwoFiveBuckets(config.maxModelLen);
    this.iterationTokens = histogram(
      "vllm:iteration_tokens_total",
      "Histogram of number of tokens per engine_step.",
      ITERATION_TOKEN_BUCKETS,
    );
    this.ttft = histogram(
      "vllm:time_to_first_token_seconds",
      "Histogram of time to first token in seconds.",
      TTFT_BUCKETS,
    );
    this.interToken = histogram(
      "vllm:inter_token_latency_seconds",
      "Histogram of inter-token latency in seconds.",
      TOKEN_LATENCY_BUCKETS,
    );
    this.timePerOutputToken = histogram(
      "vllm:time_per_output_token_seconds",
      "Histogram of time per output token in seconds.DEPRECATED: Use vllm:inter_token_latency_seconds instead.",
      TOKEN_LATENCY_BUCKETS,
    );
    this.requestTimePerOutputToken = histogram(
      "vllm:request_time_per_output_token_seconds",
      "Histogram of time_per_output_token_seconds per request.",
      TOKEN_LATENCY_BUCKETS,
    );
    this.e2e = histogram(
      "vllm:e2e_request_latency_seconds",
      "Histogram of e2e request latency in seconds.",
      REQUEST_LATENCY_BUCKETS,
    );
    const phase = (name: string, phaseName: string) =>
      histogram(name, `Histogram of time spent in ${phaseName} phase for request.`, REQUEST_LATENCY_BUCKETS);
    this.queueTime = phase("vllm:request_queue_time_seconds", "WAITING");
    this.inferenceTime = phase("vllm:request_inference_time_seconds", "RUNNING");
    this.prefillTime = phase("vllm:request_prefill_time_seconds", "PREFILL");
    this.decodeTime = phase("vllm:request_decode_time_seconds", "DECODE");
    this.promptTokensHistogram = histogram(
      "vllm:request_prompt_tokens",
      "Number of prefill tokens processed.",
      tokenBuckets,
    );
    this.generationTokensHistogram = histogram(
      "vllm:request_generation_tokens",
      "Number of generation tokens processed.",
      tokenBuckets,
    );
    this.maxGenerationTokens = histogram(
      "vllm:request_max_num_generation_tokens",
      "Histogram of maximum number of requested generation tokens.",
      tokenBuckets,
    );
    this.paramsN = histogram("vllm:request_params_n", "Histogram of the n request parameter.", [1, 2, 5, 10, 20]);
    this.paramsMaxTokens = histogram(
      "vllm:request_params_max_tokens",
      "Histogram of the max_tokens request parameter.",
      tokenBuckets,
    );
  }

  /** Where the gauges read live state from (the engine, once it exists). */
  attach(source: EngineGaugeSource): void {
    this.source = source;
  }

  onStep(numScheduledTokens: number): void {
    this.version++;
    this.iterationTokens.observe(numScheduledTokens);
    if (this.loraClock && this.source.loraAdapters) this.recordLoraStats(this.source.loraAdapters());
  }

  /**
   * PrometheusStatLogger.record: gauge_lora_info.labels(running=",".join(…), waiting=",".join(…),
   * max_lora=…).set_to_current_time(), after the step's outputs were processed (OutputProcessor
   * drops finished requests from LoRARequestStates before update_iteration_stats).
   */
  private recordLoraStats(adapters: { running: string[]; waiting: string[] }): void {
    const running = adapters.running.join(",");
    const waiting = adapters.waiting.join(",");
    const seconds = (this.loraClock as Clock).now() / 1000;
    this.loraSeries.set(`${running}\u0000${waiting}`, { running, waiting, seconds });
  }

  onPreemption(): void {
    this.version++;
    this.preemptions.inc();
  }

  onPrefixCacheLookup(queriedTokens: number, hitTokens: number): void {
    this.version++;
    this.prefixQueries.inc(queriedTokens);
    if (hitTokens > 0) this.prefixHits.inc(hitTokens);
  }

  onToken(request: EngineRequest, now: number): void {
    this.version++;
    this.generationTokens.inc();
    if (request.numOutputTokens === 1) {
      this.promptTokens.inc(request.promptLength);
      this.ttft.observe(now - request.times.arrival);
    } else if (request.times.lastToken !== undefined) {
      const gap = now - request.times.lastToken;
      this.interToken.observe(gap);
      this.timePerOutputToken.observe(gap);
    }
  }

  onFinish(request: EngineRequest): void {
    this.version++;
    const reason = request.finishReason ?? "abort";
    this.success[reason].inc();
    const { times } = request;
    const finished = times.finished ?? times.arrival;
    this.e2e.observe(finished - times.arrival);
    this.queueTime.observe(times.queued);
    this.promptTokensHistogram.observe(request.promptLength);
    this.generationTokensHistogram.observe(request.numOutputTokens);
    this.maxGenerationTokens.observe(request.spec.maxTokens);
    this.paramsMaxTokens.observe(request.spec.maxTokens);
    this.paramsN.observe(1);
    if (times.firstScheduled === undefined || times.firstToken === undefined) return;
    this.inferenceTime.observe(finished - times.firstScheduled);
    this.prefillTime.observe(times.firstToken - times.firstScheduled);
    this.decodeTime.observe(finished - times.firstToken);
    if (request.numOutputTokens > 1) {
      this.requestTimePerOutputToken.observe((finished - times.firstToken) / (request.numOutputTokens - 1));
    }
  }

  /** Something in `registry` changed besides what the gauges read (the HTTP metrics call this). */
  changed(): void {
    this.version++;
  }

  /** The /metrics text (for readers in the same process; the route serves `body()`). */
  async exposition(): Promise<string> {
    return (await this.body()).toString("utf8");
  }

  /**
   * The /metrics body: `registry` as last rendered unless it changed, then the scrape-time families.
   * Synchronous while nothing changed (the same Buffer as the last scrape), a promise otherwise.
   */
  body(): Buffer | Promise<Buffer> {
    const familiesChanged = this.refreshFamilies();
    const scrapeTimeVersion = this.scrapeTimeVersion();
    const served = this.served;
    if (!familiesChanged && served !== undefined && served.version === scrapeTimeVersion) return served.bytes;
    return this.render(scrapeTimeVersion);
  }

  /**
   * Whether the version or a gauge's value differs from what `registry` was last rendered for; if
   * so, starts rendering it again (and forgets the served body).
   */
  private refreshFamilies(): boolean {
    const renderedFor = this.renderedFor;
    let changed = this.rendered === undefined || renderedFor[0] !== this.version;
    renderedFor[0] = this.version;
    for (let i = 0; i < this.gaugeReads.length; i++) {
      const value = (this.gaugeReads[i] as () => number)();
      if (!Object.is(renderedFor[i + 1], value)) changed = true;
      renderedFor[i + 1] = value;
    }
    if (changed) {
      this.rendered = this.registry.metrics();
      this.served = undefined;
    }
    return changed;
  }

  private async render(scrapeTimeVersion: number): Promise<Buffer> {
    const rendered = this.rendered as Promise<string>;
    if (this.scrapeTimeRendered?.version !== scrapeTimeVersion)
      this.scrapeTimeRendered = { version: scrapeTimeVersion, text: this.scrapeTimeRegistry.metrics() };
    const [cached, scrapeTime] = await Promise.all([rendered, this.scrapeTimeRendered.text]);
    const bytes = Buffer.from(scrapeTime === "" ? cached : `${cached}\n${scrapeTime}`);
    // Kept unless something changed meanwhile (a later scrape started another rendering).
    if (this.rendered === rendered) this.served = { version: scrapeTimeVersion, bytes };
    return bytes;
  }
}
