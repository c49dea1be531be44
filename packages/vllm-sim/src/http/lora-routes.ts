// POST /v1/load_lora_adapter and /v1/unload_lora_adapter, which vLLM 0.11 registers only with
// VLLM_ALLOW_RUNTIME_LORA_UPDATING (api_server.py): success is a 200 with the plain message, a
// failure vLLM's error body.
import type { FastifyInstance } from "fastify";
import type { ModelServer } from "../model-server.js";
import { SERVER_HEADER, sendError } from "./replies.js";
import { isOpenAiError, readJsonBody } from "./request-body.js";

export function registerLoraRoutes(app: FastifyInstance, server: ModelServer): void {
  if (!server.options.allowRuntimeLoraUpdating) return;
  app.post("/v1/load_lora_adapter", async (request, reply) => {
    const body = readJsonBody(request);
    if (isOpenAiError(body)) return sendError(reply, body);
    const outcome = server.loras.load(body.lora_name, body.lora_path);
    if (isOpenAiError(outcome)) return sendError(reply, outcome);
    server.log.info(
      "serving_models.py:0",
      `Loaded new LoRA adapter: name '${body.lora_name}', path '${body.lora_path}'`,
    );
    return reply.code(200).header("server", SERVER_HEADER).send(outcome);
  });
  app.post("/v1/unload_lora_adapter", async (request, reply) => {
    const body = readJsonBody(request);
    if (isOpenAiError(body)) return sendError(reply, body);
    const outcome = server.loras.unload(body.lora_name, body.lora_int_id);
    if (isOpenAiError(outcome)) return sendError(reply, outcome);
    server.log.info("serving_models.py:0", `Removed LoRA adapter: name '${body.lora_name}'`);
    return reply.code(200).header("server", SERVER_HEADER).send(outcome);
  });
}
