import type { FastifyReply, FastifyRequest } from "fastify";
import type { RequestListener } from "../engine/engine-request.js";
import { type FaultType, injectedError } from "../faults.js";
import type { ModelServer } from "../model-server.js";
import { ChunkWriter, completedBody, type ResponseShape } from "./completion-bodies.js";
import type { GenerationChoice } from "./generation-choice.js";
import { inferencePodHeaders } from "./inference-pod-headers.js";
import { errorTypeForStatus, type OpenAiError, openAiError } from "./openai-errors.js";
import { type PlannedChoice, planChoices } from "./plan-choices.js";
import { type Prepared, prepareBody } from "./prepare-generation.js";
import { SERVER_HEADER, sendError } from "./replies.js";
import { isOpenAiError, readJsonBody } from "./request-body.js";
import type { GenerationRequest } from "./request-validation.js";
import { returnErrorFromHeader } from "./return-error-header.js";

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
      promptTokens: prepared.prompts.reduce((sum, input) => sum + input.promptTokenIds.length, 0),
      promptTokensDetails: server.options.enablePromptTokensDetails,
      toolCallIds: () => `chatcmpl-tool-${server.randomUuid()}`,
    };
    const cutAfter = fault === "stream_abort" ? server.faults.abortAfterTokens : undefined;
    const choices = planChoices(server, prepared, shape.id);
    if (prepared.request.stream) return stream(server, prepared, choices, shape, reply, cutAfter);
    return respondOnce(server, choices, shape, reply, cutAfter);
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
async function prepare(
  server: ModelServer,
  kind: "chat" | "completion",
  request: FastifyRequest,
): Promise<Prepared | OpenAiError> {
  const body = readJsonBody(request);
  if (isOpenAiError(body)) return body;
  const returnError = returnErrorFromHeader(request);
  if (returnError) return returnError;
  return prepareBody(server, kind, body);
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
  planned: readonly PlannedChoice[],
  shape: ResponseShape,
  reply: FastifyReply,
  cutAfter: number | undefined,
): Promise<FastifyReply> {
  return new Promise((resolve) => {
    let transferBlocks: number[] = [];
    let unfinished = planned.length;
    const choices = planned.map((entry) => entry.choice);
    for (const { choice, engineId, input } of planned) {
      const listener: RequestListener = {
        onToken(engineRequest, tokenId) {
          choice.observe(tokenId, engineRequest.numOutputTokens - 1);
          if (engineRequest.spec.remoteDecode) transferBlocks = [...engineRequest.blocks];
          if (cutAfter !== undefined && engineRequest.numOutputTokens >= cutAfter) {
            abortAll(server, choices);
            reply.hijack();
            reply.raw.socket?.destroy();
            resolve(reply);
          }
        },
        onFinish(engineRequest) {
          if (engineRequest.finishReason === "abort") return;
          if (--unfinished > 0) return;
          const kvParams = engineRequest.spec.remoteDecode ? kvTransferParamsFor(server, transferBlocks) : null;
          resolve(
            reply
              .code(200)
              .header("server", SERVER_HEADER)
              .headers(inferencePodHeaders(server.options, reply.request.socket.localPort))
              .send(completedBody(shape, choices, kvParams)),
          );
        },
      };
      choice.request = server.generate(engineId, input, listener);
    }
    abortWhenClientLeaves(server, reply, choices);
  });
}

function stream(
  server: ModelServer,
  prepared: Prepared,
  planned: readonly PlannedChoice[],
  shape: ResponseShape,
  reply: FastifyReply,
  cutAfter: number | undefined,
): FastifyReply {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    ...inferencePodHeaders(server.options, reply.request.socket.localPort),
    "content-type": "text/event-stream; charset=utf-8",
    server: SERVER_HEADER,
  });
  const usage = shouldIncludeUsage(prepared.request, server.options.enableForceIncludeUsage);
  const writer = new ChunkWriter(shape, usage.includeUsage, usage.continuousUsage);
  const choices = planned.map((entry) => entry.choice);
  let unfinished = planned.length;
  raw.write(writer.opening(choices));
  for (const { choice, engineId, input } of planned) {
    const listener: RequestListener = {
      onToken(engineRequest, tokenId, text) {
        if (cutAfter !== undefined && engineRequest.numOutputTokens > cutAfter) {
          abortAll(server, choices);
          raw.destroy();
          return;
        }
        choice.observe(tokenId, engineRequest.numOutputTokens - 1);
        const frame = writer.token(choice, text);
        if (frame) raw.write(frame);
      },
      onFinish(engineRequest) {
        if (engineRequest.finishReason === "abort") return;
        if (--unfinished === 0) raw.end(writer.closing(choices));
      },
    };
    choice.request = server.generate(engineId, input, listener);
  }
  abortWhenClientLeaves(server, reply, choices);
  return reply;
}

function abortAll(server: ModelServer, choices: readonly GenerationChoice[]): void {
  for (const choice of choices) if (choice.request?.isActive) server.engine.abort(choice.request);
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

/** A client that disconnects early aborts its requests, freeing the KV blocks (vLLM does the same). */
function abortWhenClientLeaves(server: ModelServer, reply: FastifyReply, choices: readonly GenerationChoice[]): void {
  // The response's own 'close' (not the socket's: keep-alive sockets outlive many requests).
  reply.raw.once("close", () => abortAll(server, choices));
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === "string" ? value : undefined;
}
