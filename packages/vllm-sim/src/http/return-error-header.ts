// llm-d-inference-sim's X-Return-Error request header: a deterministic failure, answered after the
// body is parsed and before any validation (communication.handleHTTP). An integer is the status of a
// simulated error; anything else is a 400.
import type { FastifyRequest } from "fastify";
import { errorTypeForStatus, type OpenAiError, openAiError } from "./openai-errors.js";

/** The error the header asks for, or undefined without the header. */
export function returnErrorFromHeader(request: FastifyRequest): OpenAiError | undefined {
  const value = request.headers["x-return-error"];
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text === "") return undefined;
  // strconv.Atoi: an optional sign and decimal digits.
  if (!/^[+-]?\d+$/.test(text)) {
    return openAiError(
      400,
      "BadRequestError",
      `Invalid X-Return-Error header value ${JSON.stringify(text)}: must be an integer`,
    );
  }
  const code = Number(text);
  // fasthttp writes any number as the status line; Node only accepts 100–999, so others become 500.
  const status = code >= 100 && code <= 999 ? code : 500;
  const error = openAiError(
    status,
    errorTypeForStatus(code),
    `Simulated error triggered by X-Return-Error header (code ${code})`,
  );
  error.body.error.code = code;
  return error;
}
