import { mixSeeds, SeededRandom } from "@testbed/common";
import { PROMPT_WORDS } from "./prompt-words.js";
import type { Workload } from "./types.js";

/** A chat message as the OpenAI API takes it. */
export interface PromptMessage {
  role: "system" | "user";
  content: string;
}

// Stream tags keep the shared prefix's words independent of every request's own words.
const PREFIX_STREAM = 1;
const REQUEST_STREAM = 2;

/**
 * The messages of request `index`: for shared-prefix, a system prompt that is the same for every
 * request of a seed (what the prefix cache can reuse) and a user message of the request's own
 * words; for random, one user message of the request's own words. Each word is one Qwen3 token.
 */
export function buildMessages(workload: Workload, seed: number, index: number): PromptMessage[] {
  const own = new SeededRandom(mixSeeds(seed, REQUEST_STREAM, index));
  if (workload.type === "random") {
    return [{ role: "user", content: words(own, workload.promptTokens) }];
  }
  const shared = new SeededRandom(mixSeeds(seed, PREFIX_STREAM));
  const messages: PromptMessage[] = [];
  if (workload.prefixTokens > 0) messages.push({ role: "system", content: words(shared, workload.prefixTokens) });
  messages.push({ role: "user", content: words(own, workload.suffixTokens) });
  return messages;
}

/** The prompt text of request `index` (the messages' contents joined by a blank line); deterministic. */
export function buildPrompt(workload: Workload, seed: number, index: number): string {
  return buildMessages(workload, seed, index)
    .map((message) => message.content)
    .join("\n\n");
}

/** `count` words, the first capitalised, separated by single spaces: `count` tokens for Qwen3. */
function words(random: SeededRandom, count: number): string {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const word = random.pick(PROMPT_WORDS);
    out.push(i === 0 ? word.charAt(0).toUpperCase() + word.slice(1) : word);
  }
  return out.join(" ");
}
