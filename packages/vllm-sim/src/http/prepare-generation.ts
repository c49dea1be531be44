// What happens to a generation request before the engine sees it, as vLLM's serving layer does it:
// pydantic validation, the serving checks, rendering and tokenizing each prompt, then the per-prompt
// checks (vocabulary, context length, sampling parameters, logprobs) that build the engine's input.
import type { GenerateInput, ModelServer } from "../model-server.js";
import { messageText, renderChatML, toolDump } from "../tokens/chat-template.js";
import { badRequest, maxTokensTooLarge, modelNotFound, type OpenAiError, promptTooLong } from "./openai-errors.js";
import { isOpenAiError } from "./request-body.js";
import { type GenerationRequest, parseGenerationRequest } from "./request-validation.js";
import { samplingParamsComplaint } from "./sampling-params.js";
import { outOfVocabularyId } from "./serving-routes.js";

export interface Prepared {
  request: GenerationRequest;
  /** The engine input of each prompt (one for chat; one per element of a completions batch). */
  prompts: GenerateInput[];
  /** The first prompt's input (the only one for chat). */
  input: GenerateInput;
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
    loraName: parsed.model !== undefined && server.loras.has(parsed.model) ? parsed.model : undefined,
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
