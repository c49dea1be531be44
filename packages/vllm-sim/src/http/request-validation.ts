// Checks an OpenAI request body the way vLLM's pydantic models do, and answers with pydantic's
// error types and messages. Only fields the simulator acts on are checked; unknown fields pass, as
// vLLM accepts (and ignores) extra fields.
import type { ChatMessage } from "../tokens/chat-template.js";
import { type OpenAiError, type ValidationIssue, validationError } from "./openai-errors.js";
import { beforeValidators } from "./protocol-validators.js";

/** A completion request, validated: the fields the simulator acts on. */
export interface GenerationRequest {
  kind: "chat" | "completion";
  model: string | undefined;
  messages: ChatMessage[];
  /** Completions: one entry per prompt (a string, or token ids), as parse_raw_prompts splits `prompt`. */
  prompts: Array<string | number[]>;
  maxTokens: number | undefined;
  stream: boolean;
  /** stream_options as sent: include_usage defaults to true inside it (protocol.py StreamOptions). */
  streamOptions: { includeUsage: boolean | undefined; continuousUsageStats: boolean } | undefined;
  stop: string[];
  stopTokenIds: number[];
  ignoreEos: boolean;
  minTokens: number;
  seed: number | undefined;
  addGenerationPrompt: boolean;
  enableThinking: boolean;
  kvTransferParams: Record<string, unknown> | undefined;
  /** Sampling parameters as vLLM's SamplingParams receives them (protocol.py defaults when absent). */
  n: number;
  temperature: number;
  topP: number;
  topK: number;
  minP: number;
  presencePenalty: number;
  frequencyPenalty: number;
  repetitionPenalty: number;
  /** Chat: 0 or top_logprobs when `logprobs` is true; completions: the `logprobs` count. */
  logprobs: number | undefined;
  includeStopStrInOutput: boolean;
  tools: unknown[] | undefined;
  /** response_format as sent (type already checked): json_object / json_schema turn on structured outputs. */
  responseFormat: Record<string, unknown> | undefined;
  /** After check_tool_usage: "auto" when tools came without a tool_choice. */
  toolChoice: unknown;
  /** ChatCompletionRequest.request_id: the response id when no X-Request-Id header is sent. */
  requestId: string | undefined;
  /** A chat template sent with the request (refused without --trust-request-chat-template). */
  requestChatTemplate: boolean;
}

type Body = Record<string, unknown>;

const COMPLETION_DEFAULT_MAX_TOKENS = 16;

class FieldReader {
  readonly issues: ValidationIssue[] = [];
  constructor(private readonly body: Body) {}

  integer(field: string): number | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value === "number" && Number.isInteger(value)) return value;
    if (typeof value === "number") {
      this.issue(
        "int_from_float",
        field,
        "Input should be a valid integer, got a number with a fractional part",
        value,
      );
    } else if (typeof value === "string") {
      if (/^\s*-?\d+\s*$/.test(value)) return Number(value);
      this.issue("int_parsing", field, "Input should be a valid integer, unable to parse string as an integer", value);
    } else {
      this.issue("int_type", field, "Input should be a valid integer", value);
    }
    return undefined;
  }

  number(field: string): number | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value === "number") return value;
    this.issue("float_type", field, "Input should be a valid number", value);
    return undefined;
  }

  boolean(field: string, fallback: boolean): boolean {
    const value = this.body[field];
    if (value === undefined || value === null) return fallback;
    if (typeof value === "boolean") return value;
    this.issue("bool_type", field, "Input should be a valid boolean", value);
    return fallback;
  }

  string(field: string): string | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value === "string") return value;
    this.issue("string_type", field, "Input should be a valid string", value);
    return undefined;
  }

  object(field: string): Record<string, unknown> | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
    this.issue("dict_type", field, "Input should be a valid dictionary", value);
    return undefined;
  }

  stopStrings(): string[] {
    const value = this.body.stop;
    if (value === undefined || value === null) return [];
    if (typeof value === "string") return [value];
    if (Array.isArray(value) && value.every((item) => typeof item === "string")) return value as string[];
    this.issue("string_type", "stop", "Input should be a valid string", value);
    return [];
  }

  integerList(field: string): number[] {
    const value = this.body[field];
    if (value === undefined || value === null) return [];
    if (Array.isArray(value) && value.every((item) => Number.isInteger(item))) return value as number[];
    this.issue("list_type", field, "Input should be a valid list", value);
    return [];
  }

  list(field: string): unknown[] | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) return undefined;
    if (Array.isArray(value)) return value;
    this.issue("list_type", field, "Input should be a valid list", value);
    return undefined;
  }

  missing(field: string): void {
    this.issue("missing", field, "Field required", this.body);
  }

  issue(type: string, field: string, msg: string, input: unknown): void {
    this.issues.push({ type, loc: ["body", field], msg, input });
  }
}

