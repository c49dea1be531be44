// The JSON vLLM returns for chat and text completions, whole or as SSE chunks
// (`data: <json>\n\n`, ending with `data: [DONE]`), for one choice or many (n, prompt batches).
import type { EngineRequest } from "../engine/engine-request.js";
import type { GenerationChoice } from "./generation-choice.js";
import { chatLogprobs, completionLogprobs, pythonLength } from "./logprobs-bodies.js";
import { type ToolCallIds, toolMessage } from "./tool-call-bodies.js";

/** What every body of one response repeats: its kind, id, model and usage settings. */
export interface ResponseShape {
  kind: "chat" | "completion";
  id: string;
  created: number;
  model: string;
  /** Prompt tokens of the whole request: the prompt once for chat, every prompt of a completions batch. */
  promptTokens: number;
  /** --enable-prompt-tokens-details: report cached prompt tokens in usage. */
  promptTokensDetails: boolean;
  /** make_tool_call_id() for tool calls in the answer. */
  toolCallIds: ToolCallIds;
}

function usage(shape: ResponseShape, choices: readonly GenerationChoice[], withDetails: boolean) {
  let completion = 0;
  for (const choice of choices) completion += choice.engineRequest.numOutputTokens;
  const first = choices[0]?.engineRequest;
  return {
    prompt_tokens: shape.promptTokens,
    total_tokens: shape.promptTokens + completion,
    completion_tokens: completion,
    ...(withDetails
      ? {
          prompt_tokens_details:
            shape.promptTokensDetails && first ? { cached_tokens: first.numCachedPromptTokens } : null,
        }
      : {}),
  };
}

/** Per-chunk usage (continuous_usage_stats): the choice's own prompt and tokens so far. */
function choiceUsage(choice: GenerationChoice) {
  const completion = choice.engineRequest.numOutputTokens;
  return {
    prompt_tokens: choice.promptTokens,
    total_tokens: choice.promptTokens + completion,
    completion_tokens: completion,
  };
}

/** vLLM's stop_reason: the stop string, or the stop token id, that ended generation; null for EOS or length. */
function stopReason(request: EngineRequest): string | number | null {
  if (request.stopReason !== undefined) return request.stopReason;
  const last = request.tokenIds[request.tokenIds.length - 1];
  if (request.finishReason === "stop" && last !== undefined && request.spec.stopTokenIds?.includes(last)) return last;
  return null;
}

function choiceLogprobs(shape: ResponseShape, choice: GenerationChoice, initialOffset = 0) {
  if (!choice.logprobs) return null;
  const positions = choice.takePositions();
  return shape.kind === "chat"
    ? chatLogprobs(positions, choice.logprobs.top)
    : completionLogprobs(positions, choice.logprobs.top, initialOffset);
}

export function completedBody(shape: ResponseShape, choices: readonly GenerationChoice[], kvTransferParams: unknown) {
  if (shape.kind === "chat") {
    return {
      id: shape.id,
      object: "chat.completion",
      created: shape.created,
      model: shape.model,
      choices: choices.map((choice) => chatChoice(shape, choice)),
      usage: usage(shape, choices, true),
      prompt_logprobs: null,
      kv_transfer_params: kvTransferParams,
    };
  }
  return {
    id: shape.id,
    object: "text_completion",
    created: shape.created,
    model: shape.model,
    choices: choices.map((choice) => {
      const request = choice.engineRequest;
      return {
        index: choice.index,
        text: request.text,
        logprobs: choiceLogprobs(shape, choice),
        finish_reason: request.finishReason ?? "abort",
        stop_reason: stopReason(request),
        prompt_logprobs: null,
      };
    }),
    usage: usage(shape, choices, true),
    kv_transfer_params: kvTransferParams,
  };
}

function chatChoice(shape: ResponseShape, choice: GenerationChoice) {
  const request = choice.engineRequest;
  const message = toolMessage(choice.tools, request.text, shape.toolCallIds);
  const finished = request.finishReason ?? "abort";
  return {
    index: choice.index,
    message: { role: "assistant", content: message.content, tool_calls: message.toolCalls },
    logprobs: choiceLogprobs(shape, choice),
    finish_reason: message.called ? "tool_calls" : finished,
    stop_reason: stopReason(request),
  };
}

