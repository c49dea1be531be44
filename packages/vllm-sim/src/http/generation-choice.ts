// One choice of a completion response: vLLM runs each of a request's `n` samples (for each prompt of
// a completions batch) as its own engine request and answers them as choices indexed
// prompt_index * n + sample_index. A choice keeps what its bodies need: its engine request, its
// prompt length, the logprobs drawn for its tokens and how its text turns into tool calls.
import type { EngineRequest } from "../engine/engine-request.js";
import type { LogprobSampler, PositionLogprobs } from "../tokens/logprob-sampler.js";
import type { HermesToolStream, RequiredToolStream } from "./tool-call-streaming.js";

/** How a chat choice's text becomes tool calls (OpenAIServingChat's branches). */
export type ToolOutput =
  | { kind: "none" }
  /** tool_choice names a function: the text is its arguments (structured outputs). */
  | { kind: "named"; name: string }
  /** tool_choice "required": the text is a JSON list of {name, parameters}. */
  | { kind: "required" }
  /** tool_choice "auto" with the hermes parser: <tool_call> blocks in the text are parsed out. */
  | { kind: "hermes" };

/** Logprobs requested for a choice: `top` ranked tokens per position (chat top_logprobs, completions logprobs). */
export interface LogprobsRequest {
  sampler: LogprobSampler;
  top: number;
}

export class GenerationChoice {
  request: EngineRequest | undefined;
  /** Logprobs of tokens generated but not yet sent (streaming), or of all tokens (one body). */
  readonly positions: PositionLogprobs[] = [];
  /** Text already streamed, in Python characters (completions' text_offset). */
  streamedLength = 0;
  /** Whether a streamed named tool call has sent its name yet. */
  toolNameSent = false;
  /** The text a streamed tool parser has seen (previous_texts[i]). */
  toolText = "";
  /** The streaming parser of a "required" or hermes choice, made at its first token. */
  toolStream: RequiredToolStream | HermesToolStream | undefined;

  constructor(
    readonly index: number,
    readonly promptTokens: number,
    readonly tools: ToolOutput,
    readonly logprobs: LogprobsRequest | undefined,
  ) {}

  /** Record a generated token's logprobs (when requested). */
  observe(tokenId: number, position: number): void {
    if (this.logprobs) this.positions.push(this.logprobs.sampler.at(position, tokenId, this.logprobs.top));
  }

  /** The logprobs gathered since the last call (a streamed frame's share). */
  takePositions(): PositionLogprobs[] {
    return this.positions.splice(0, this.positions.length);
  }

  get engineRequest(): EngineRequest {
    if (!this.request) throw new Error(`choice ${this.index} was never submitted`);
    return this.request;
  }
}
