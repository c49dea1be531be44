import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ModelServer } from "../model-server.js";
import { badRequest, modelNotFound, type OpenAiError, validationError } from "./openai-errors.js";
import { SERVER_HEADER, sendError, sendJson } from "./replies.js";
import { isOpenAiError, readJsonBody } from "./request-body.js";

/**
 * The rest of vLLM 0.11's OpenAI server for a generate model (api_server.py): /detokenize, /ping,
 * /load, /v1/embeddings (refused: not a pooling model) and vLLM's dev-mode /reset_prefix_cache.
 */
export function registerServingRoutes(app: FastifyInstance, server: ModelServer): void {
  app.post("/detokenize", async (request, reply) => {
    const body = readModelBody(server, request);
    if (isOpenAiError(body)) return sendError(reply, body);
    const tokens = body.tokens;
    if (!Array.isArray(tokens) || !tokens.every((id) => Number.isInteger(id))) {
      const issue = tokens === undefined ? missing("tokens", body) : listOfInts("tokens", tokens);
      return sendError(reply, validationError([issue]));
    }
    const outOfVocabulary = outOfVocabularyId(server, tokens as number[]);
    if (outOfVocabulary !== undefined)
      return sendError(reply, badRequest(`Token id ${outOfVocabulary} is out of vocabulary`));
    return sendJson(reply, { prompt: server.tokenizer.decode(tokens as number[]) });
  });

  // SageMaker's health check: the same empty 200 as /health.
  const ping = async (_request: FastifyRequest, reply: FastifyReply) =>
    reply.code(200).header("server", SERVER_HEADER).send();
  app.get("/ping", ping);
  app.post("/ping", ping);

  // The number of requests in flight on the generate routes; vLLM counts only with --enable-server-load-tracking.
  app.get("/load", async (_request, reply) =>
    sendJson(reply, { server_load: server.options.enableServerLoadTracking ? server.serverLoad : 0 }),
  );

  app.post("/v1/embeddings", async (request, reply) => {
    const body = readModelBody(server, request);
    if (isOpenAiError(body)) return sendError(reply, body);
    if (body.input === undefined) return sendError(reply, validationError([missing("input", body)]));
    return sendError(reply, badRequest("The model does not support Embeddings API"));
  });

  app.post("/reset_prefix_cache", async (_request, reply) => {
    if (!server.engine.kv.pool.resetPrefixCache()) {
      return sendError(reply, badRequest("Failed to reset prefix cache: requests are still running."));
    }
    return reply.code(200).header("server", SERVER_HEADER).send();
  });
}

/** The JSON body, refused with 404 when it names a model the server does not serve. */
function readModelBody(server: ModelServer, request: FastifyRequest): Record<string, unknown> | OpenAiError {
  const body = readJsonBody(request);
  if (isOpenAiError(body)) return body;
  if (typeof body.model === "string" && !server.servesModel(body.model)) return modelNotFound(body.model);
  return body;
}

/** vLLM's processor check (v1/engine/processor.py): ids above the tokenizer's max_token_id. */
export function outOfVocabularyId(server: ModelServer, ids: readonly number[]): number | undefined {
  let max = -1;
  for (const id of ids) if (id > max) max = id;
  const min = ids.reduce((low, id) => Math.min(low, id), 0);
  if (min < 0) return min;
  return max > server.tokenizer.maxTokenId ? max : undefined;
}

const missing = (field: string, input: unknown) => ({
  type: "missing",
  loc: ["body", field],
  msg: "Field required",
  input,
});

const listOfInts = (field: string, input: unknown) =>
  Array.isArray(input)
    ? {
        type: "int_type",
        loc: ["body", field, input.findIndex((id) => !Number.isInteger(id))],
        msg: "Input should be a valid integer",
        input: input.find((id) => !Number.isInteger(id)),
      }
    : { type: "list_type", loc: ["body", field], msg: "Input should be a valid list", input };
