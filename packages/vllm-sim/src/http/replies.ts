import type { FastifyReply } from "fastify";
import type { OpenAiError } from "./openai-errors.js";

/** vLLM answers through uvicorn, which names itself in every response. */
export const SERVER_HEADER = "uvicorn";

export function sendError(reply: FastifyReply, error: OpenAiError): FastifyReply {
  return reply.code(error.status).header("server", SERVER_HEADER).send(error.body);
}

export function sendJson(reply: FastifyReply, body: unknown): FastifyReply {
  return reply.code(200).header("server", SERVER_HEADER).send(body);
}
