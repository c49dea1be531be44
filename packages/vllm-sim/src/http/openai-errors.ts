// vLLM's error responses. vLLM 0.11 (protocol.py) answers ErrorResponse{error: ErrorInfo{message, type,
// param, code}}; the flat {"object":"error",…} of vLLM ≤ 0.10.0 (the one captured behind Istio in GIE
// issue #934) is gone since PR #22099 (0.10.1). The message texts are unchanged.
import { pythonRepr, pythonTuple } from "./python-repr.js";

/** vLLM's ErrorInfo: what an OpenAI client exposes as `APIError.error`. */
export interface ErrorInfo {
  message: string;
  type: string;
  param: string | null;
  code: number;
}

/** An error answer: its HTTP status and vLLM's ErrorResponse body. */
export interface OpenAiError {
  status: number;
  body: { error: ErrorInfo };
}

export function openAiError(status: number, type: string, message: string, param: string | null = null): OpenAiError {
  return { status, body: { error: { message, type, param, code: status } } };
}

/** One pydantic validation error, as FastAPI reports it. */
export interface ValidationIssue {
  type: string;
  loc: Array<string | number>;
  msg: string;
  input: unknown;
  /** Python values rendered with repr(), or `{ raw }` for text already in Python's form (an exception). */
  ctx?: Record<string, string | { raw: string }>;
}

/**
 * The error a pydantic `mode="before"` model validator raising ValueError(message) leaves: type
 * value_error at ('body',), the message prefixed with "Value error, ", the exception in ctx.
 */
export function valueError(message: string, input: unknown): ValidationIssue {
  return {
    type: "value_error",
    loc: ["body"],
    msg: `Value error, ${message}`,
    input,
    ctx: { error: { raw: `ValueError(${pythonRepr(message)})` } },
  };
}

/** vLLM's RequestValidationError handler: 400, type "Bad Request", message = str(exc.errors()). */
export function validationError(issues: readonly ValidationIssue[]): OpenAiError {
  const rendered = issues.map((issue) => {
    const ctx = issue.ctx ? `, 'ctx': ${ctxRepr(issue.ctx)}` : "";
    return `{'type': ${pythonRepr(issue.type)}, 'loc': ${pythonTuple(issue.loc)}, 'msg': ${pythonRepr(issue.msg)}, 'input': ${pythonRepr(issue.input)}${ctx}}`;
  });
  return openAiError(400, "Bad Request", `[${rendered.join(", ")}]`);
}

function ctxRepr(ctx: NonNullable<ValidationIssue["ctx"]>): string {
  const entries = Object.entries(ctx).map(
    ([key, value]) => `${pythonRepr(key)}: ${typeof value === "string" ? pythonRepr(value) : value.raw}`,
  );
  return `{${entries.join(", ")}}`;
}

export const missingBody = (): OpenAiError =>
  validationError([{ type: "missing", loc: ["body"], msg: "Field required", input: null }]);

/**
 * api_server.py validate_json_request: RequestValidationError(errors=["Unsupported Media Type: Only
 * 'application/json' is allowed"]), rendered as Python's str() of that list.
 */
export const unsupportedMediaType = (): OpenAiError =>
  openAiError(400, "Bad Request", `[${pythonRepr("Unsupported Media Type: Only 'application/json' is allowed")}]`);

/** FastAPI's HTTPException for a body its JSON decoder failed on (other than a JSONDecodeError). */
export const bodyParseError = (): OpenAiError => openAiError(400, "Bad Request", "There was an error parsing the body");

export const invalidJson = (position: number, reason: string): OpenAiError =>
  validationError([
    { type: "json_invalid", loc: ["body", position], msg: "JSON decode error", input: {}, ctx: { error: reason } },
  ]);

export const modelNotFound = (model: string): OpenAiError =>
  openAiError(404, "NotFoundError", `The model \`${model}\` does not exist.`, "model");

export const badRequest = (message: string, param: string | null = null): OpenAiError =>
  openAiError(400, "BadRequestError", message, param);

export function promptTooLong(maxModelLen: number, promptTokens: number): OpenAiError {
  return badRequest(
    `This model's maximum context length is ${maxModelLen} tokens. However, your request has ${promptTokens} input tokens. Please reduce the length of the input messages.`,
  );
}

export function maxTokensTooLarge(maxTokens: number, maxModelLen: number, promptTokens: number): OpenAiError {
  return badRequest(
    `'max_tokens' or 'max_completion_tokens' is too large: ${maxTokens}. This model's maximum context length is ${maxModelLen} tokens and your request has ${promptTokens} input tokens (${maxTokens} > ${maxModelLen} - ${promptTokens}).`,
  );
}

export const payloadTooLarge = (limit: number): OpenAiError =>
  openAiError(413, "RequestEntityTooLarge", `Request body exceeds the limit of ${limit} bytes.`);

/** OpenAI error type names by status, as llm-d-inference-sim maps them. */
export function errorTypeForStatus(status: number): string {
  if (status === 400) return "BadRequestError";
  if (status === 401) return "AuthenticationError";
  if (status === 403) return "PermissionDeniedError";
  if (status === 404) return "NotFoundError";
  if (status === 429) return "RateLimitError";
  if (status >= 500) return "InternalServerError";
  return "APIConnectionError";
}
