// The `logprobs` objects of vLLM 0.11's responses (serving_chat._create_chat_logprobs and
// serving_completion._create_completion_logprobs), built from the sampler's invented values.
import { LogprobSampler, type PositionLogprobs, type TokenCandidate } from "../tokens/logprob-sampler.js";

const utf8 = new TextEncoder();

/** token.encode("utf-8", errors="replace"): an undecodable piece is already U+FFFD, three bytes. */
const bytesOf = (token: string) => [...utf8.encode(token)];

/** Python's len(): code points, not UTF-16 units. */
export const pythonLength = (text: string) => [...text].length;

/** Chat: ChatCompletionLogProbs{content: [{token, logprob, bytes, top_logprobs}]}. */
export function chatLogprobs(positions: readonly PositionLogprobs[], topLogprobs: number) {
  return {
    content: positions.map((position) => ({
      token: position.sampled.token,
      logprob: position.sampled.logprob,
      bytes: bytesOf(position.sampled.token),
      // _get_top_logprobs: the first top_logprobs entries of the dict (the sampled token first).
      top_logprobs: LogprobSampler.entries(position)
        .slice(0, topLogprobs)
        .map((candidate) => ({ token: candidate.token, logprob: candidate.logprob, bytes: bytesOf(candidate.token) })),
    })),
  };
}

/**
 * Completions: CompletionLogProbs{text_offset, token_logprobs, tokens, top_logprobs}; each
 * top_logprobs dict keeps the first logprobs + 1 entries (OpenAI's legacy API), keyed by token text.
 */
export function completionLogprobs(positions: readonly PositionLogprobs[], logprobs: number, initialOffset = 0) {
  const textOffset: number[] = [];
  let offset = initialOffset;
  for (const position of positions) {
    textOffset.push(offset);
    offset += pythonLength(position.sampled.token);
  }
  return {
    text_offset: textOffset,
    token_logprobs: positions.map((position) => position.sampled.logprob),
    tokens: positions.map((position) => position.sampled.token),
    top_logprobs: positions.map((position) => topDict(LogprobSampler.entries(position).slice(0, logprobs + 1))),
  };
}

function topDict(candidates: readonly TokenCandidate[]): Record<string, number> {
  const dict: Record<string, number> = {};
  for (const candidate of candidates) dict[candidate.token] = candidate.logprob;
  return dict;
}
