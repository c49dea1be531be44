import { hashString, mixSeeds } from "@testbed/common";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { RequestListener } from "../engine/engine-request.js";
import { type FaultType, injectedError } from "../faults.js";
import type { GenerateInput, ModelServer } from "../model-server.js";
import { messageText, renderChatML, toolDump } from "../tokens/chat-template.js";
import { LogprobSampler } from "../tokens/logprob-sampler.js";
import { ChunkWriter, completedBody, type ResponseShape } from "./completion-bodies.js";
import { GenerationChoice } from "./generation-choice.js";
import {
  badRequest,
  errorTypeForStatus,
  maxTokensTooLarge,
  modelNotFound,
  type OpenAiError,
  openAiError,
  promptTooLong,
} from "./openai-errors.js";
import { forcedText, toolOutputFor } from "./output-plan.js";
import { SERVER_HEADER, sendError } from "./replies.js";
import { isOpenAiError, readJsonBody } from "./request-body.js";
import { type GenerationRequest, parseGenerationRequest } from "./request-validation.js";
import { returnErrorFromHeader } from "./return-error-header.js";
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
    if (isOpenAiError(prepared)) return sendError(reply, prepared);
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

export interface Prepared {
  request: GenerationRequest;
  /** The engine input of each prompt (one for chat; one per element of a completions batch). */
  prompts: GenerateInput[];
  /** The first prompt's input (the only one for chat). */
  input: GenerateInput;
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

/** Validate a parsed body as vLLM does, tokenize it, and build the engine's input for each prompt. */
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
  // parse_raw_prompts: an empty list, or an empty first token list, is no prompt at all.
  const first = parsed.prompts[0];
  if (kind === "completion" && (first === undefined || (Array.isArray(first) && first.length === 0))) {
    return badRequest("please provide at least one prompt");
  }

  const prompts: GenerateInput[] = [];
  for (const prompt of await tokenizePrompts(server, parsed)) {
    const input = promptInput(server, parsed, prompt);
    if (isOpenAiError(input)) return input;
    prompts.push(input);
  }
  return { request: parsed, prompts, input: prompts[0] as GenerateInput };
}

/** One prompt's checks (vocabulary, context length, sampling parameters) and its engine input. */
function promptInput(
  server: ModelServer,
  parsed: GenerationRequest,
  { promptTokenIds, echoText }: { promptTokenIds: number[]; echoText: string },
): GenerateInput | OpenAiError {
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
  const logprobsComplaint = logprobsLimit(server, parsed.logprobs);
  if (logprobsComplaint) return badRequest(logprobsComplaint);
  const role = server.options.role;
  return {
    promptTokenIds,
    echoText,
    maxTokens,
    ignoreEos: parsed.ignoreEos,
    minTokens: parsed.minTokens,
    stop: parsed.stop,
    stopTokenIds: parsed.stopTokenIds,
    includeStopStrInOutput: parsed.includeStopStrInOutput,
    seed: parsed.seed,
    remoteDecode: parsed.kvTransferParams?.do_remote_decode === true && role !== "decode",
    remotePrefill: parsed.kvTransferParams?.do_remote_prefill === true && role !== "prefill",
  };
}

/** The v1 processor's _validate_logprobs (--max-logprobs; -1 means the whole vocabulary). */
function logprobsLimit(server: ModelServer, logprobs: number | undefined): string | undefined {
  if (!logprobs) return undefined;
  const vocab = server.architecture.vocabSize;
  const max = server.options.maxLogprobs === -1 ? vocab : server.options.maxLogprobs;
  const wanted = logprobs === -1 ? vocab : logprobs;
  if (wanted > max) return `Requested sample logprobs of ${wanted}, which is greater than max allowed: ${max}`;
  return undefined;
}

async function tokenizePrompts(
  server: ModelServer,
  request: GenerationRequest,
): Promise<Array<{ promptTokenIds: number[]; echoText: string }>> {
  const { tokenizer } = server;
  if (request.kind === "chat") {
    const prompt = renderChatML(request.messages, {
      addGenerationPrompt: request.addGenerationPrompt,
      enableThinking: request.enableThinking,
      // vLLM hands the template tool.model_dump() of each tool (none with tool_choice "none" only
      // under --exclude-tools-when-tool-choice-none, which the simulator does not have).
      tools: request.tools?.map(toolDump),
    });
    const lastUser = [...request.messages].reverse().find((message) => message.role === "user");
    return [{ promptTokenIds: await tokenizer.encodeAsync(prompt), echoText: messageText(lastUser?.content) }];
  }
  const out: Array<{ promptTokenIds: number[]; echoText: string }> = [];
  for (const prompt of request.prompts) {
    if (Array.isArray(prompt)) out.push({ promptTokenIds: prompt, echoText: tokenizer.decode(prompt, true) });
    else out.push({ promptTokenIds: await tokenizer.encodeAsync(prompt), echoText: prompt });
  }
  return out;
}

/**
 * The engine requests of a response: for each prompt, n samples (vLLM's ParentRequest children
 * `{index}_{id}`, seeded seed + index), answered as choices prompt_index * n + sample_index.
 * Completions name each prompt's request `{id}-{prompt_index}`.
 */
function planChoices(
  server: ModelServer,
  prepared: Prepared,
  responseId: string,
): Array<{
  choice: GenerationChoice;
  engineId: string;
  input: GenerateInput;
}> {
  const { request } = prepared;
  const tools = toolOutputFor(server, request);
  const out = [];
  for (const [promptIndex, prompt] of prepared.prompts.entries()) {
    const parentId = request.kind === "completion" ? `${responseId}-${promptIndex}` : responseId;
    for (let sample = 0; sample < request.n; sample++) {
      const index = promptIndex * request.n + sample;
      const engineId = request.n > 1 ? `${sample}_${parentId}` : parentId;
      const seed = request.seed === undefined ? undefined : request.seed + sample;
      const logprobs =
        request.logprobs === undefined
          ? undefined
          : {
              sampler: new LogprobSampler(server.tokenizer, mixSeeds(server.options.seed, hashString(engineId))),
              top: request.logprobs === -1 ? server.architecture.vocabSize : request.logprobs,
            };
      const choice = new GenerationChoice(index, prompt.promptTokenIds.length, tools, logprobs);
      const input = { ...prompt, seed, sampleIndex: sample, forcedText: forcedText(server, request, tools, sample) };
      out.push({ choice, engineId, input });
    }
  }
  return out;
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

type PlannedChoice = ReturnType<typeof planChoices>[number];

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
  raw.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", server: SERVER_HEADER });
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
