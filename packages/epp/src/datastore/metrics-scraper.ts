import type { Clock, TimerHandle } from "@testbed/common";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { Agent, request } from "undici";
import type { Endpoint, EndpointMetrics } from "./endpoint.js";

/**
 * Polls each endpoint's /metrics on the refresh interval (50 ms by default) and keeps the values
 * the scheduler reads: vllm:num_requests_waiting, vllm:num_requests_running,
 * vllm:kv_cache_usage_perc, and block size / block count from vllm:cache_config_info.
 */
export interface ScrapeOptions {
  intervalMs: number;
  /** 0 = the endpoint's own port. */
  port: number;
  path: string;
  scheme: "http" | "https";
  /** Verify the pod's certificate against this CA; without one, verification is skipped. */
  caPem?: string | undefined;
  clock: Clock;
  timeoutMs?: number;
}

const WANTED = [
  "vllm:num_requests_waiting",
  "vllm:num_requests_running",
  "vllm:kv_cache_usage_perc",
  "vllm:gpu_cache_usage_perc",
  "vllm:cache_config_info",
];

/** Parse just the metric families the EPP reads (the full vLLM exposition is ~40 families). */
export function readEndpointMetrics(text: string): Partial<EndpointMetrics> {
  const lines = text
    .split("\n")
    .filter((line) => WANTED.some((name) => line.startsWith(name) || line.includes(` ${name} `)));
  const families = new Map(parsePrometheusTextFormat(`${lines.join("\n")}\n`).map((family) => [family.name, family]));
  const first = (name: string) => {
    const value = families.get(name)?.metrics[0]?.value;
    return value === undefined ? undefined : Number(value);
  };
  const cacheConfig = families.get("vllm:cache_config_info")?.metrics[0]?.labels;
  const metrics: Partial<EndpointMetrics> = {};
  const waiting = first("vllm:num_requests_waiting");
  const running = first("vllm:num_requests_running");
  const kv = first("vllm:kv_cache_usage_perc") ?? first("vllm:gpu_cache_usage_perc");
  if (waiting !== undefined) metrics.waitingQueueSize = waiting;
  if (running !== undefined) metrics.runningRequests = running;
  if (kv !== undefined) metrics.kvCacheUsage = kv;
  if (cacheConfig?.block_size) metrics.blockSize = Number(cacheConfig.block_size);
  if (cacheConfig?.num_gpu_blocks) metrics.numGpuBlocks = Number(cacheConfig.num_gpu_blocks);
  return metrics;
}

export class MetricsScraper {
  private readonly timers = new Map<string, TimerHandle>();
  private readonly dispatcher: Agent;
  private stopped = false;

  constructor(private readonly options: ScrapeOptions) {
    this.dispatcher = new Agent({
      connect: options.caPem ? { ca: options.caPem } : { rejectUnauthorized: false },
      keepAliveTimeout: 10_000,
    });
  }

  /** Start polling an endpoint; `onMetrics` gets each successful scrape. */
  watch(endpoint: Endpoint, onMetrics: (metrics: Partial<EndpointMetrics>) => void): void {
    const key = endpoint.namespacedName;
    const tick = async () => {
      await this.scrape(endpoint).then(
        (metrics) => metrics && onMetrics(metrics),
        () => {}, // an unreachable pod keeps its last metrics, which go stale
      );
      if (!this.stopped && this.timers.has(key))
        this.timers.set(key, this.options.clock.setTimeout(tick, this.options.intervalMs));
    };
    this.timers.set(key, this.options.clock.setTimeout(tick, 0));
  }

  unwatch(endpoint: Endpoint): void {
    const timer = this.timers.get(endpoint.namespacedName);
    if (timer) this.options.clock.clearTimeout(timer);
    this.timers.delete(endpoint.namespacedName);
  }

  async close(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers.values()) this.options.clock.clearTimeout(timer);
    this.timers.clear();
    await this.dispatcher.close();
  }

  private async scrape(endpoint: Endpoint): Promise<Partial<EndpointMetrics> | undefined> {
    const port = this.options.port || endpoint.port;
    const response = await request(`${this.options.scheme}://${endpoint.address}:${port}${this.options.path}`, {
      dispatcher: this.dispatcher,
      headersTimeout: this.options.timeoutMs ?? 1000,
      bodyTimeout: this.options.timeoutMs ?? 1000,
    });
    const text = await response.body.text();
    if (response.statusCode !== 200) return undefined;
    return readEndpointMetrics(text);
  }
}
