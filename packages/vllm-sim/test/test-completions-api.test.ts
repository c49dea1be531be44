import { afterAll, describe, expect, it } from "vitest";
import { hi, postJson, sseFrames, testApp } from "./server-harness.js";

const { app, server } = testApp({ enablePrefixCaching: true, enablePromptTokensDetails: true, seed: 7 });
afterAll(() => app.close());

describe("OpenAI API shapes", () => {
  it("lists the served model with vLLM's fields", async () => {
    const body = (await app.inject({ method: "GET", url: "/v1/models" })).json();
    expect(body.object).toBe("list");
    expect(body.data[0]).toMatchObject({
      id: "Qwen/Qwen3-0.6B",
      object: "model",
      owned_by: "vllm",
      root: "Qwen/Qwen3-0.6B",
      parent: null,
      max_model_len: 40960,
    });
    expect(body.data[0].permission[0]).toMatchObject({ object: "model_permission", allow_sampling: true, group: null });
  });

  it("answers a chat completion with usage counted from real tokens", async () => {
    const response = await postJson(app, "/v1/chat/completions", { ...hi, max_tokens: 5 });
    expect(response.statusCode).toBe(200);
    expect(response.headers.server).toBe("uvicorn");
    const body = response.json();
    expect(body.id).toMatch(/^chatcmpl-[0-9a-f]{32}$/);
    expect(body.object).toBe("chat.completion");
    expect(body.choices[0]).toMatchObject({ index: 0, logprobs: null, finish_reason: "length", stop_reason: null });
    expect(body.choices[0].message).toMatchObject({ role: "assistant", tool_calls: [] });
    expect(body.usage).toEqual({
      prompt_tokens: 9,
      completion_tokens: 5,
      total_tokens: 14,
      prompt_tokens_details: { cached_tokens: 0 },
    });
    expect(server.tokenizer.encode(body.choices[0].message.content)).toHaveLength(5);
  });

  it("generates the same text for the same request and seed, and different text for another seed", async () => {
    const ask = (seed: number) =>
      postJson(app, "/v1/chat/completions", { ...hi, max_tokens: 30, seed }).then(
        (r) => r.json().choices[0].message.content,
      );
    expect(await ask(1)).toBe(await ask(1));
    const texts = new Set(await Promise.all([1, 2, 3, 4, 5].map(ask)));
    expect(texts.size).toBeGreaterThan(1);
  });

  it("echoes the user's message in echo mode and stops on a stop string", async () => {
    const echo = testApp({ mode: "echo" });
    const response = await postJson(echo.app, "/v1/chat/completions", {
      messages: [{ role: "user", content: "one two three four" }],
      stop: [" three"],
    });
    const choice = response.json().choices[0];
    expect(choice.message.content).toBe("one two");
    expect(choice.finish_reason).toBe("stop");
    expect(choice.stop_reason).toBe(" three");
    await echo.app.close();
  });

  it("answers text completions for a string prompt and for token ids", async () => {
    const text = await postJson(app, "/v1/completions", {
      model: "Qwen/Qwen3-0.6B",
      prompt: "Hello world",
      max_tokens: 4,
    });
    expect(text.json()).toMatchObject({ object: "text_completion", usage: { prompt_tokens: 2, completion_tokens: 4 } });
    expect(text.json().id).toMatch(/^cmpl-/);
    const ids = await postJson(app, "/v1/completions", { prompt: [9707, 1879], max_tokens: 2 });
    expect(ids.json().usage.prompt_tokens).toBe(2);
  });

  it("reports cached prompt tokens on a repeated long prompt (prefix caching on)", async () => {
    const messages = [{ role: "user", content: "Tell me about prefix caching. ".repeat(20) }];
    await postJson(app, "/v1/chat/completions", { messages, max_tokens: 2 });
    const second = (await postJson(app, "/v1/chat/completions", { messages, max_tokens: 2 })).json();
    const prompt = second.usage.prompt_tokens as number;
    expect(second.usage.prompt_tokens_details.cached_tokens).toBe(Math.floor((prompt - 1) / 16) * 16);
  });

  it("tokenizes like vLLM's /tokenize", async () => {
    const body = (await postJson(app, "/tokenize", { model: "Qwen/Qwen3-0.6B", messages: hi.messages })).json();
    expect(body).toEqual({
      count: 9,
      max_model_len: 40960,
      tokens: [151644, 872, 198, 13048, 151645, 198, 151644, 77091, 198],
      token_strs: null,
    });
  });

  it("answers /health with an empty 200", async () => {
    const response = await app.inject({ method: "GET", url: "/health" });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe("");
  });
});

describe("streaming", () => {
  it("frames chat chunks as SSE: role first, one chunk per token, finish, usage, [DONE]", async () => {
    const response = await postJson(app, "/v1/chat/completions", {
      ...hi,
      max_tokens: 6,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(response.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
    expect(response.body.endsWith("data: [DONE]\n\n")).toBe(true);
    const frames = sseFrames(response.body);
    const chunks = frames.filter((f): f is Record<string, unknown> => f !== "[DONE]");
    expect(chunks[0]).toMatchObject({
      object: "chat.completion.chunk",
      choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }],
    });
    const tokenChunks = chunks.slice(1, -1);
    expect(tokenChunks).toHaveLength(6);
    expect(tokenChunks.at(-1)).toMatchObject({ choices: [{ finish_reason: "length", stop_reason: null }] });
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 9, completion_tokens: 6, total_tokens: 15 },
    });
    const ids = new Set(chunks.map((c) => c.id));
    expect(ids.size).toBe(1);
  });

  it("streams text completions without a role chunk and without usage unless asked", async () => {
    const response = await postJson(app, "/v1/completions", { prompt: "Hello", max_tokens: 3, stream: true });
    const frames = sseFrames(response.body);
    expect(frames.at(-1)).toBe("[DONE]");
    const chunks = frames.slice(0, -1) as Array<{ object: string; choices: Array<{ text: string }>; usage?: unknown }>;
    expect(chunks).toHaveLength(3);
    expect(chunks.every((c) => c.object === "text_completion" && c.usage === undefined)).toBe(true);
  });

  it("puts usage in every chunk with continuous_usage_stats", async () => {
    const response = await postJson(app, "/v1/chat/completions", {
      ...hi,
      max_tokens: 3,
      stream: true,
      stream_options: { include_usage: true, continuous_usage_stats: true },
    });
    const chunks = sseFrames(response.body).filter((f) => f !== "[DONE]") as Array<{
      usage?: { completion_tokens: number };
    }>;
    const counts = chunks.slice(1).map((c) => c.usage?.completion_tokens);
    expect(counts).toEqual([1, 2, 3, 3]);
  });

  it("refuses stream_options without stream", async () => {
    const response = await postJson(app, "/v1/chat/completions", { ...hi, stream_options: { include_usage: true } });
    expect(response.statusCode).toBe(400);
  });
});
