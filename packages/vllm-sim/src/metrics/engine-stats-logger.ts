import type { Clock, TimerHandle } from "@testbed/common";
import type { EngineObserver } from "../engine/engine-observer.js";
import type { EngineRequest } from "../engine/engine-request.js";
import type { VllmLogger } from "../vllm-log.js";

export interface EngineLoad {
  numRunning(): number;
  numWaiting(): number;
  kvCacheUsage(): number;
}

/**
 * vLLM's periodic engine line (LoggingStatLogger, every 10 s while there is traffic), the first
 * thing a trainer shows from `oc logs` on a vLLM pod:
 * `Engine 000: Avg prompt throughput: 120.4 tokens/s, Avg generation throughput: 35.0 tokens/s, Running: 2 reqs, …`
 */
export class EngineStatsLogger implements EngineObserver {
  private promptTokens = 0;
  private generationTokens = 0;
  private queries = 0;
  private hits = 0;
  private timer: TimerHandle | undefined;
  private lastLog: number;

  constructor(
    private readonly log: VllmLogger,
    private readonly clock: Clock,
    private readonly load: EngineLoad,
    private readonly intervalMs = 10_000,
  ) {
    this.lastLog = clock.now();
  }

  start(): void {
    this.timer = this.clock.setTimeout(() => this.tick(), this.intervalMs);
  }

  stop(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  onStep(): void {}
  onPreemption(): void {}
  onFinish(): void {}

  onPrefixCacheLookup(queried: number, hits: number): void {
    this.queries += queried;
    this.hits += hits;
  }

  onToken(request: EngineRequest): void {
    this.generationTokens++;
    if (request.numOutputTokens === 1) this.promptTokens += request.promptLength;
  }

  private tick(): void {
    const now = this.clock.now();
    const seconds = Math.max((now - this.lastLog) / 1000, 1e-9);
    const active = this.promptTokens + this.generationTokens > 0 || this.load.numRunning() + this.load.numWaiting() > 0;
    if (active) {
      const hitRate = this.queries > 0 ? (100 * this.hits) / this.queries : 0;
      this.log.info(
        "loggers.py:123",
        `Engine 000: Avg prompt throughput: ${(this.promptTokens / seconds).toFixed(1)} tokens/s, ` +
          `Avg generation throughput: ${(this.generationTokens / seconds).toFixed(1)} tokens/s, ` +
          `Running: ${this.load.numRunning()} reqs, Waiting: ${this.load.numWaiting()} reqs, ` +
          `GPU KV cache usage: ${(100 * this.load.kvCacheUsage()).toFixed(1)}%, Prefix cache hit rate: ${hitRate.toFixed(1)}%`,
      );
    }
    this.promptTokens = 0;
    this.generationTokens = 0;
    this.queries = 0;
    this.hits = 0;
    this.lastLog = now;
    this.start();
  }
}
