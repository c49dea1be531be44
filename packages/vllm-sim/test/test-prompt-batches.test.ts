// Completions prompt arrays (vLLM's parse_raw_prompts): a list of strings or of token lists is a batch
// of prompts, each run as its own engine request and answered as choices in prompt order; a flat
// token list is one prompt. Usage sums every prompt and every choice.
import { silentSink } from "@testbed/common";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startVllmSim, type VllmSimHandle } from "../src/vllm-sim.js";
import { postJson, sseFrames, testApp } from "./server-harness.js";

let pod: VllmSimHandle;
let client: OpenAI;
const model = "Qwen/Qwen3-0.6B";

beforeAll(async () => {
  pod = await startVllmSim({ port: 0, timeScale: 0, log: silentSink, mode: "echo" });
  client = new OpenAI({ baseURL: `${pod.url}/v1`, apiKey: "unused", maxRetries: 0 });
});
afterAll(() => pod.close());

describe("completions prompt batches through the official openai client", () => {
  it("a list of strings gives one choice per prompt, in order, and sums usage", async () => {
    const prompts = ["one two", "three four five", "six"];
    const answer = await client.completions.create({ model, prompt: prompts, max_tokens: 16 });
    expect(answer.choices.map((choice) => choice.index)).toEqual([0, 1, 2]);
    // Echo mode repeats each prompt: every choice answers its own prompt.
    expect(answer.choices.map((choice) => choice.text)).toEqual(prompts);
    const alone = await Promise.all(
      prompts.map((prompt) => client.completions.create({ model, prompt, max_tokens: 16 })),
    );
    const sum = (pick: (usage: OpenAI.CompletionUsage) => number) =>
      alone.reduce((total, one) => total + pick(one.usage as OpenAI.CompletionUsage), 0);
    expect(answer.usage?.prompt_tokens).toBe(sum((usage) => usage.prompt_tokens));
    expect(answer.usage?.completion_tokens).toBe(sum((usage) => usage.completion_tokens));
  });

  it("a list of token lists is a batch too; a flat token list is one prompt", async () => {
    const batch = await client.completions.create({ model, prompt: [[825, 1378], [2326]], max_tokens: 4 });
    expect(batch.choices).toHaveLength(2);
    expect(batch.usage?.prompt_tokens).toBe(3);
    const single = await client.completions.create({ model, prompt: [825, 1378, 2326], max_tokens: 4 });
    expect(single.choices).toHaveLength(1);
    expect(single.usage?.prompt_tokens).toBe(3);
  });

  it("n samples of each prompt are indexed prompt_index * n + sample", async () => {
    const answer = await client.completions.create({ model, prompt: ["a b", "c d"], n: 2, max_tokens: 4 });
    expect(answer.choices.map((choice) => [choice.index, choice.text])).toEqual([
      [0, "a b"],
      [1, "a b"],
      [2, "c d"],
      [3, "c d"],
    ]);
  });
});

describe("prompt batches, streamed and refused", () => {
  const { app } = testApp({ mode: "echo" });
  afterAll(() => app.close());

  it("streamed chunks name their prompt's index", async () => {
    const response = await postJson(app, "/v1/completions", {
      prompt: ["alpha", "beta gamma"],
      max_tokens: 8,
      stream: true,
    });
    const text = ["", ""];
    for (const frame of sseFrames(response.body)) {
      if (frame === "[DONE]") continue;
      for (const choice of frame.choices as Array<{ index: number; text: string }>) text[choice.index] += choice.text;
    }
    expect(text).toEqual(["alpha", "beta gamma"]);
  });

  it.each([
    [[], "please provide at least one prompt"],
    [[[]], "please provide at least one prompt"],
    [["fine", ""], "The decoder prompt cannot be empty"],
    [[[1], [999999999]], "Token id 999999999 is out of vocabulary"],
  ])("prompt %j is refused: %s", async (prompt, message) => {
    const response = await postJson(app, "/v1/completions", { prompt });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ message, type: "BadRequestError", code: 400 });
  });
});
