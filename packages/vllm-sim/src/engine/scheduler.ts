import type { KvCacheManager } from "../kv/kv-cache-manager.js";
import type { EngineObserver } from "./engine-observer.js";
import type { EngineRequest } from "./engine-request.js";

export interface SchedulerLimits {
  /** --max-num-seqs: how many requests may run at once. */
  maxNumSeqs: number;
  /** --max-num-batched-tokens: the per-step token budget (chunked prefill splits prompts to fit). */
  maxNumBatchedTokens: number;
}

export interface ScheduledWork {
  request: EngineRequest;
  numTokens: number;
  numContextTokens: number;
}

/**
 * Continuous batching as vLLM v1 schedules a step: running requests first (one token each when
 * decoding, a chunk of the prompt when prefilling), preempting the newest running request when the
 * KV cache is full; then waiting requests, in arrival order, while the token budget, the sequence
 * limit and the cache allow — but no new admissions in a step that had to preempt.
 */
export class Scheduler {
  readonly waiting: EngineRequest[] = [];
  readonly running: EngineRequest[] = [];

  constructor(
    private readonly limits: SchedulerLimits,
    private readonly kv: KvCacheManager,
    private readonly observer: EngineObserver,
    private readonly remoteKvSeconds: (tokens: number) => number,
  ) {}

  schedule(now: number): ScheduledWork[] {
    const work: ScheduledWork[] = [];
    let budget = this.limits.maxNumBatchedTokens;
    let preempted = false;

    for (let i = 0; i < this.running.length && budget > 0; ) {
      const request = this.running[i] as EngineRequest;
      if (request.phase === "awaitingRemoteKv") {
        if (request.remoteKvReadyAt > now) {
          i++;
          continue;
        }
        request.lifecycle.send({ type: "REMOTE_KV_RECEIVED" });
        this.kv.cacheComputedBlocks(request);
      }
      const numTokens = Math.min(request.tokenIds.length - request.numComputedTokens, budget);
      if (!this.reserve(request, numTokens, now)) {
        preempted = true;
        break; // the request itself was preempted: it was the newest
      }
      work.push({ request, numTokens, numContextTokens: request.numComputedTokens });
      budget -= numTokens;
      i++;
    }
    if (!preempted) this.admitWaiting(work, budget, now);
    return work;
  }

  /** Whether there is anything to do now or later (requests waiting for remote KV count). */
  get idle(): boolean {
    return this.waiting.length === 0 && this.running.length === 0;
  }

  /** Earliest time a request waiting for remote KV becomes schedulable. */
  nextRemoteKvArrival(): number | undefined {
    let earliest: number | undefined;
    for (const request of this.running) {
      if (request.phase !== "awaitingRemoteKv") continue;
      if (earliest === undefined || request.remoteKvReadyAt < earliest) earliest = request.remoteKvReadyAt;
    }
    return earliest;
  }

  remove(request: EngineRequest): void {
    const running = this.running.indexOf(request);
    if (running !== -1) this.running.splice(running, 1);
    const waiting = this.waiting.indexOf(request);
    if (waiting !== -1) this.waiting.splice(waiting, 1);
  }

  /** Make room for `request`'s next tokens, preempting newer requests; false if `request` itself was preempted. */
  private reserve(request: EngineRequest, numTokens: number, now: number): boolean {
    while (!this.kv.allocateSlots(request, numTokens)) {
      const victim = this.running.pop() as EngineRequest;
      this.preempt(victim, now);
      if (victim === request) return false;
    }
    return true;
  }

  private preempt(request: EngineRequest, now: number): void {
    this.kv.free(request);
    request.numComputedTokens = 0;
    request.lifecycle.send({ type: "PREEMPT" });
    request.times.queuedSince = now;
    this.waiting.unshift(request);
    this.observer.onPreemption(request);
  }

  private admitWaiting(work: ScheduledWork[], budget: number, now: number): void {
    while (this.waiting.length > 0 && budget > 0 && this.running.length < this.limits.maxNumSeqs) {
      const request = this.waiting[0] as EngineRequest;
      const cachedPrefix = this.kv.findCachedPrefix(request);
      const cachedTokens = cachedPrefix.length * this.kv.blockSize;
      if (request.spec.remotePrefill) {
        if (!this.admitRemotePrefill(request, cachedPrefix, now)) return;
        continue;
      }
      const numTokens = Math.min(request.tokenIds.length - cachedTokens, budget);
      if (!this.kv.allocateSlots(request, numTokens, cachedPrefix)) return;
      this.start(request, cachedTokens, now);
      request.lifecycle.send({ type: "SCHEDULE" });
      work.push({ request, numTokens, numContextTokens: cachedTokens });
      budget -= numTokens;
    }
  }

  /**
   * Decode side of P/D: reserve the whole prompt, then wait for the prefill pod's KV to arrive.
   * Only the uncached part travels; the last prompt token is recomputed locally to get logits.
   */
  private admitRemotePrefill(request: EngineRequest, cachedPrefix: number[], now: number): boolean {
    const cachedTokens = cachedPrefix.length * this.kv.blockSize;
    const promptTokens = request.tokenIds.length;
    if (!this.kv.allocateSlots(request, promptTokens - cachedTokens, cachedPrefix)) return false;
    this.start(request, cachedTokens, now);
    request.numComputedTokens = promptTokens - 1;
    request.remoteKvReadyAt = now + this.remoteKvSeconds(Math.max(0, promptTokens - 1 - cachedTokens));
    request.lifecycle.send({ type: "AWAIT_REMOTE_KV" });
    return true;
  }

  private start(request: EngineRequest, cachedTokens: number, now: number): void {
    this.waiting.shift();
    this.running.push(request);
    request.numComputedTokens = cachedTokens;
    request.times.queued += now - request.times.queuedSince;
    if (request.times.firstScheduled === undefined) {
      request.times.firstScheduled = now;
      request.numCachedPromptTokens = Math.min(cachedTokens, request.promptLength);
    }
    if (this.kv.prefixCaching) this.observer.onPrefixCacheLookup(request.tokenIds.length, cachedTokens);
  }
}