export function parseGenerationRequest(kind: "chat" | "completion", body: Body): GenerationRequest | OpenAiError {
  const before = beforeValidators(kind, body);
  if (before) return validationError([before]);
  const read = new FieldReader(body);
  const messages = kind === "chat" ? readMessages(read, body) : [];
  const prompts = kind === "completion" ? readPrompts(read, body) : [];
  // CompletionRequest.max_tokens defaults to 16 (protocol.py, as OpenAI's legacy API); chat has no default.
  const maxTokens =
    kind === "chat"
      ? (read.integer("max_completion_tokens") ?? read.integer("max_tokens"))
      : "max_tokens" in body
        ? read.integer("max_tokens")
        : COMPLETION_DEFAULT_MAX_TOKENS;
  const streamOptions = read.object("stream_options");
  const templateKwargs = read.object("chat_template_kwargs");
  const logprobs = kind === "chat" ? chatLogprobs(read) : read.integer("logprobs");
  const tools = read.list("tools");
  const responseFormat = read.object("response_format");
  const responseFormatIssue = responseFormatProblem(body.response_format);
  if (responseFormatIssue) read.issues.push(responseFormatIssue);
  const request: GenerationRequest = {
    kind,
    model: read.string("model"),
    messages,
    prompts,
    maxTokens,
    stream: read.boolean("stream", false),
    streamOptions: streamOptions && {
      includeUsage: streamOptions.include_usage === null ? undefined : streamOptions.include_usage !== false,
      continuousUsageStats: streamOptions.continuous_usage_stats === true,
    },
    stop: read.stopStrings(),
    stopTokenIds: read.integerList("stop_token_ids"),
    ignoreEos: read.boolean("ignore_eos", false),
    minTokens: read.integer("min_tokens") ?? 0,
    seed: read.integer("seed"),
    addGenerationPrompt: read.boolean("add_generation_prompt", true),
    enableThinking: templateKwargs?.enable_thinking !== false,
    kvTransferParams: read.object("kv_transfer_params"),
    n: read.integer("n") ?? 1,
    temperature: read.number("temperature") ?? 1,
    topP: read.number("top_p") ?? 1,
    topK: read.integer("top_k") ?? 0,
    minP: read.number("min_p") ?? 0,
    presencePenalty: read.number("presence_penalty") ?? 0,
    frequencyPenalty: read.number("frequency_penalty") ?? 0,
    repetitionPenalty: read.number("repetition_penalty") ?? 1,
    logprobs,
    includeStopStrInOutput: read.boolean("include_stop_str_in_output", false),
    tools,
    responseFormat,
    toolChoice: body.tool_choice,
    requestId: read.string("request_id"),
    requestChatTemplate:
      read.string("chat_template") !== undefined ||
      (templateKwargs?.chat_template !== undefined && templateKwargs?.chat_template !== null),
  };
  if (read.issues.length > 0) return validationError(read.issues);
  return request;
}

