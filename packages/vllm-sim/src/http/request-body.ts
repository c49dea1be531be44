import type { FastifyRequest } from "fastify";
import { invalidJson, missingBody, type OpenAiError, validationError } from "./openai-errors.js";

/**
 * Turns the raw request body into a JSON object the way FastAPI does before validation: no body at
 * all is pydantic's "Field required" on ('body',) — what vLLM answers when a gateway dropped the
 * body (the seed's Bug 1) — and broken JSON is a json_invalid error at the offending position.
 */
export function readJsonBody(request: FastifyRequest): Record<string, unknown> | OpenAiError {
  const raw = typeof request.body === "string" ? request.body : "";
  if (raw.trim() === "") return missingBody();
  const contentType = request.headers["content-type"] ?? "";
  if (contentType !== "" && !/json/i.test(contentType)) {
    return validationError([
      {
        type: "model_attributes_type",
        loc: ["body"],
        msg: "Input should be a valid dictionary or object to extract fields from",
        input: raw,
      },
    ]);
  }
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
