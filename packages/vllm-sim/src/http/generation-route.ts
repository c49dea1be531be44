import type { FastifyReply, FastifyRequest } from "fastify";
import type { EngineRequest, RequestListener } from "../engine/engine-request.js";
import { type FaultType, injectedError } from "../faults.js";
import type { GenerateInput, ModelServer } from "../model-server.js";
import { messageText, renderChatML } from "../tokens/chat-template.js";
import { ChunkWriter, completedBody, type ResponseShape } from "./completion-bodies.js";
import {
  badRequest,
  errorTypeForStatus,
  maxTokensTooLarge,
  modelNotFound,
  type OpenAiError,
  openAiError,
  promptTooLong,
} from "./openai-errors.js";
import { SERVER_HEADER, sendError } from "./replies.js";
import { isOpenAiError, readJsonBody } from "./request-body.js";
import { type GenerationRequest, parseGenerationRequest } from "./request-validation.js";
import { samplingParamsComplaint } from "./sampling-params.js";
import { outOfVocabularyId } from "./serving-routes.js";

/**
 * POST /v1/chat/completions and /v1/completions: validate as vLLM does, tokenize, hand the request
 * to the engine, and answer either with one JSON body or as server-sent events token by token.
 */
export function generationHandler(server: ModelServer, kind: "chat" | "completion") {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    server.serverLoad += 1;
    reply.raw.once("close", () => {
      server.serverLoad -= 1;
    });
    const prepared = await prepare(server, kind, request);
    if (isOpenAiError(prepared)) {
      server.traces.refused(header(request, "x-request-id"), prepared.status, prepared.body.error.message);
      return sendError(reply, prepared);
    }
    const fault = server.faults.draw();
    if (fault) {
      const handled = applyFault(server, fault, reply);
      if (handled) return handled;
    }
    const shape: ResponseShape = {
      kind,
      id: `${kind === "chat" ? "chatcmpl" : "cmpl"}-${baseRequestId(server, request, prepared.request)}`,
      created: Math.floor(server.options.clock.now() / 1000),
      model: prepared.request.model ?? (server.modelNames[0] as string),
      promptTokens: prepared.input.promptTokenIds.length,
      promptTokensDetails: server.options.enablePromptTokensDetails,
    };
    const cutAfter = fault === "stream_abort" ? server.faults.abortAfterTokens : undefined;
    if (prepared.request.stream) return stream(server, prepared, shape, reply, cutAfter);
    return respondOnce(server, prepared, shape, reply, cutAfter);
  };
}

/**
 * OpenAIServing._base_request_id: the X-Request-Id header, else (chat only) the body's request_id,
 * else a fresh random_uuid().
 */
function baseRequestId(server: ModelServer, request: FastifyRequest, parsed: GenerationRequest): string {
  const header = request.headers["x-request-id"];
  if (typeof header === "string" && header !== "") return header;
  if (parsed.kind === "chat" && parsed.requestId !== undefined) return parsed.requestId;
  return server.randomUuid();
}

export interface Prepared {
  request: GenerationRequest;
  input: GenerateInput;
}

async function prepare(
  server: ModelServer,
  kind: "chat" | "completion",
  request: FastifyRequest,
): Promise<Prepared | OpenAiError> {
  const body = readJsonBody(request);
  if (isOpenAiError(body)) return body;
  return prepareBody(server, kind, body);
}

/** Validate a parsed body as vLLM does, tokenize it, and build the engine's input. */
export async function prepareBody(
  server: ModelServer,
  kind: "chat" | "completion",
  body: Record<string, unknown>,
): Promise<Prepared | OpenAiError> {
  const parsed = parseGenerationRequest(kind, body);
  if (isOpenAiError(parsed)) return parsed;
  if (parsed.model !== undefined && !server.servesModel(parsed.model)) return modelNotFound(parsed.model);

  const refused = servingChecks(server, parsed);
  if (refused) return refused;

  const { promptTokenIds, echoText } = await tokenizePrompt(server, parsed);
  if (parsed.kind === "completion") {
    if (promptTokenIds.length === 0) return badRequest("The decoder prompt cannot be empty");
    const outOfVocabulary = outOfVocabularyId(server, promptTokenIds);
    if (outOfVocabulary !== undefined) return badRequest(`Token id ${outOfVocabulary} is out of vocabulary`);
  }
  const maxModelLen = server.maxModelLen;
  if (promptTokenIds.length >= maxModelLen) return promptTooLong(maxModelLen, promptTokenIds.length);
  if (parsed.maxTokens !== undefined && parsed.maxTokens + promptTokenIds.length > maxModelLen) {
    return maxTokensTooLarge(parsed.maxTokens, maxModelLen, promptTokenIds.length);
  }
  const maxTokens = parsed.maxTokens ?? maxModelLen - promptTokenIds.length;
  const samplingComplaint = samplingParamsComplaint({ ...parsed, maxTokens, stop: parsed.stop });
  if (samplingComplaint) return badRequest(samplingComplaint);
  if (parsed.n !== 1) return badRequest("The simulator generates one choice per request (n must be 1).", "n");
  const role = server.options.role;
  const remoteDecode = parsed.kvTransferParams?.do_remote_decode === true && role !== "decode";
  const remotePrefill = parsed.kvTransferParams?.do_remote_prefill === true && role !== "prefill";
  return {
    request: parsed,
    input: {
      promptTokenIds,
      echoText,
      maxTokens,
      ignoreEos: parsed.ignoreEos,
      minTokens: parsed.minTokens,
      stop: parsed.stop,
      stopTokenIds: parsed.stopTokenIds,
      includeStopStrInOutput: parsed.includeStopStrInOutput,
      seed: parsed.seed,
      remoteDecode,
      remotePrefill,
    },
  };
}

