import type { KvRequestState } from "../kv/kv-cache-manager.js";
import type { IncrementalDetokenizer } from "../tokens/incremental-detokenizer.js";
import { RequestLifecycle, type RequestPhase } from "./request-lifecycle.js";

/**
 * vLLM's finish reasons. A prefill pod's half of a P/D request finishes as any other (NixlConnector
 * only keeps its blocks for the decode pod): `length` with the sidecar's max_tokens 1.
 */
export type FinishReason = "stop" | "length" | "abort";

/** The engine's answer to whoever submitted the request (the HTTP layer). */
export interface RequestListener {
  /** A token was generated; `text` is what it adds to the output (may be empty). */
  onToken(request: EngineRequest, tokenId: number, text: string): void;
  onFinish(request: EngineRequest): void;
}

export interface EngineRequestSpec {
  id: string;
  promptTokenIds: readonly number[];
  /** The tokens this request will generate, decided up front (see ResponsePlanner). */
  plannedOutput: readonly number[];
  maxTokens: number;
  ignoreEos: boolean;
  minTokens?: number | undefined;
  stopTokenIds?: readonly number[] | undefined;
  /** include_stop_str_in_output: keep the stop string, or the stop token's text, in the output. */
  includeStopStrInOutput?: boolean | undefined;
  detokenizer: IncrementalDetokenizer;
  /** Prefill pod side of P/D: stop after the first token and hand the KV over. */
  remoteDecode?: boolean | undefined;
  /** Decode pod side of P/D: the prompt's KV comes from a prefill pod instead of being computed. */
  remotePrefill?: boolean | undefined;
  /** The LoRA adapter the request runs with (its `model` names one); undefined for the base model. */
  loraName?: string | undefined;
  listener: RequestListener;
}

/** Simulated-time marks of a request, in seconds on the engine's clock. */
export interface RequestTimes {
  arrival: number;
  /** Start of the current wait (arrival, or the last preemption). */
  queuedSince: number;
  queued: number;
  firstScheduled?: number;
  firstToken?: number;
  lastToken?: number;
  finished?: number;
}

export class EngineRequest implements KvRequestState {
  readonly id: string;
  readonly promptLength: number;
  readonly tokenIds: number[];
  blocks: number[] = [];
  blockHashes: number[] = [];
  numCachedBlocks = 0;
  numComputedTokens = 0;
  /** Prompt tokens found in the prefix cache when the request was first scheduled. */
  numCachedPromptTokens = 0;
  /** Decode side of P/D: when the prompt's KV will have arrived (engine seconds). */
  remoteKvReadyAt = 0;
  finishReason: FinishReason | undefined;
  readonly times: RequestTimes;
  readonly lifecycle = new RequestLifecycle();

  constructor(
    readonly spec: EngineRequestSpec,
    arrival: number,
  ) {
    this.id = spec.id;
    this.promptLength = spec.promptTokenIds.length;
    this.tokenIds = [...spec.promptTokenIds];
    this.times = { arrival, queuedSince: arrival, queued: 0 };
  }

  get phase(): RequestPhase {
    return this.lifecycle.phase;
  }

  get numOutputTokens(): number {
    return this.tokenIds.length - this.promptLength;
  }

  get outputTokenIds(): number[] {
    return this.tokenIds.slice(this.promptLength);
  }

  /** The stop string that ended the text, if any (vLLM's stop_reason). */
  get stopReason(): string | undefined {
    return this.spec.detokenizer.stoppedOn;
  }

  get text(): string {
    return this.spec.detokenizer.text;
  }

  get isActive(): boolean {
    return !this.lifecycle.done;
  }
}
