import type { FastifyInstance } from "fastify";
import type { ModelServer } from "../model-server.js";
import type { ChatMessage } from "../tokens/chat-template.js";
import { renderChatML, toolDump } from "../tokens/chat-template.js";
import { parseGoDuration } from "./go-duration.js";
import { modelNotFound, type ValidationIssue, validationError } from "./openai-errors.js";
import { sendError, sendJson } from "./replies.js";
import { isOpenAiError, readJsonBody } from "./request-body.js";

/** The vLLM release RHOAI 3.2 ships (llm-d 0.4). */
export const VLLM_VERSION = "0.11.2";

/** GET /v1/models, POST /tokenize, GET /health, GET /version, GET /metrics — vLLM's shapes. */
export function registerModelRoutes(app: FastifyInstance, server: ModelServer): void {
  const created = Math.floor(server.options.clock.now() / 1000);
  const modelPermission = () => ({
    id: `modelperm-${server.nextRequestId("perm").slice(5)}`,
    object: "model_permission",
    created,
    allow_create_engine: false,
    allow_sampling: true,
    allow_logprobs: true,
    allow_search_indices: false,
    allow_view: true,
    allow_fine_tuning: false,
    organization: "*",
    group: null,
    is_blocking: false,
  });

  app.get("/v1/models", async (_request, reply) =>
    sendJson(reply, {
      object: "list",
      data: [
        ...server.modelNames.map((name) => ({
          id: name,
          object: "model",
          created,
          owned_by: "vllm",
          root: server.options.model,
          parent: null,
          max_model_len: server.maxModelLen,
          permission: [modelPermission()],
        })),
        ...server.loras.all.map((lora) => ({
          id: lora.name,
          object: "model",
          created,
          owned_by: "vllm",
          root: lora.path,
          parent: lora.baseModelName,
          max_model_len: null,
          permission: [modelPermission()],
        })),
      ],
    }),
  );

  app.post("/tokenize", async (request, reply) => {
    const body = readJsonBody(request);
    if (isOpenAiError(body)) return sendError(reply, body);
    if (typeof body.model === "string" && !server.servesModel(body.model))
      return sendError(reply, modelNotFound(body.model));
    let text: string;
    if (body.messages !== undefined) {
      const issue = messagesIssue(body.messages);
      if (issue) return sendError(reply, validationError([issue]));
      text = renderChatML(body.messages as ChatMessage[], {
        addGenerationPrompt: body.add_generation_prompt !== false,
        enableThinking:
          (body.chat_template_kwargs as { enable_thinking?: boolean } | undefined)?.enable_thinking !== false,
        // TokenizeChatRequest.tools: rendered by the chat template as for a chat completion.
        tools: Array.isArray(body.tools) ? body.tools.map(toolDump) : undefined,
      });
    } else if (typeof body.prompt === "string") {
      text = body.prompt;
    } else {
      const issue =
        body.prompt === undefined
          ? { type: "missing", loc: ["body", "prompt"], msg: "Field required", input: body }
          : { type: "string_type", loc: ["body", "prompt"], msg: "Input should be a valid string", input: body.prompt };
      return sendError(reply, validationError([issue]));
    }
    const tokens = await server.tokenizer.encodeAsync(text);
    return sendJson(reply, { count: tokens.length, max_model_len: server.maxModelLen, tokens, token_strs: null });
  });

  app.get("/health", async (_request, reply) => reply.code(200).header("server", "uvicorn").send());
  // llm-d-inference-sim's readiness endpoints (not vLLM's): /health/ready is 503 for --startup-duration.
  const startupMs = parseGoDuration(server.options.startupDuration ?? "0") ?? 0;
  app.get("/health/ready", async (_request, reply) => {
    const starting = server.options.clock.monotonicNow() - server.startedAt < startupMs;
    return reply
      .code(starting ? 503 : 200)
      .header("content-type", "application/json")
      .send();
  });
  app.get("/ready", async (_request, reply) => reply.code(200).header("content-type", "application/json").send());
  app.get("/version", async (_request, reply) => sendJson(reply, { version: VLLM_VERSION }));
  // Not an async handler: an idle pod answers from the cached bytes in the same tick.
  const contentType = server.metrics.registry.contentType;
  app.get("/metrics", (_request, reply) => {
    reply.code(200).header("content-type", contentType).header("server", "uvicorn");
    const body = server.metrics.body();
    return Buffer.isBuffer(body) ? reply.send(body) : body.then((bytes) => reply.send(bytes));
  });
}

/** pydantic's complaint about a `messages` value that is not a list of messages with a role, if any. */
function messagesIssue(messages: unknown): ValidationIssue | undefined {
  if (!Array.isArray(messages)) {
    return { type: "list_type", loc: ["body", "messages"], msg: "Input should be a valid list", input: messages };
  }
  const index = messages.findIndex(
    (message) => typeof message !== "object" || message === null || typeof (message as ChatMessage).role !== "string",
  );
  if (index < 0) return undefined;
  return { type: "missing", loc: ["body", "messages", index, "role"], msg: "Field required", input: messages[index] };
}
