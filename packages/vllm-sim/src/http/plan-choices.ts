// The engine requests behind one response: n samples of each prompt, each a GenerationChoice with its
// logprobs sampler and what it is made to write (tool calls, JSON).
import { hashString, mixSeeds } from "@testbed/common";
import type { GenerateInput, ModelServer } from "../model-server.js";
import { LogprobSampler } from "../tokens/logprob-sampler.js";
import { GenerationChoice } from "./generation-choice.js";
import { forcedText, toolOutputFor } from "./output-plan.js";
import type { Prepared } from "./prepare-generation.js";

/** One engine request of a response: its choice, its engine id and its input. */
export interface PlannedChoice {
  choice: GenerationChoice;
  engineId: string;
  input: GenerateInput;
}

/**
 * The engine requests of a response: for each prompt, n samples (vLLM's ParentRequest children
 * `{index}_{id}`, seeded seed + index), answered as choices prompt_index * n + sample_index.
 * Completions name each prompt's request `{id}-{prompt_index}`.
 */
export function planChoices(server: ModelServer, prepared: Prepared, responseId: string): PlannedChoice[] {
  const { request } = prepared;
  const tools = toolOutputFor(server, request);
  const out: PlannedChoice[] = [];
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
