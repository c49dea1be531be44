// The load generator's public shapes (the interface agreed with the scenario runner).
import type { Clock } from "@testbed/common";

export type Workload =
  | { type: "shared-prefix"; prefixTokens: number; suffixTokens: number; outputTokens: number }
  | { type: "random"; promptTokens: number; outputTokens: number };

export interface LoadOptions {
  /** Full URL of the completions endpoint, e.g. https://127.128.18.21/my-first-model/qwen3-0-6b/v1/chat/completions */
  url: string;
  /** Default "Qwen/Qwen3-0.6B". */
  model?: string;
  requests: number;
  /** Closed loop: this many requests in flight; default 1 (deterministic order). */
  concurrency?: number;
  /** Open loop: requests started per second, whatever the answers (exclusive with concurrency). */
  rate?: number;
  workload: Workload;
  /** Server-sent events; TTFT and ITL are measured only then. Default false. */
  stream?: boolean;
  /** Sent as `Authorization: Bearer <key>`. */
  apiKey?: string;
  /** Prompts are a pure function of (seed, index). Default 0. */
  seed?: number;
  onProgress?: (done: number, total: number) => void;
  /** Extra request headers (e.g. x-prefiller-host-port for a sidecar). */
  headers?: Record<string, string>;
  /** Give up on one request after this long (status 0). Default 60 s. */
  timeoutMs?: number;
  /**
   * Awaited before each request. With a barrier requests go strictly one at a time: each waits for
   * the previous answer, for its slot on the `rate` schedule if there is one, then for the barrier
   * (a scenario's: the EPP has scraped every pod idle), so a seed gives the same run under any CPU
   * load. Not with concurrency above 1.
   */
  barrier?: (index: number) => Promise<void>;
  /** The rate's schedule and the run's duration; default the wall clock. */
  clock?: Clock;
}

export interface RequestRecord {
  index: number;
  /** HTTP status; 0 when the connection failed. */
  status: number;
  error?: string;
  /** End to end, from sending the request to the last byte of the answer. */
  wallMs: number;
  /** Streaming only: to the first frame carrying generated text. */
  ttftMs?: number;
  /** Streaming only: gaps between successive frames carrying text. */
  itlMs?: number[];
  /** From the answer's usage block. */
  promptTokens?: number;
  completionTokens?: number;
  /** The EPP saw the response (header x-went-into-resp-headers: true). */
  throughEpp: boolean;
  headers: Record<string, string>;
}

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  mean: number;
}

export interface LoadSummary {
  total: number;
  /** Requests per HTTP status ("0" for connection failures). */
  byStatus: Record<string, number>;
  /** Milliseconds, over successful (2xx) requests. */
  wall: { e2e: Percentiles; ttft?: Percentiles; itl?: Percentiles };
  durationMs: number;
  /** Every finished request (any status) per second of the run. */
  requestsPerSecond: number;
  /** Completion tokens of successful requests per second of the run. */
  outputTokensPerSecond: number;
  /** 0..1 */
  throughEppShare: number;
  /** The first error message seen per failing status ("0" for connection failures). */
  errors?: Record<string, string>;
}

/** One vLLM pod's counters (or their change over a run). */
export interface PodCounters {
  pod: string;
  /** The pod's llm-d.ai/role label ("prefill", "decode"), "" when absent. */
  role: string;
  /** vllm:request_success_total over every finished_reason. */
  requests: number;
  /** vllm:prefix_cache_hits_total, in tokens. */
  prefixHits: number;
  /** vllm:prefix_cache_queries_total, in tokens. */
  prefixQueries: number;
}

/** A Prometheus histogram summed over its label sets: upper bounds and cumulative counts. */
export interface HistogramData {
  le: number[];
  cumulative: number[];
  sum: number;
  count: number;
}

/** Latency histograms of one pod, by metric name. */
export type PodHistograms = Record<string, HistogramData>;

export interface ClusterSnapshot {
  pods: PodCounters[];
  /** Latency histograms by pod name (absent for pods whose /metrics could not be read). */
  histograms?: Record<string, PodHistograms>;
  /** Pods listed but whose /metrics failed, with the reason. */
  unreachable?: Record<string, string>;
}

export interface ClusterReport {
  /** Deltas over the run, one per vLLM pod, with llm-d.ai/role. */
  pods: PodCounters[];
  /** Sum of hits / sum of queries over the run; undefined when nothing was queried. */
  cacheHitRate: number | undefined;
  /** From vLLM's own histograms (seconds converted to ms), if available. */
  simulated?: { ttft?: Percentiles; itl?: Percentiles; e2e?: Percentiles };
}

/** Where a pod's /metrics is read from, for snapshots without an API server. */
export interface PodTarget {
  pod: string;
  role: string;
  /** Base URL of the pod, e.g. https://127.129.18.21:8000 (the path /metrics is appended). */
  url: string;
}