async function tokenizePrompt(
  server: ModelServer,
  request: GenerationRequest,
): Promise<{ promptTokenIds: number[]; echoText: string }> {
  const { tokenizer } = server;
  if (request.kind === "chat") {
    const prompt = renderChatML(request.messages, {
      addGenerationPrompt: request.addGenerationPrompt,
      enableThinking: request.enableThinking,
    });
    const lastUser = [...request.messages].reverse().find((message) => message.role === "user");
    return { promptTokenIds: await tokenizer.encodeAsync(prompt), echoText: messageText(lastUser?.content) };
  }
  if (Array.isArray(request.prompt)) {
    return { promptTokenIds: request.prompt, echoText: tokenizer.decode(request.prompt, true) };
  }
  const text = request.prompt ?? "";
  return { promptTokenIds: await tokenizer.encodeAsync(text), echoText: text };
}

/** What serving_chat refuses before rendering the prompt (vLLM 0.11, OpenAIServingChat.create_chat_completion). */
function servingChecks(server: ModelServer, request: GenerationRequest): OpenAiError | undefined {
  if (request.kind !== "chat") return undefined;
  const { options } = server;
  if (request.toolChoice === "auto" && !(options.enableAutoToolChoice && options.toolCallParser !== undefined)) {
    return badRequest('"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set');
  }
  if (request.requestChatTemplate && !options.trustRequestChatTemplate) {
    return badRequest(
      "Chat template is passed with request, but --trust-request-chat-template is not set. Refused request with untrusted chat template.",
    );
  }
  return undefined;
}

/** An injected fault that answers before the engine sees the request; undefined lets it run. */
function applyFault(server: ModelServer, fault: FaultType, reply: FastifyReply): FastifyReply | undefined {
  if (fault === "connection_reset") {
    reply.hijack();
    reply.raw.socket?.destroy();
    return reply;
  }
  const error = injectedError(fault, server.modelNames[0] as string);
  if (!error) return undefined;
  return sendError(reply, openAiError(error.status, errorTypeForStatus(error.status), error.message, error.param));
}

function kvTransferParamsFor(server: ModelServer, blocks: readonly number[]): Record<string, unknown> {
  return {
    do_remote_decode: false,
    do_remote_prefill: true,
    remote_engine_id: `vllm-sim-${server.options.host}-${server.options.port}`,
    remote_block_ids: blocks,
    remote_host: server.options.host,
    remote_port: server.options.port,
    tp_size: 1,
  };
}

function respondOnce(
  server: ModelServer,
  prepared: Prepared,
  shape: ResponseShape,
  reply: FastifyReply,
  cutAfter: number | undefined,
): Promise<FastifyReply> {
  return new Promise((resolve) => {
    let transferBlocks: number[] = [];
    const listener: RequestListener = {
      onToken(engineRequest) {
        if (engineRequest.spec.remoteDecode) transferBlocks = [...engineRequest.blocks];
        if (cutAfter !== undefined && engineRequest.numOutputTokens >= cutAfter) {
          server.engine.abort(engineRequest);
          reply.hijack();
          reply.raw.socket?.destroy();
          resolve(reply);
        }
      },
      onFinish(engineRequest) {
        if (engineRequest.finishReason === "abort") return;
        const kvParams = engineRequest.spec.remoteDecode ? kvTransferParamsFor(server, transferBlocks) : null;
        resolve(
          reply
            .code(200)
            .header("server", SERVER_HEADER)
            .send(completedBody(shape, engineRequest, kvParams)),
        );
      },
    };
    const engineRequest = server.generate(shape.id, prepared.input, listener);
    abortWhenClientLeaves(server, reply, engineRequest);
  });
}

function stream(
  server: ModelServer,
  prepared: Prepared,
  shape: ResponseShape,
  reply: FastifyReply,
  cutAfter: number | undefined,
): FastifyReply {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", server: SERVER_HEADER });
  const usage = shouldIncludeUsage(prepared.request, server.options.enableForceIncludeUsage);
  const writer = new ChunkWriter(shape, usage.includeUsage, usage.continuousUsage);
  raw.write(writer.opening());
  const listener: RequestListener = {
    onToken(engineRequest, _tokenId, text) {
      if (cutAfter !== undefined && engineRequest.numOutputTokens > cutAfter) {
        server.engine.abort(engineRequest);
        raw.destroy();
        return;
      }
      const frame = writer.token(engineRequest, text);
      if (frame) raw.write(frame);
    },
    onFinish(engineRequest) {
      if (engineRequest.finishReason === "abort") return;
      raw.end(writer.closing(engineRequest));
    },
  };
  const engineRequest = server.generate(shape.id, prepared.input, listener);
  abortWhenClientLeaves(server, reply, engineRequest);
  return reply;
}

/**
 * vLLM's should_include_usage: stream_options.include_usage (true by default inside stream_options),
 * or --enable-force-include-usage; per-chunk usage only together with it.
 */
function shouldIncludeUsage(request: GenerationRequest, force: boolean) {
  const options = request.streamOptions;
  if (!options) return { includeUsage: force, continuousUsage: false };
  const includeUsage = options.includeUsage === true || force;
  return { includeUsage, continuousUsage: includeUsage && options.continuousUsageStats };
}

/** A client that disconnects early aborts its request, freeing the KV blocks (vLLM does the same). */
function abortWhenClientLeaves(server: ModelServer, reply: FastifyReply, engineRequest: EngineRequest): void {
  // The response's own 'close' (not the socket's: keep-alive sockets outlive many requests).
  reply.raw.once("close", () => {
    if (engineRequest.isActive) server.engine.abort(engineRequest);
  });
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === "string" ? value : undefined;
}
