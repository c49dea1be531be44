// Decides, up front and deterministically, which tokens a request will generate. The engine then
// emits them one decode step at a time. `random` mode draws sentences from a fixed corpus with a
// generator seeded by the simulator's seed, the request's `seed` and its prompt; `echo` mode
// repeats the last user message (or the completion prompt).
import { mixSeeds, SeededRandom } from "@testbed/common";
import { Qwen3Tokenizer } from "./qwen3-tokenizer.js";

/** How the generated text is chosen: drawn from the corpus, or echoing the prompt. */
export type ResponseMode = "random" | "echo";

const CORPUS = [
  "The gateway asked the endpoint picker which pod should serve this request.",
  "Prefill pods read the whole prompt, and decode pods write the answer one token at a time.",
  "A warm prefix cache lets the model skip work it has already done.",
  "Each block of the KV cache holds sixteen tokens of keys and values.",
  "When memory runs short, the newest request is preempted and recomputed later.",
  "Round robin spreads requests evenly, but it does not know where the cache is warm.",
  "The scheduler scores every pod on its queue, its cache usage and its prefix hits.",
  "Tokens stream back to the client as server-sent events.",
  "A Tesla T4 has sixteen gigabytes of memory and no support for bfloat16.",
  "Rate limits protect the model from a single noisy client.",
  "Hello! How can I help you today?",
  "Sure, here is a short answer.",
  "That depends on how the request is routed.",
  "Let me think about that for a moment.",
  "In short, yes.",
  "Every hop on the path writes a line to its log.",
];

export interface PlanInput {
  promptTokenIds: readonly number[];
  /** Text to repeat in echo mode. */
  echoText: string;
  maxTokens: number;
  ignoreEos: boolean;
  requestSeed?: number | undefined;
  /** Which of the request's `n` samples this is (vLLM's child index): samples differ from each other. */
  sampleIndex?: number | undefined;
  /** Structured outputs: the text the constrained model writes (JSON), instead of a drawn answer. */
  forcedText?: string | undefined;
}

export class ResponsePlanner {
  private corpusTokens: { opening: number[][]; following: number[][] } | undefined;

  constructor(
    private readonly tokenizer: Qwen3Tokenizer,
    private readonly mode: ResponseMode,
    private readonly seed: number,
  ) {}

  plan(input: PlanInput): number[] {
    const natural =
      input.forcedText !== undefined
        ? this.tokenizer.encode(input.forcedText)
        : this.mode === "echo"
          ? this.tokenizer.encode(input.echoText)
          : this.randomAnswer(input);
    const tokens = natural.slice(0, input.maxTokens);
    if (tokens.length >= input.maxTokens) return tokens;
    if (!input.ignoreEos) {
      tokens.push(Qwen3Tokenizer.IM_END);
      return tokens;
    }
    // ignore_eos: keep talking until max_tokens, as vLLM does for benchmarks.
    const filler = this.randomSource(input, 1);
    while (tokens.length < input.maxTokens) {
      for (const id of filler.pick(this.corpus().following)) {
        if (tokens.length >= input.maxTokens) break;
        tokens.push(id);
      }
    }
    return tokens;
  }

  private randomAnswer(input: PlanInput): number[] {
    const random = this.randomSource(input, 0);
    const sentences = random.between(1, 4);
    const answer: number[] = [];
    const { opening, following } = this.corpus();
    for (let i = 0; i < sentences; i++) answer.push(...random.pick(i === 0 ? opening : following));
    return answer;
  }

  private randomSource(input: PlanInput, stream: number): SeededRandom {
    let promptHash = 0;
    for (const id of input.promptTokenIds) promptHash = mixSeeds(promptHash, id);
    // Without a request seed, the n samples of one request still differ (seeded ones get seed + index).
    const sample = input.requestSeed === undefined ? (input.sampleIndex ?? 0) : 0;
    const parts = [this.seed, input.requestSeed ?? 0, promptHash, stream];
    return new SeededRandom(mixSeeds(...(sample === 0 ? parts : [...parts, sample])));
  }

  private corpus(): { opening: number[][]; following: number[][] } {
    // A sentence that follows another carries its leading space, and tokenizes differently.
    this.corpusTokens ??= {
      opening: CORPUS.map((sentence) => this.tokenizer.encode(sentence)),
      following: CORPUS.map((sentence) => this.tokenizer.encode(` ${sentence}`)),
    };
    return this.corpusTokens;
  }
}
