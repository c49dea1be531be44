import type { Clock } from "@testbed/common";
import type { KvCacheManager } from "../kv/kv-cache-manager.js";
import { Qwen3Tokenizer } from "../tokens/qwen3-tokenizer.js";
import { type EngineObserver, NO_OBSERVER } from "./engine-observer.js";
import { EngineRequest, type EngineRequestSpec, type FinishReason } from "./engine-request.js";
import { EngineTime } from "./engine-time.js";
import { type ScheduledWork, Scheduler, type SchedulerLimits } from "./scheduler.js";
import type { StepTimingModel } from "./step-timing.js";

export interface EngineConfig extends SchedulerLimits {
  maxModelLen: number;
  /** --time-scale: 1 = real GPU timing, 0 = as fast as possible. */
  timeScale: number;
  clock: Clock;
  /** Seconds to receive `tokens` tokens of KV from a prefill pod. */
  remoteKvSeconds: (tokens: number) => number;
}

/**
 * vLLM's EngineCore loop: schedule a step, let the modelled GPU time pass, then apply the step's
 * results — advance each request, register newly full blocks in the prefix cache, emit one token
 * per request whose prompt is done, and finish those that hit EOS, a stop, or their length limit.
 */
export class EngineCore {
  readonly scheduler: Scheduler;
  readonly time: EngineTime;
  private stepping = false;

  constructor(
    private readonly config: EngineConfig,
    readonly kv: KvCacheManager,
    private readonly timing: StepTimingModel,
    private readonly observer: EngineObserver = NO_OBSERVER,
  ) {
    this.time = new EngineTime(config.clock, config.timeScale);
    this.scheduler = new Scheduler(config, kv, observer, config.remoteKvSeconds);
  }

  get numRunning(): number {
    return this.scheduler.running.length;
  }

  get numWaiting(): number {
    return this.scheduler.waiting.length;
  }

  /**
   * The LoRA adapters of running and of waiting requests, each name once in the order met
   * (IterationStats.running_lora_adapters / waiting_lora_adapters as vLLM 0.11's LoRARequestStates
   * fills them: dicts keyed by adapter name, holding only adapters with such requests).
   */
  loraAdapters(): { running: string[]; waiting: string[] } {
    return { running: adapterNames(this.scheduler.running), waiting: adapterNames(this.scheduler.waiting) };
  }

  add(spec: EngineRequestSpec): EngineRequest {
    const request = new EngineRequest(spec, this.time.now());
    this.scheduler.waiting.push(request);
    this.wake();
    return request;
  }

  /** The client went away: drop the request wherever it is and free its blocks. */
  abort(request: EngineRequest): void {
    if (!request.isActive) return;
    this.scheduler.remove(request);
    this.kv.free(request);
    this.finish(request, "abort");
  }

  private wake(): void {
    if (this.stepping) return;
    this.stepping = true;
    setImmediate(() => this.step());
  }

  private step(): void {
    const now = this.time.now();
    const work = this.scheduler.schedule(now);
    if (work.length === 0) {
      this.waitForRemoteKv(now);
      return;
    }
    let numTokens = 0;
    for (const item of work) numTokens += item.numTokens;
    this.time.after(this.timing.stepSeconds(work), () => {
      this.complete(work);
      // The step's stats go out with its outputs, once finished requests are freed (vLLM records them
      // when the frontend has processed the step's EngineCoreOutputs).
      this.observer.onStep(numTokens);
      this.step();
    });
  }

  /** Nothing schedulable now: sleep until the next remote KV transfer lands, or go idle. */
  private waitForRemoteKv(now: number): void {
    const next = this.scheduler.nextRemoteKvArrival();
    if (next === undefined) {
      this.stepping = false;
      return;
    }
    this.time.after(Math.max(0, next - now), () => this.step());
  }

  private complete(work: readonly ScheduledWork[]): void {
    const now = this.time.now();
    for (const { request, numTokens } of work) {
      if (!request.isActive || request.phase === "waiting") continue; // aborted or preempted meanwhile
      request.numComputedTokens += numTokens;
      this.kv.cacheComputedBlocks(request);
      if (request.numComputedTokens >= request.tokenIds.length) this.emitToken(request, now);
    }
  }

  private emitToken(request: EngineRequest, now: number): void {
    const { spec } = request;
    const tokenId = spec.plannedOutput[request.numOutputTokens] ?? Qwen3Tokenizer.IM_END;
    request.tokenIds.push(tokenId);
    if (request.phase === "prefilling") request.lifecycle.send({ type: "FIRST_TOKEN" });
    request.times.firstToken ??= now;
    this.observer.onToken(request, now);
    request.times.lastToken = now;
    // vLLM's v1 detokenizer leaves a stop token (EOS or stop_token_ids) out of the text unless
    // include_stop_str_in_output.
    const text =
      this.isStopToken(request, tokenId) && !spec.includeStopStrInOutput ? "" : spec.detokenizer.push(tokenId);
    const reason = this.finishReasonAfter(request, tokenId);
    // Known before the token is delivered, so a streamed token's frame can carry finish_reason.
    if (reason) request.finishReason = reason;
    spec.listener.onToken(request, tokenId, text);
    if (reason && request.isActive) {
      this.scheduler.remove(request);
      this.kv.free(request);
      this.finish(request, reason);
    }
  }

  /** The token ends the request as EOS or one of stop_token_ids (once min_tokens are out). */
  private isStopToken(request: EngineRequest, tokenId: number): boolean {
    const { spec } = request;
    const minTokensMet = request.numOutputTokens >= (spec.minTokens ?? 0);
    const isEos = !spec.ignoreEos && Qwen3Tokenizer.EOS_TOKEN_IDS.includes(tokenId);
    return minTokensMet && (isEos || spec.stopTokenIds?.includes(tokenId) === true);
  }

  private finishReasonAfter(request: EngineRequest, tokenId: number): FinishReason | undefined {
    const { spec } = request;
    if (this.isStopToken(request, tokenId)) return "stop";
    if (spec.detokenizer.stoppedOn !== undefined) return "stop";
    if (request.numOutputTokens >= spec.maxTokens) return "length";
    if (request.tokenIds.length >= this.config.maxModelLen) return "length";
    return undefined;
  }

  private finish(request: EngineRequest, reason: FinishReason): void {
    request.finishReason = reason;
    request.times.finished = this.time.now();
    request.lifecycle.send({ type: reason === "abort" ? "ABORT" : "FINISH" });
    this.observer.onFinish(request);
    request.spec.listener.onFinish(request);
  }
}

function adapterNames(requests: readonly EngineRequest[]): string[] {
  const names = new Set<string>();
  for (const request of requests) if (request.spec.loraName !== undefined) names.add(request.spec.loraName);
  return [...names];
}
