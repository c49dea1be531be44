// The `mode="before"` model validators of vLLM 0.11's request models (entrypoints/openai/protocol.py:
// ChatCompletionRequest.check_tool_usage, check_logprobs, check_generation_prompt,
// validate_stream_options; CompletionRequest.check_logprobs). They see the raw body and raise
// ValueError, which pydantic reports as a value_error at ('body',).
import { type ValidationIssue, valueError } from "./openai-errors.js";

type Body = Record<string, unknown>;

/** The first complaint of the request model's before-validators, if any. */
export function beforeValidators(kind: "chat" | "completion", body: Body): ValidationIssue | undefined {
  const message = kind === "chat" ? chatComplaint(body) : completionComplaint(body);
  return message === undefined ? undefined : valueError(message, body);
}

function chatComplaint(body: Body): string | undefined {
  return (
    streamOptionsComplaint(body) ??
    chatLogprobsComplaint(body) ??
    toolUsageComplaint(body) ??
    generationPromptComplaint(body)
  );
}

function completionComplaint(body: Body): string | undefined {
  const streamOptions = streamOptionsComplaint(body);
  if (streamOptions) return streamOptions;
  const prompt = promptLogprobsComplaint(body);
  if (prompt) return prompt;
  const logprobs = body.logprobs;
  if (typeof logprobs === "number" && logprobs < 0) return "`logprobs` must be a positive value.";
  return undefined;
}

function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object" && value !== null) return Object.keys(value).length > 0;
  return Boolean(value);
}

function streamOptionsComplaint(body: Body): string | undefined {
  if (truthy(body.stream_options) && !truthy(body.stream))
    return "Stream options can only be defined when `stream=True`.";
  return undefined;
}

function promptLogprobsComplaint(body: Body): string | undefined {
  const promptLogprobs = body.prompt_logprobs;
  if (typeof promptLogprobs !== "number") return undefined;
  if (truthy(body.stream) && (promptLogprobs > 0 || promptLogprobs === -1)) {
    return "`prompt_logprobs` are not available when `stream=True`.";
  }
  if (promptLogprobs < 0 && promptLogprobs !== -1) return "`prompt_logprobs` must be a positive value or -1.";
  return undefined;
}

function chatLogprobsComplaint(body: Body): string | undefined {
  const prompt = promptLogprobsComplaint(body);
  if (prompt) return prompt;
  const top = body.top_logprobs;
  if (typeof top !== "number") return undefined;
  if (top < 0 && top !== -1) return "`top_logprobs` must be a positive value or -1.";
  if ((top === -1 || top > 0) && !truthy(body.logprobs))
    return "when using `top_logprobs`, `logprobs` must be set to true.";
  return undefined;
}

function generationPromptComplaint(body: Body): string | undefined {
  if (truthy(body.continue_final_message) && truthy(body.add_generation_prompt)) {
    return "Cannot set both `continue_final_message` and `add_generation_prompt` to True.";
  }
  return undefined;
}

const NAMED_TOOL_USAGE = 'Correct usage: `{"type": "function", "function": {"name": "my_function"}}`';

/** check_tool_usage: tools without tool_choice mean "auto"; a tool_choice needs tools and must name one. */
function toolUsageComplaint(body: Body): string | undefined {
  if (!("tool_choice" in body) && truthy(body.tools)) body.tool_choice = "auto";
  const choice = body.tool_choice;
  if (choice === "none" || choice === undefined || choice === null) return undefined;
  if (body.tools === undefined || body.tools === null) return "When using `tool_choice`, `tools` must be set.";
  if (choice !== "auto" && choice !== "required" && (typeof choice !== "object" || Array.isArray(choice))) {
    return `Invalid value for \`tool_choice\`: ${String(choice)}! Only named tools, "none", "auto" or "required" are supported.`;
  }
  if (typeof choice !== "object") return undefined;
  const fn = (choice as Body).function;
  if (typeof fn !== "object" || fn === null || Array.isArray(fn)) {
    return `Invalid value for \`function\`: \`${String(fn)}\` in \`tool_choice\`! ${NAMED_TOOL_USAGE}`;
  }
  const name = (fn as Body).name;
  if (!("name" in (fn as Body)))
    return `Expected field \`name\` in \`function\` in \`tool_choice\`! ${NAMED_TOOL_USAGE}`;
  if (typeof name !== "string" || name.length === 0) {
    return `Invalid \`name\` in \`function\`: \`${String(name)}\` in \`tool_choice\`! ${NAMED_TOOL_USAGE}`;
  }
  const tools = Array.isArray(body.tools) ? (body.tools as Array<{ function?: { name?: unknown } }>) : [];
  if (!tools.some((tool) => tool?.function?.name === name)) {
    return "The tool specified in `tool_choice` does not match any of the specified `tools`";
  }
  return undefined;
}
