import { qwen3Tokenizer } from "@testbed/vllm-sim";
import { describe, expect, it } from "vitest";
import { buildMessages, buildPrompt, PROMPT_WORDS, type Workload } from "../src/index.js";

const sharedPrefix: Workload = { type: "shared-prefix", prefixTokens: 200, suffixTokens: 40, outputTokens: 8 };
const random: Workload = { type: "random", promptTokens: 300, outputTokens: 8 };

describe("prompts", () => {
  it("every prompt word is one Qwen3 token, with a leading space and capitalised", () => {
    const tokenizer = qwen3Tokenizer();
    const multi = PROMPT_WORDS.filter(
      (word) =>
        tokenizer.encode(` ${word}`).length !== 1 ||
        tokenizer.encode(word.charAt(0).toUpperCase() + word.slice(1)).length !== 1,
    );
    expect(multi).toEqual([]);
    expect(new Set(PROMPT_WORDS).size).toBe(PROMPT_WORDS.length);
  });

  it("prompts have exactly the requested number of Qwen3 tokens", () => {
    const tokenizer = qwen3Tokenizer();
    const [system, user] = buildMessages(sharedPrefix, 7, 3);
    expect(system?.role).toBe("system");
    expect(tokenizer.encode(system?.content ?? "").length).toBe(200);
    expect(tokenizer.encode(user?.content ?? "").length).toBe(40);
    expect(tokenizer.encode(buildPrompt(random, 7, 3)).length).toBe(300);
  });

  it("are a pure function of (seed, index)", () => {
    expect(buildPrompt(random, 1, 5)).toBe(buildPrompt(random, 1, 5));
    expect(buildPrompt(random, 1, 5)).not.toBe(buildPrompt(random, 1, 6));
    expect(buildPrompt(random, 1, 5)).not.toBe(buildPrompt(random, 2, 5));
  });

  it("shared-prefix: one system prompt for the whole run of a seed, a different suffix per request", () => {
    const requests = [0, 1, 2, 3].map((index) => buildMessages(sharedPrefix, 11, index));
    const systems = new Set(requests.map((messages) => messages[0]?.content));
    const users = new Set(requests.map((messages) => messages[1]?.content));
    expect(systems.size).toBe(1);
    expect(users.size).toBe(4);
    expect(buildMessages(sharedPrefix, 12, 0)[0]?.content).not.toBe([...systems][0]);
  });

  it("no prefix gives one user message", () => {
    const messages = buildMessages({ ...sharedPrefix, prefixTokens: 0 }, 0, 0);
    expect(messages.map((message) => message.role)).toEqual(["user"]);
  });
});
