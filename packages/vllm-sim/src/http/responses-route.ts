// POST /v1/responses (OpenAI's Responses API, which vLLM 0.11 serves for generate models), without
// streaming or tools: `input` (a string or a list of messages) and `instructions` become a chat
// conversation, generated as a chat completion and answered as a Response object.
import type { FastifyReply, FastifyRequest } from "fastify";
import type { EngineRequest } from "../engine/engine-request.js";
import type { ModelServer } from "../model-server.js";
import { badRequest, validationError } from "./openai-errors.js";
import { prepareBody } from "./prepare-generation.js";
import { SERVER_HEADER, sendError } from "./replies.js";
import { isOpenAiError, readJsonBody } from "./request-body.js";

type Body = Record<string, unknown>;

export function responsesHandler(server: ModelServer) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const body = readJsonBody(request);
    if (isOpenAiError(body)) return sendError(reply, body);
    if (body.input === undefined) {
      return sendError(
        reply,
        validationError([{ type: "missing", loc: ["body", "input"], msg: "Field required", input: body }]),
      );
    }
    if (body.stream === true) return sendError(reply, badRequest("The simulator does not stream /v1/responses."));
    const prepared = await prepareBody(server, "chat", asChatBody(body));
    if (isOpenAiError(prepared)) return sendError(reply, prepared);
    const id = `resp_${server.randomUuid()}`;
    const created = Math.floor(server.options.clock.now() / 1000);
    const model = prepared.request.model ?? (server.modelNames[0] as string);
    const finished = await new Promise<EngineRequest>((resolve) => {
      const engineRequest = server.generate(id, prepared.input, {
        onToken() {},
        onFinish: resolve,
      });
      reply.raw.once("close", () => {
        if (engineRequest.isActive) server.engine.abort(engineRequest);
      });
    });
    const promptTokens = prepared.input.promptTokenIds.length;
    return reply
      .code(200)
      .header("server", SERVER_HEADER)
      .send(
        responseBody({ id, created, model, body, finished, promptTokens, messageId: `msg_${server.randomUuid()}` }),
      );
  };
}

/** The Responses API's input as chat messages: instructions first, input_text parts as text. */
function asChatBody(body: Body): Body {
  const messages: Array<{ role: string; content: unknown }> = [];
  if (typeof body.instructions === "string") messages.push({ role: "system", content: body.instructions });
  if (typeof body.input === "string") messages.push({ role: "user", content: body.input });
  else if (Array.isArray(body.input)) {
    for (const item of body.input as Body[]) {
      const content = Array.isArray(item?.content)
        ? (item.content as Body[]).map((part) =>
            part?.type === "input_text" || part?.type === "output_text" ? { type: "text", text: part.text } : part,
          )
        : item?.content;
      messages.push({ role: String(item?.role ?? "user"), content });
    }
  }
  const chat: Body = { messages };
  for (const field of ["model", "temperature", "top_p", "request_id"])
    if (body[field] !== undefined) chat[field] = body[field];
  if (body.max_output_tokens !== undefined) chat.max_tokens = body.max_output_tokens;
  return chat;
}

interface ResponseParts {
  id: string;
  created: number;
  model: string;
  body: Body;
  finished: EngineRequest;
  promptTokens: number;
  messageId: string;
}

function responseBody({ id, created, model, body, finished, promptTokens, messageId }: ResponseParts) {
  const incomplete = finished.finishReason === "length";
  const output = finished.numOutputTokens;
  return {
    id,
    created_at: created,
    incomplete_details: incomplete ? { reason: "max_output_tokens" } : null,
    instructions: body.instructions ?? null,
    metadata: body.metadata ?? null,
    model,
    object: "response",
    output: [
      {
        id: messageId,
        content: [{ annotations: [], text: finished.text, type: "output_text", logprobs: null }],
        role: "assistant",
        status: "completed",
        type: "message",
      },
    ],
    parallel_tool_calls: true,
    temperature: body.temperature ?? 1,
    tool_choice: "auto",
    tools: [],
    top_p: body.top_p ?? 1,
    background: false,
    max_output_tokens: body.max_output_tokens ?? null,
    max_tool_calls: null,
    previous_response_id: null,
    prompt: null,
    reasoning: null,
    service_tier: "auto",
    status: incomplete ? "incomplete" : "completed",
    text: null,
    top_logprobs: null,
    truncation: "disabled",
    usage: {
      input_tokens: promptTokens,
      input_tokens_details: { cached_tokens: finished.numCachedPromptTokens },
      output_tokens: output,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: promptTokens + output,
    },
    user: null,
  };
}
