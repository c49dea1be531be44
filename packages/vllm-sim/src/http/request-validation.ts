// Checks an OpenAI request body the way vLLM's pydantic models do, and answers with pydantic's
// error types and messages. Only fields the simulator acts on are checked; unknown fields pass, as
// vLLM accepts (and ignores) extra fields.
import type { ChatMessage } from "../tokens/chat-template.js";
import { badRequest, type OpenAiError, type ValidationIssue, validationError } from "./openai-errors.js";

/** A completion request, validated: the fields the simulator acts on. */
export interface GenerationRequest {
  kind: "chat" | "completion";
  model: string | undefined;
  messages: ChatMessage[];
  prompt: string | number[] | undefined;
  maxTokens: number | undefined;
  stream: boolean;
  includeUsage: boolean;
  continuousUsageStats: boolean;
  stop: string[];
  stopTokenIds: number[];
  ignoreEos: boolean;
  minTokens: number;
  seed: number | undefined;
  addGenerationPrompt: boolean;
  enableThinking: boolean;
  kvTransferParams: Record<string, unknown> | undefined;
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

  missing(field: string): void {
    this.issue("missing", field, "Field required", this.body);
  }

  issue(type: string, field: string, msg: string, input: unknown): void {
    this.issues.push({ type, loc: ["body", field], msg, input });
  }
}

export function parseGenerationRequest(kind: "chat" | "completion", body: Body): GenerationRequest | OpenAiError {
  const read = new FieldReader(body);
  const messages = kind === "chat" ? readMessages(read, body) : [];
  const prompt = kind === "completion" ? readPrompt(read, body) : undefined;
  // CompletionRequest.max_tokens defaults to 16 (protocol.py, as OpenAI's legacy API); chat has no default.
  const maxTokens =
    kind === "chat"
      ? (read.integer("max_completion_tokens") ?? read.integer("max_tokens"))
      : "max_tokens" in body
        ? read.integer("max_tokens")
        : COMPLETION_DEFAULT_MAX_TOKENS;
  const streamOptions = read.object("stream_options");
  const templateKwargs = read.object("chat_template_kwargs");
  const request: GenerationRequest = {
    kind,
    model: read.string("model"),
    messages,
    prompt,
    maxTokens,
    stream: read.boolean("stream", false),
    includeUsage: streamOptions?.include_usage === true,
    continuousUsageStats: streamOptions?.continuous_usage_stats === true,
    stop: read.stopStrings(),
    stopTokenIds: read.integerList("stop_token_ids"),
    ignoreEos: read.boolean("ignore_eos", false),
    minTokens: read.integer("min_tokens") ?? 0,
    seed: read.integer("seed"),
    addGenerationPrompt: read.boolean("add_generation_prompt", true),
    enableThinking: templateKwargs?.enable_thinking !== false,
    kvTransferParams: read.object("kv_transfer_params"),
  };
  read.number("temperature");
  read.number("top_p");
  const n = read.integer("n");
  if (read.issues.length > 0) return validationError(read.issues);
  if (n !== undefined && n !== 1)
    return badRequest("The simulator generates one choice per request (n must be 1).", "n");
  if (maxTokens !== undefined && maxTokens < 1) return badRequest(`max_tokens must be at least 1, got ${maxTokens}.`);
  if (streamOptions !== undefined && !request.stream)
    return badRequest("Stream options can only be defined when `stream=True`.");
  return request;
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
    }
  });
  return value as ChatMessage[];
}

function readPrompt(read: FieldReader, body: Body): string | number[] | undefined {
  const value = body.prompt;
  if (value === undefined) {
    read.missing("prompt");
    return undefined;
  }
  if (typeof value === "string") return value;
  if (Array.isArray(value) && value.length > 0 && value.every((item) => Number.isInteger(item)))
    return value as number[];
  if (Array.isArray(value) && value.length === 1 && typeof value[0] === "string") return value[0];
  read.issue("string_type", "prompt", "Input should be a valid string", value);
  return undefined;
}
