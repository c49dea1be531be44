// n > 1 as vLLM 0.11.2 serves it (v1 ParentRequest): n engine requests, answered as choices 0..n-1,
// streamed per index, with usage counting the prompt once and every choice's tokens.
import { silentSink } from "@testbed/common";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startVllmSim, type VllmSimHandle } from "../src/vllm-sim.js";
import { hi, postJson, sseFrames, testApp } from "./server-harness.js";

let pod: VllmSimHandle;
let client: OpenAI;
const model = "Qwen/Qwen3-0.6B";

beforeAll(async () => {
  pod = await startVllmSim({ port: 0, timeScale: 0, log: silentSink });
  client = new OpenAI({ baseURL: `${pod.url}/v1`, apiKey: "unused", maxRetries: 0 });
});
afterAll(() => pod.close());

describe("n > 1 through the official openai client", () => {
  it("a chat completion answers n choices indexed 0..n-1, and usage counts every choice", async () => {
    const answer = await client.chat.completions.create({ model, messages: hi.messages as [], n: 3, max_tokens: 8 });
    expect(answer.choices.map((choice) => choice.index)).toEqual([0, 1, 2]);
    const texts = answer.choices.map((choice) => choice.message.content ?? "");
    expect(new Set(texts).size).toBeGreaterThan(1);
    const single = await client.chat.completions.create({ model, messages: hi.messages as [], max_tokens: 8 });
    expect(answer.usage?.prompt_tokens).toBe(single.usage?.prompt_tokens);
    // Each sample ends at max_tokens or with EOS (counted, not shown): between 1 and 8 tokens each.
    expect(answer.usage?.completion_tokens).toBeGreaterThanOrEqual(3);
    expect(answer.usage?.completion_tokens).toBeLessThanOrEqual(24);
    const ignoringEos = await client.chat.completions.create({
      model,
      messages: hi.messages as [],
      n: 3,
      max_tokens: 8,
      ignore_eos: true,
    } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    expect(ignoringEos.usage?.completion_tokens).toBe(24);
    expect(answer.usage?.total_tokens).toBe(
      (answer.usage?.prompt_tokens ?? 0) + (answer.usage?.completion_tokens ?? 0),
    );
  });

  it("a stream opens each index with the assistant role, streams tokens per index and finishes each", async () => {
    const stream = await client.chat.completions.create({
      model,
      messages: hi.messages as [],
      n: 2,
      max_tokens: 6,
      stream: true,
      stream_options: { include_usage: true },
    });
    const text = ["", ""];
    const roles: number[] = [];
    const finishes: number[] = [];
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      for (const choice of chunk.choices) {
        if (choice.delta.role === "assistant") roles.push(choice.index);
        text[choice.index] += choice.delta.content ?? "";
        if (choice.finish_reason) finishes.push(choice.index);
      }
    }
    expect(roles).toEqual([0, 1]);
    expect(finishes.sort()).toEqual([0, 1]);
    expect(text.every((part) => part.length > 0)).toBe(true);
    expect(usage?.completion_tokens).toBe(12);
  });

  it("completions answer n choices too, and a seed gives each sample seed + index", async () => {
    const seeded = await client.completions.create({ model, prompt: "Hello", n: 2, max_tokens: 8, seed: 7 });
    expect(seeded.choices.map((choice) => choice.index)).toEqual([0, 1]);
    expect(seeded.usage?.completion_tokens).toBe(16);
    const second = await client.completions.create({ model, prompt: "Hello", max_tokens: 8, seed: 8 });
    expect(second.choices[0]?.text).toBe(seeded.choices[1]?.text);
  });
});

describe("n validation (SamplingParams._verify_args)", () => {
  const { app } = testApp();
  afterAll(() => app.close());

  it.each([
    [{ n: 0 }, "n must be at least 1, got 0."],
    [{ n: 2, temperature: 0 }, "n must be 1 when using greedy sampling, got 2."],
  ])("%j is refused", async (extra, message) => {
    const response = await postJson(app, "/v1/chat/completions", { ...hi, ...extra });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toBe(message);
  });

  it("continuous usage stats count each choice's own tokens", async () => {
    const response = await postJson(app, "/v1/completions", {
      prompt: "Hi",
      n: 2,
      max_tokens: 3,
      stream: true,
      stream_options: { include_usage: true, continuous_usage_stats: true },
    });
    const frames = sseFrames(response.body).filter((frame) => frame !== "[DONE]") as Array<{
      choices: Array<{ index: number }>;
      usage?: { completion_tokens: number };
    }>;
    const last = frames[frames.length - 1];
    expect(last?.choices).toEqual([]);
    expect(last?.usage?.completion_tokens).toBe(6);
    const perChoice = frames
      .filter((frame) => frame.choices.length === 1)
      .map((frame) => frame.usage?.completion_tokens);
    expect(Math.max(...(perChoice as number[]))).toBe(3);
  });
});
