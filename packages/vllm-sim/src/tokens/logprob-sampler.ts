// Log-probabilities for generated tokens. The simulator has no logits, so it invents plausible ones,
// deterministically: the sampled token carries most of the probability mass and the runners-up share
// what is left, in falling order. The candidates are real Qwen3 tokens, decoded as vLLM decodes them.
import { mixSeeds, SeededRandom } from "@testbed/common";
import { Qwen3Tokenizer } from "./qwen3-tokenizer.js";

/** One candidate token at a position: its id, its text (vLLM's decoded_token) and its logprob. */
export interface TokenCandidate {
  tokenId: number;
  token: string;
  logprob: number;
}

/**
 * vLLM v1's logprobs for one position, in the order of its dict: the sampled token first, then the
 * top-ranked tokens (a top token equal to the sampled one is not repeated).
 */
export interface PositionLogprobs {
  sampled: TokenCandidate;
  ranked: TokenCandidate[];
}

/** Ordinary (non-special) token ids: candidates are drawn below this. */
const ORDINARY_TOKENS = Qwen3Tokenizer.END_OF_TEXT;

/** The most runners-up drawn for one position. */
const MAX_CANDIDATES = 1024;

export class LogprobSampler {
  constructor(
    private readonly tokenizer: Qwen3Tokenizer,
    private readonly seed: number,
  ) {}

  /** The logprobs at output position `position`, where `tokenId` was sampled, with `topK` ranked tokens. */
  at(position: number, tokenId: number, topK: number): PositionLogprobs {
    const random = new SeededRandom(mixSeeds(this.seed, position, tokenId));
    // The sampled token: probability 0.35–0.99, mostly near the top.
    const sampledProbability = 0.35 + 0.64 * (1 - random.next() ** 2);
    const sampled = this.candidate(tokenId, Math.log(sampledProbability));
    if (topK === 0) return { sampled, ranked: [] };
    // Runners-up: a geometric share of the remaining mass (ratio ≤ 0.5, so they never sum past it).
    let share = (1 - sampledProbability) * (0.3 + 0.2 * random.next());
    const used = new Set([tokenId]);
    const others: TokenCandidate[] = [];
    // A whole-vocabulary request (-1 under --max-logprobs -1) is cut to MAX_CANDIDATES runners-up.
    for (let i = 0; i < Math.min(topK, MAX_CANDIDATES); i++) {
      others.push(this.candidate(this.freshId(random, used), Math.log(share)));
      share *= 0.25 + 0.25 * random.next();
    }
    // The sampled token ranks among the others by its probability; the top-k keeps k of them all.
    const ranked = [sampled, ...others].sort((a, b) => b.logprob - a.logprob).slice(0, topK);
    return { sampled, ranked };
  }

  /** The entries of vLLM's logprobs dict for the position, in its order: sampled, then the top-k. */
  static entries(position: PositionLogprobs): TokenCandidate[] {
    return [position.sampled, ...position.ranked.filter((c) => c.tokenId !== position.sampled.tokenId)];
  }

  private freshId(random: SeededRandom, used: Set<number>): number {
    for (;;) {
      const id = random.int(ORDINARY_TOKENS);
      if (!used.has(id)) {
        used.add(id);
        return id;
      }
    }
  }

  private candidate(tokenId: number, logprob: number): TokenCandidate {
    // convert_ids_list_to_tokens: tokenizer.decode([id]) with special tokens kept.
    return { tokenId, token: this.tokenizer.decode([tokenId]), logprob: Math.max(logprob, -9999) };
  }
}
