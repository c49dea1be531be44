// vllm-sim's part of the routing trace: what the engine did with a request (queue, cached prefix
// blocks, prefill, decode, preemptions, in simulated time), or why the server refused it. Kept in
// the pod's ring and served on its admin port at /debug/traces, which no Service exposes.
import type { Clock } from "@testbed/common";
import { type HopStart, hopStart, hopTime, type TraceRing } from "@testbed/trace";
import type { EngineObserver } from "../engine/engine-observer.js";
import type { EngineRequest } from "../engine/engine-request.js";

/** What the recorder keeps of a request between its arrival at the engine and its finish. */
interface Pending {
  start: HopStart;
  requestId: string;
  preemptions: number;
}

/** The trace's request id of an engine request: vLLM's `chatcmpl-<X-Request-Id>` without its prefix. */
export function traceRequestId(engineId: string): string {
  return engineId.replace(/^(chatcmpl|cmpl|resp)-/, "");
}

/** An engine observer that writes one engine hop per finished request into the pod's ring. */
export class EngineTraceRecorder implements EngineObserver {
  private readonly pending = new Map<EngineRequest, Pending>();

  constructor(
    readonly ring: TraceRing,
    private readonly clock: Clock,
    private readonly pod: { model: string; role: string; blockSize: number },
  ) {}

  /** The request reached the engine (called where the server adds it). */
  started(request: EngineRequest): void {
    if (!this.ring.enabled) return;
    this.pending.set(request, { start: hopStart(this.clock), requestId: traceRequestId(request.id), preemptions: 0 });
  }

  /** The server answered an error before the engine saw the request (vLLM's validation, e.g. 400 "Field required"). */
  refused(requestId: string | undefined, status: number, message: string): void {
    const part = this.ring.begin(requestId ?? "", this.clock.now());
    if (!part) return;
    part.hop({
      kind: "engine",
      component: part.component,
      time: { wallStartMs: part.startedAtMs, wallMs: 0 },
      pod: part.component,
      model: this.pod.model,
      role: this.pod.role,
      status,
      promptTokens: 0,
      outputTokens: 0,
      cachedPrefixBlocks: 0,
      cachedPrefixTokens: 0,
      blockSize: this.pod.blockSize,
      queueMs: 0,
      prefillMs: 0,
      decodeMs: 0,
      preemptions: 0,
      error: message.slice(0, 300),
    });
  }

  onPreemption(request: EngineRequest): void {
    const pending = this.pending.get(request);
    if (pending) pending.preemptions += 1;
  }

  onFinish(request: EngineRequest): void {
    const pending = this.pending.get(request);
    if (!pending) return;
    this.pending.delete(request);
    const part = this.ring.begin(pending.requestId, pending.start.wallStartMs);
    if (!part) return;
    const { times, spec } = request;
    const ms = (seconds: number) => Math.round(seconds * 1_000_000) / 1000;
    const scheduled = times.firstScheduled ?? times.finished ?? times.arrival;
    const firstToken = times.firstToken ?? scheduled;
    const lastToken = times.lastToken ?? firstToken;
    const finished = times.finished ?? lastToken;
    part.hop({
      kind: "engine",
      component: part.component,
      time: hopTime(this.clock, pending.start, ms(finished - times.arrival)),
      pod: part.component,
      model: this.pod.model,
      role: this.pod.role,
      status: request.finishReason === "abort" ? 499 : 200,
      promptTokens: request.promptLength,
      outputTokens: request.numOutputTokens,
      cachedPrefixBlocks: Math.floor(request.numCachedPromptTokens / this.pod.blockSize),
      cachedPrefixTokens: request.numCachedPromptTokens,
      blockSize: this.pod.blockSize,
      queueMs: ms(times.queued > 0 ? times.queued : scheduled - times.arrival),
      prefillMs: ms(firstToken - scheduled),
      decodeMs: ms(lastToken - firstToken),
      preemptions: pending.preemptions,
      ...(request.finishReason ? { finishReason: request.finishReason } : {}),
      ...(spec.remoteDecode
        ? { kvTransfer: "prefill only: KV cache handed to the decode pod (NIXL)" }
        : spec.remotePrefill
          ? { kvTransfer: "prompt KV cache received from a prefill pod (NIXL)" }
          : {}),
    });
  }

  onStep(): void {}
  onPrefixCacheLookup(): void {}
  onToken(): void {}
}