/** Chat's `logprobs` is a boolean; with it, `top_logprobs` (default 0) is the count per token. */
function chatLogprobs(read: FieldReader): number | undefined {
  const wanted = read.boolean("logprobs", false);
  const top = read.integer("top_logprobs");
  return wanted ? (top ?? 0) : undefined;
}

const RESPONSE_FORMAT_TYPES = ["text", "json_object", "json_schema", "structural_tag"];

/** response_format.type is a Literal in vLLM's ResponseFormat / StructuralTagResponseFormat. */
function responseFormatProblem(value: unknown): ValidationIssue | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const type = (value as Body).type;
  if (type === undefined) {
    return { type: "missing", loc: ["body", "response_format", "type"], msg: "Field required", input: value };
  }
  if (typeof type === "string" && RESPONSE_FORMAT_TYPES.includes(type)) return undefined;
  const expected = "'text', 'json_object', 'json_schema' or 'structural_tag'";
  return {
    type: "literal_error",
    loc: ["body", "response_format", "type"],
    msg: `Input should be ${expected}`,
    input: type,
    ctx: { expected },
  };
}

function readMessages(read: FieldReader, body: Body): ChatMessage[] {
  const value = body.messages;
  if (value === undefined) {
    read.missing("messages");
    return [];
  }
  if (!Array.isArray(value)) {
    read.issue("list_type", "messages", "Input should be a valid list", value);
    return [];
  }
  value.forEach((message, index) => {
    if (typeof message !== "object" || message === null || typeof (message as ChatMessage).role !== "string") {
      read.issues.push({
        type: "missing",
        loc: ["body", "messages", index, "role"],
        msg: "Field required",
        input: message,
      });
      return;
    }
    const issue = contentIssue((message as Body).content, index);
    if (issue) read.issues.push(issue);
  });
  return value as ChatMessage[];
}

/**
 * A message's content is a string, null, or a list of content parts (objects with a `type`; text
 * parts with a string `text`). pydantic reports a bad part against each member of vLLM's message
 * union; the first member's complaint stands for them here.
 */
function contentIssue(content: unknown, index: number): ValidationIssue | undefined {
  if (content === undefined || content === null || typeof content === "string") return undefined;
  const loc = ["body", "messages", index, "content"];
  if (!Array.isArray(content)) {
    return { type: "string_type", loc, msg: "Input should be a valid string", input: content };
  }
  for (const [part, item] of content.entries()) {
    if (typeof item !== "object" || item === null || Array.isArray(item)) {
      return {
        type: "model_attributes_type",
        loc: [...loc, part],
        msg: "Input should be a valid dictionary or object to extract fields from",
        input: item,
      };
    }
    const { type, text } = item as Body;
    if (typeof type !== "string") {
      return { type: "missing", loc: [...loc, part, "type"], msg: "Field required", input: item };
    }
    if (type === "text" && typeof text !== "string") {
      return text === undefined
        ? { type: "missing", loc: [...loc, part, "text"], msg: "Field required", input: item }
        : { type: "string_type", loc: [...loc, part, "text"], msg: "Input should be a valid string", input: text };
    }
  }
  return undefined;
}

/**
 * CompletionRequest.prompt is `list[int] | list[list[int]] | str | list[str]`; vLLM's parse_raw_prompts
 * makes one prompt of a string or a token list, one per element of a list of strings or of token lists.
 * An empty list (or an empty first token list) is left to the caller: "please provide at least one prompt".
 */
function readPrompts(read: FieldReader, body: Body): Array<string | number[]> {
  const value = body.prompt;
  if (value === undefined) {
    read.missing("prompt");
    return [];
  }
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) {
    if (value.length === 0) return [];
    if (value.every((item) => Number.isInteger(item))) return [value as number[]];
    if (value.every((item) => typeof item === "string")) return value as string[];
    if (value.every((item) => Array.isArray(item) && item.every((id) => Number.isInteger(id)))) {
      return value as number[][];
    }
  }
  read.issue("string_type", "prompt", "Input should be a valid string", value);
  return [];
}
