// The JSON vLLM returns for chat and text completions, whole or as SSE chunks
// (`data: <json>\n\n`, ending with `data: [DONE]`).
import type { EngineRequest } from "../engine/engine-request.js";

/** What every body of one response repeats: its kind, id, model and usage settings. */
export interface ResponseShape {
  kind: "chat" | "completion";
  id: string;
  created: number;
  model: string;
  promptTokens: number;
  /** --enable-prompt-tokens-details: report cached prompt tokens in usage. */
  promptTokensDetails: boolean;
}

function usage(shape: ResponseShape, request: EngineRequest, withDetails: boolean) {
  const completion = request.numOutputTokens;
  return {
    prompt_tokens: shape.promptTokens,
    total_tokens: shape.promptTokens + completion,
    completion_tokens: completion,
    ...(withDetails
      ? { prompt_tokens_details: shape.promptTokensDetails ? { cached_tokens: request.numCachedPromptTokens } : null }
      : {}),
  };
}

/** vLLM's stop_reason: the stop string, or the stop token id, that ended generation; null for EOS or length. */
function stopReason(request: EngineRequest): string | number | null {
  if (request.stopReason !== undefined) return request.stopReason;
  const last = request.tokenIds[request.tokenIds.length - 1];
  if (request.finishReason === "stop" && last !== undefined && request.spec.stopTokenIds?.includes(last)) return last;
  return null;
}

export function completedBody(shape: ResponseShape, request: EngineRequest, kvTransferParams: unknown) {
  const finish_reason = request.finishReason ?? "abort";
  if (shape.kind === "chat") {
    return {
      id: shape.id,
      object: "chat.completion",
      created: shape.created,
      model: shape.model,
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: request.text, tool_calls: [] },
          logprobs: null,
          finish_reason,
          stop_reason: stopReason(request),
        },
      ],
      usage: usage(shape, request, true),
      prompt_logprobs: null,
      kv_transfer_params: kvTransferParams,
    };
  }
  return {
    id: shape.id,
    object: "text_completion",
    created: shape.created,
    model: shape.model,
    choices: [
      {
        index: 0,
        text: request.text,
        logprobs: null,
        finish_reason,
        stop_reason: stopReason(request),
        prompt_logprobs: null,
      },
    ],
    usage: usage(shape, request, true),
    kv_transfer_params: kvTransferParams,
  };
}

/** Builds the SSE frames of one streamed response. The JSON prefix is built once per stream. */
export class ChunkWriter {
  private readonly object: string;

  constructor(
    private readonly shape: ResponseShape,
    private readonly includeUsage: boolean,
    private readonly continuousUsage: boolean,
  ) {
    this.object = shape.kind === "chat" ? "chat.completion.chunk" : "text_completion";
  }

  /** Chat streams open with the assistant role and empty content. */
  opening(): string {
    if (this.shape.kind !== "chat") return "";
    return this.frame([{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }]);
  }

  /** The frame for one generated token, or "" when it adds no text and does not finish the request. */
  token(request: EngineRequest, text: string): string {
    const finished = request.finishReason !== undefined;
    if (text === "" && !finished) return "";
    const finish_reason = finished ? request.finishReason : null;
    const choice =
      this.shape.kind === "chat"
        ? { index: 0, delta: { content: text }, logprobs: null, finish_reason }
        : { index: 0, text, logprobs: null, finish_reason };
    const withStop = finished ? { ...choice, stop_reason: stopReason(request) } : choice;
    return this.frame([withStop], this.continuousUsage ? usage(this.shape, request, false) : undefined);
  }

  /** The finishing frame (when the last token's frame did not carry it), the usage frame, and [DONE]. */
  closing(request: EngineRequest): string {
    let out = "";
    if (this.includeUsage) out += this.frame([], usage(this.shape, request, false));
    return `${out}data: [DONE]\n\n`;
  }

  private frame(choices: unknown[], usageBody?: unknown): string {
    const chunk: Record<string, unknown> = {
      id: this.shape.id,
      object: this.object,
      created: this.shape.created,
      model: this.shape.model,
      choices,
    };
    if (usageBody !== undefined) chunk.usage = usageBody;
    return `data: ${JSON.stringify(chunk)}\n\n`;
  }
}
