// SamplingParams._verify_args and _verify_greedy_sampling of vLLM 0.11 (vllm/sampling_params.py):
// the same checks in the same order with the same texts. Each raises ValueError, which
// serving_chat / serving_completion turn into create_error_response(str(e)): 400 BadRequestError.
import { pythonFloat } from "./python-repr.js";

export interface SamplingInput {
  n: number;
  presencePenalty: number;
  frequencyPenalty: number;
  repetitionPenalty: number;
  temperature: number;
  topP: number;
  topK: number;
  minP: number;
  maxTokens: number;
  minTokens: number;
  logprobs: number | undefined;
  stop: readonly string[];
}

/** vLLM's _SAMPLING_EPS: a temperature below it means greedy sampling. */
const SAMPLING_EPS = 1e-5;

/** str() of a Python float, as the f-strings print the float fields. */
const f = (value: number) => pythonFloat(value);

/** The ValueError message vLLM would raise for these parameters, or undefined. */
export function samplingParamsComplaint(p: SamplingInput): string | undefined {
  if (p.n < 1) return `n must be at least 1, got ${p.n}.`;
  if (!(p.presencePenalty >= -2 && p.presencePenalty <= 2))
    return `presence_penalty must be in [-2, 2], got ${f(p.presencePenalty)}.`;
  if (!(p.frequencyPenalty >= -2 && p.frequencyPenalty <= 2))
    return `frequency_penalty must be in [-2, 2], got ${f(p.frequencyPenalty)}.`;
  if (p.repetitionPenalty <= 0) return `repetition_penalty must be greater than zero, got ${f(p.repetitionPenalty)}.`;
  if (p.temperature < 0) return `temperature must be non-negative, got ${f(p.temperature)}.`;
  if (!(p.topP > 0 && p.topP <= 1)) return `top_p must be in (0, 1], got ${f(p.topP)}.`;
  if (p.topK < -1) return `top_k must be 0 (disable), or at least 1, got ${p.topK}.`;
  if (!(p.minP >= 0 && p.minP <= 1)) return `min_p must be in [0, 1], got ${f(p.minP)}.`;
  if (p.maxTokens < 1) return `max_tokens must be at least 1, got ${p.maxTokens}.`;
  if (p.minTokens < 0) return `min_tokens must be greater than or equal to 0, got ${p.minTokens}.`;
  if (p.minTokens > p.maxTokens)
    return `min_tokens must be less than or equal to max_tokens=${p.maxTokens}, got ${p.minTokens}.`;
  if (p.logprobs !== undefined && p.logprobs !== -1 && p.logprobs < 0)
    return `logprobs must be non-negative or -1, got ${p.logprobs}.`;
  if (p.stop.some((stop) => stop === "")) return "stop cannot contain an empty string.";
  if (p.temperature < SAMPLING_EPS && p.n > 1) return `n must be 1 when using greedy sampling, got ${p.n}.`;
  return undefined;
}