/** Builds the SSE frames of one streamed response. */
export class ChunkWriter {
  private readonly object: string;

  constructor(
    private readonly shape: ResponseShape,
    private readonly includeUsage: boolean,
    private readonly continuousUsage: boolean,
  ) {
    this.object = shape.kind === "chat" ? "chat.completion.chunk" : "text_completion";
  }

  /** Chat streams open with one frame per choice: the assistant role and empty content. */
  opening(choices: readonly GenerationChoice[]): string {
    if (this.shape.kind !== "chat") return "";
    let out = "";
    for (const choice of choices) {
      const usageBody = this.continuousUsage
        ? { prompt_tokens: choice.promptTokens, total_tokens: choice.promptTokens, completion_tokens: 0 }
        : undefined;
      out += this.frame(
        [{ index: choice.index, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }],
        usageBody,
      );
    }
    return out;
  }

  /** The frame for one generated token of a choice, or "" when it carries nothing to send yet. */
  token(choice: GenerationChoice, text: string): string {
    const request = choice.engineRequest;
    const finished = request.finishReason !== undefined;
    const buffered = choice.tools.kind === "required" || (choice.tools.kind === "hermes" && isToolCallText(request));
    if (!finished && (buffered || (text === "" && choice.positions.length === 0))) return "";
    const finish_reason = finished ? request.finishReason : null;
    const logprobs = choice.logprobs ? choiceLogprobs(this.shape, choice, choice.streamedLength) : null;
    // Only completions' text_offset needs the length streamed so far.
    if (choice.logprobs) choice.streamedLength += pythonLength(text);
    const body =
      this.shape.kind === "chat"
        ? { index: choice.index, delta: this.delta(choice, text, buffered, finished), logprobs, finish_reason }
        : { index: choice.index, text, logprobs, finish_reason };
    const withStop = finished
      ? { ...body, ...this.finishing(choice, buffered), stop_reason: stopReason(request) }
      : body;
    return this.frame([withStop], this.continuousUsage ? choiceUsage(choice) : undefined);
  }

  /** The usage frame (when asked for or forced) and [DONE]. */
  closing(choices: readonly GenerationChoice[]): string {
    let out = "";
    if (this.includeUsage) out += this.frame([], usage(this.shape, choices, false));
    return `${out}data: [DONE]\n\n`;
  }

  /**
   * A chat delta: content, or for a named tool the arguments as they come (the first delta with the
   * call's id, type and name). Tool calls that must be parsed from the whole text ("required", hermes)
   * are sent whole with the finishing frame.
   */
  private delta(choice: GenerationChoice, text: string, buffered: boolean, finished: boolean) {
    if (choice.tools.kind === "named") {
      if (choice.toolNameSent) return { tool_calls: [{ index: choice.index, function: { arguments: text } }] };
      choice.toolNameSent = true;
      const id = this.shape.toolCallIds();
      const fn = { name: choice.tools.name, arguments: text };
      return { tool_calls: [{ id, type: "function", index: choice.index, function: fn }] };
    }
    if (buffered && finished) {
      const message = toolMessage(choice.tools, choice.engineRequest.text, this.shape.toolCallIds);
      const toolCalls = message.toolCalls.map((call, index) => ({ ...call, index }));
      return toolCalls.length > 0 ? { tool_calls: toolCalls } : { content: choice.engineRequest.text };
    }
    return { content: text };
  }

  /** A streamed choice that sent tool calls finishes with "tool_calls" (tools_streamed). */
  private finishing(choice: GenerationChoice, buffered: boolean): { finish_reason?: string } {
    if (choice.tools.kind === "named" && choice.toolNameSent) return { finish_reason: "tool_calls" };
    if (buffered) {
      const message = toolMessage(choice.tools, choice.engineRequest.text, () => "");
      if (message.toolCalls.length > 0) return { finish_reason: "tool_calls" };
    }
    return {};
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

/** A hermes choice is buffered once its text starts a tool call (the parser holds such text back). */
function isToolCallText(request: EngineRequest): boolean {
  return request.text.trimStart().startsWith("<tool_call>");
}
