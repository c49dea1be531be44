// The JSON vLLM returns for chat and text completions, whole or as SSE chunks
// (`data: <json>\n\n`, ending with `data: [DONE]`), for one choice or many (n, prompt batches).
import type { EngineRequest } from "../engine/engine-request.js";
import type { GenerationChoice } from "./generation-choice.js";
import { chatLogprobs, completionLogprobs, pythonLength } from "./logprobs-bodies.js";
import { type ToolCallIds, toolMessage } from "./tool-call-bodies.js";
import { type DeltaMessage, HermesToolStream, RequiredToolStream } from "./tool-call-streaming.js";

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
    const tools = this.shape.kind === "chat" && choice.tools.kind !== "none";
    if (!finished && !tools && text === "" && choice.positions.length === 0) return "";
    let delta: DeltaMessage | null = null;
    if (tools) {
      delta = this.toolDelta(choice, text, finished);
      if (delta === null && !finished) {
        // vLLM skips the chunk after computing the token's logprobs: they are never sent.
        choice.takePositions();
        return "";
      }
    }
    const finish_reason = finished ? this.finishReason(choice) : null;
    const logprobs = choice.logprobs ? choiceLogprobs(this.shape, choice, choice.streamedLength) : null;
    // Only completions' text_offset needs the length streamed so far.
    if (choice.logprobs) choice.streamedLength += pythonLength(text);
    const body =
      this.shape.kind === "chat"
        ? { index: choice.index, delta: delta ?? (tools ? {} : { content: text }), logprobs, finish_reason }
        : { index: choice.index, text, logprobs, finish_reason };
    const withStop = finished ? { ...body, stop_reason: stopReason(request) } : body;
    return this.frame([withStop], this.continuousUsage ? choiceUsage(choice) : undefined);
  }

  /** The usage frame (when asked for or forced) and [DONE]. */
  closing(choices: readonly GenerationChoice[]): string {
    let out = "";
    if (this.includeUsage) out += this.frame([], usage(this.shape, choices, false));
    return `${out}data: [DONE]\n\n`;
  }

  /**
   * A chat delta when tools are in play: a named tool's arguments as they come (the first delta with
   * the call's id, type and name); "required" and hermes calls as their parsers stream them.
   */
  private toolDelta(choice: GenerationChoice, text: string, finished: boolean): DeltaMessage | null {
    if (choice.tools.kind === "named") {
      if (choice.toolNameSent) return { tool_calls: [{ index: choice.index, function: { arguments: text } }] };
      choice.toolNameSent = true;
      const id = this.shape.toolCallIds();
      const fn = { name: choice.tools.name, arguments: text };
      return { tool_calls: [{ id, type: "function", index: choice.index, function: fn }] };
    }
    const stream = this.toolStreamOf(choice);
    const previous = choice.toolText;
    choice.toolText = previous + text;
    const delta = stream.next(previous, choice.toolText, text);
    if (!finished || !(stream instanceof HermesToolStream)) return delta;
    return stream.remaining(delta ?? {});
  }

  private toolStreamOf(choice: GenerationChoice): RequiredToolStream | HermesToolStream {
    if (!choice.toolStream) {
      choice.toolStream =
        choice.tools.kind === "required"
          ? new RequiredToolStream(this.shape.toolCallIds)
          : new HermesToolStream(this.shape.toolCallIds);
    }
    return choice.toolStream;
  }

  /**
   * "tool_calls" when the hermes parser saw a call or streamed one (auto_tools_called or
   * tools_streamed: a call cut right after its name counts) or a "required" call was streamed; a
   * named tool call finishes as the engine did ("stop" or "length"), as in vLLM's stream generator.
   */
  private finishReason(choice: GenerationChoice): string | undefined {
    const stream = choice.toolStream;
    if (stream instanceof HermesToolStream && (stream.called || stream.streamed)) return "tool_calls";
    if (stream instanceof RequiredToolStream && stream.streamed) return "tool_calls";
    return choice.engineRequest.finishReason;
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
