import type { FastifyRequest } from "fastify";
import { jsonNestingDepth, PYTHON_JSON_MAX_DEPTH } from "./json-depth.js";
import {
  bodyParseError,
  invalidJson,
  missingBody,
  type OpenAiError,
  unsupportedMediaType,
  validationError,
} from "./openai-errors.js";

/**
 * Turns the raw request body into a JSON object the way FastAPI does before validation: no body at
 * all is pydantic's "Field required" on ('body',) — what vLLM answers when a gateway dropped the
 * body (the seed's Bug 1) — and broken JSON is a json_invalid error at the offending position.
 * Before that, vLLM's validate_json_request dependency refuses any media type but application/json.
 */
export function readJsonBody(
  request: FastifyRequest,
  requireJsonMediaType = true,
): Record<string, unknown> | OpenAiError {
  const mediaType = (request.headers["content-type"] ?? "").toLowerCase().split(";", 1)[0]?.trim();
  if (requireJsonMediaType && mediaType !== "application/json") return unsupportedMediaType();
  const raw = typeof request.body === "string" ? request.body : "";
  if (raw.trim() === "") return missingBody();
  if (jsonNestingDepth(raw) >= PYTHON_JSON_MAX_DEPTH) return bodyParseError();
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    return invalidJson(errorPosition(error, raw), "Expecting value");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return validationError([
      {
        type: "model_attributes_type",
        loc: ["body"],
        msg: "Input should be a valid dictionary or object to extract fields from",
        input: parsed,
      },
    ]);
  }
  return parsed as Record<string, unknown>;
}

function errorPosition(error: unknown, raw: string): number {
  const match = /position (\d+)/.exec(String((error as Error).message));
  return match ? Number(match[1]) : raw.length;
}

export function isOpenAiError(value: unknown): value is OpenAiError {
  return typeof value === "object" && value !== null && "status" in value && "body" in value;
}
