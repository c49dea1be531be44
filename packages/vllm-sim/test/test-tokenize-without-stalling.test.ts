// A 1 MB prompt is tokenized in slices with the event loop free between them: /health (and, in an
// in-process testbed, every other component) keeps answering meanwhile, and the ids are the same.
import { afterAll, describe, expect, it } from "vitest";
import { qwen3Tokenizer } from "../src/tokens/qwen3-tokenizer.js";
import { postJson, testApp } from "./server-harness.js";

const { app } = testApp();
afterAll(() => app.close());

describe("tokenizing a big prompt without stalling the process", () => {
  it("encodeAsync gives encode's ids for ordinary text, whatever the slice size", async () => {
    const tokenizer = qwen3Tokenizer();
    const text = "Prefix caching keeps blocks; the EPP routes requests, über-fast! 1234 ".repeat(300);
    const whole = tokenizer.encode(text);
    expect(await tokenizer.encodeAsync(text, 512)).toEqual(whole);
    expect(await tokenizer.encodeAsync(text, 97)).toEqual(whole);
  });

  it("answers /health several times while a 1 MB prompt is still being tokenized", async () => {
    const content = "The quick brown fox jumps over the lazy dog. ".repeat(23_302);
    let bigDone = false;
    const big = postJson(app, "/v1/chat/completions", { messages: [{ role: "user", content }], max_tokens: 1 }).then(
      (response) => {
        bigDone = true;
        return response;
      },
    );
    const healthWhileBusy: boolean[] = [];
    for (let i = 0; i < 5; i++) {
      const health = await app.inject({ method: "GET", url: "/health" });
      expect(health.statusCode).toBe(200);
      healthWhileBusy.push(!bigDone);
    }
    expect(healthWhileBusy).toEqual([true, true, true, true, true]);
    const response = await big;
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toMatch(
      /^This model's maximum context length is 40960 tokens\. However, your request has \d{6} input tokens\./,
    );
  });

  it("a 1 MB word without spaces is tokenized in bounded pieces and refused for its length", async () => {
    const response = await postJson(app, "/v1/completions", { prompt: "x".repeat(1 << 20), max_tokens: 1 });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toContain("This model's maximum context length is 40960 tokens");
  });
});
