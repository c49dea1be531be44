// logprobs as vLLM 0.11.2 answers them: chat's {content: [{token, logprob, bytes, top_logprobs}]}
// (serving_chat._create_chat_logprobs) and completions' {text_offset, token_logprobs, tokens,
// top_logprobs} (serving_completion._create_completion_logprobs), with the v1 processor's limit.
import { silentSink } from "@testbed/common";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startVllmSim, type VllmSimHandle } from "../src/vllm-sim.js";
import { hi, postJson, sseFrames, testApp } from "./server-harness.js";

let pod: VllmSimHandle;
let client: OpenAI;
const model = "Qwen/Qwen3-0.6B";
const utf8 = new TextEncoder();

beforeAll(async () => {
  pod = await startVllmSim({ port: 0, timeScale: 0, log: silentSink });
  client = new OpenAI({ baseURL: `${pod.url}/v1`, apiKey: "unused", maxRetries: 0 });
});
afterAll(() => pod.close());

describe("chat logprobs through the official openai client", () => {
  it("one entry per generated token, the sampled token first among top_logprobs", async () => {
    const answer = await client.chat.completions.create({
      model,
      messages: hi.messages as [],
      max_tokens: 6,
      logprobs: true,
      top_logprobs: 3,
    });
    const choice = answer.choices[0];
    const content = choice?.logprobs?.content ?? [];
    expect(content).toHaveLength(answer.usage?.completion_tokens ?? -1);
    const visible = content.filter((entry) => entry.token !== "<|im_end|>");
    expect(visible.map((entry) => entry.token).join("")).toBe(choice?.message.content);
    for (const entry of content) {
      expect(entry.bytes).toEqual([...utf8.encode(entry.token)]);
      expect(entry.logprob).toBeLessThanOrEqual(0);
      expect(entry.top_logprobs).toHaveLength(3);
      expect(entry.top_logprobs[0]).toEqual({ token: entry.token, logprob: entry.logprob, bytes: entry.bytes });
      const probability = entry.top_logprobs.reduce((sum, top) => sum + Math.exp(top.logprob), 0);
      expect(probability).toBeLessThanOrEqual(1.000001);
    }
  });

  it("logprobs without top_logprobs gives each token with an empty top_logprobs list", async () => {
    const answer = await client.chat.completions.create({
      model,
      messages: hi.messages as [],
      max_tokens: 3,
      logprobs: true,
    });
    expect(answer.choices[0]?.logprobs?.content?.every((entry) => entry.top_logprobs.length === 0)).toBe(true);
  });

  it("streamed chunks carry the logprobs of their own tokens", async () => {
    const stream = await client.chat.completions.create({
      model,
      messages: hi.messages as [],
      max_tokens: 5,
      logprobs: true,
      top_logprobs: 1,
      stream: true,
    });
    let text = "";
    let tokens = "";
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      text += choice?.delta.content ?? "";
      for (const entry of choice?.logprobs?.content ?? []) if (entry.token !== "<|im_end|>") tokens += entry.token;
    }
    expect(tokens).toBe(text);
    expect(text.length).toBeGreaterThan(0);
  });
});

describe("completions logprobs", () => {
  it("text offsets, token logprobs, tokens and a top_logprobs dict per token", async () => {
    const answer = await client.completions.create({ model, prompt: "Hello", max_tokens: 6, logprobs: 2 });
    const { logprobs, text } = answer.choices[0] as OpenAI.CompletionChoice;
    const tokens = logprobs?.tokens ?? [];
    expect(tokens.length).toBe(answer.usage?.completion_tokens);
    expect(tokens.filter((token) => token !== "<|im_end|>").join("")).toBe(text);
    let offset = 0;
    tokens.forEach((token, index) => {
      expect(logprobs?.text_offset?.[index]).toBe(offset);
      offset += [...token].length;
      const dict = logprobs?.top_logprobs?.[index] ?? {};
      expect(dict[token]).toBe(logprobs?.token_logprobs?.[index]);
      expect(Object.keys(dict).length).toBeGreaterThanOrEqual(2);
      expect(Object.keys(dict).length).toBeLessThanOrEqual(3);
    });
  });
});

describe("logprobs validation", () => {
  const { app } = testApp();
  afterAll(() => app.close());

  it.each([
    [
      "/v1/chat/completions",
      { ...hi, logprobs: true, top_logprobs: 21 },
      "Requested sample logprobs of 21, which is greater than max allowed: 20",
    ],
    [
      "/v1/completions",
      { prompt: "Hi", logprobs: 21 },
      "Requested sample logprobs of 21, which is greater than max allowed: 20",
    ],
    [
      "/v1/chat/completions",
      { ...hi, logprobs: true, top_logprobs: -1 },
      "Requested sample logprobs of 151936, which is greater than max allowed: 20",
    ],
  ])("%s %j is a 400 from the engine's processor", async (url, body, message) => {
    const response = await postJson(app, url, body);
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ message, type: "BadRequestError" });
  });

  it("top_logprobs without logprobs is the request model's value error", async () => {
    const response = await postJson(app, "/v1/chat/completions", { ...hi, top_logprobs: 2 });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toContain("when using `top_logprobs`, `logprobs` must be set to true.");
  });

  it("--max-logprobs raises the limit", async () => {
    const { app: generous } = testApp({ maxLogprobs: 30 });
    const response = await postJson(generous, "/v1/completions", {
      prompt: "Hi",
      logprobs: 25,
      max_tokens: 2,
      stream: true,
    });
    await generous.close();
    expect(response.statusCode).toBe(200);
    const first = sseFrames(response.body)[0] as { choices: Array<{ logprobs: { top_logprobs: object[] } }> };
    expect(Object.keys(first.choices[0]?.logprobs.top_logprobs[0] ?? {}).length).toBeGreaterThanOrEqual(25);
  });
});
