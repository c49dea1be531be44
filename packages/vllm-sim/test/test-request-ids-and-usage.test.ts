// X-Request-Id becomes the response id (OpenAIServing._base_request_id), pods sharing a seed still
// hand out different ids, and --enable-force-include-usage puts usage in every stream (what MaaS
// token rate limiting counts).
import { silentSink } from "@testbed/common";
import { afterAll, describe, expect, it } from "vitest";
import { startVllmSim } from "../src/vllm-sim.js";
import { hi, postJson, sseFrames, testApp } from "./server-harness.js";

const { app } = testApp();
afterAll(() => app.close());

describe("request ids", () => {
  it("uses X-Request-Id as the response id: chatcmpl-<id> and cmpl-<id>", async () => {
    const chat = await app.inject({
      method: "POST",
      url: "/v1/chat/completions",
      headers: { "content-type": "application/json", "x-request-id": "trace-42" },
      payload: JSON.stringify({ ...hi, max_tokens: 1 }),
    });
    expect(chat.json().id).toBe("chatcmpl-trace-42");
    const text = await app.inject({
      method: "POST",
      url: "/v1/completions",
      headers: { "content-type": "application/json", "x-request-id": "trace-43" },
      payload: JSON.stringify({ prompt: "Hi", max_tokens: 1 }),
    });
    expect(text.json().id).toBe("cmpl-trace-43");
  });

  it("falls back to the chat body's request_id, then to a fresh 32-hex uuid", async () => {
    const named = await postJson(app, "/v1/chat/completions", { ...hi, max_tokens: 1, request_id: "from-body" });
    expect(named.json().id).toBe("chatcmpl-from-body");
    const fresh = await postJson(app, "/v1/chat/completions", { ...hi, max_tokens: 1 });
    expect(fresh.json().id).toMatch(/^chatcmpl-[0-9a-f]{32}$/);
  });

  it("two pods with the same seed give different ids", async () => {
    const pods = await Promise.all([0, 1].map(() => startVllmSim({ port: 0, timeScale: 0, log: silentSink })));
    try {
      const ids = await Promise.all(
        pods.map(async (pod) => {
          const response = await fetch(`${pod.url}/v1/chat/completions`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ ...hi, max_tokens: 1 }),
          });
          return ((await response.json()) as { id: string }).id;
        }),
      );
      expect(ids[0]).not.toBe(ids[1]);
    } finally {
      await Promise.all(pods.map((pod) => pod.close()));
    }
  });

  it("--enable-request-id-headers echoes X-Request-Id on the response", async () => {
    const pod = testApp({ enableRequestIdHeaders: true });
    const response = await pod.app.inject({ method: "GET", url: "/v1/models", headers: { "x-request-id": "abc" } });
    expect(response.headers["x-request-id"]).toBe("abc");
    expect((await app.inject({ method: "GET", url: "/v1/models" })).headers["x-request-id"]).toBeUndefined();
    await pod.app.close();
  });
});

describe("usage in streams", () => {
  const stream = (target: typeof app, extra: object = {}) =>
    postJson(target, "/v1/chat/completions", { ...hi, max_tokens: 3, ignore_eos: true, stream: true, ...extra });
  const usageFrames = (body: string) =>
    sseFrames(body).filter((frame) => frame !== "[DONE]" && frame.usage !== undefined && frame.usage !== null);

  it("without include_usage a stream carries no usage, unless --enable-force-include-usage", async () => {
    expect(usageFrames((await stream(app)).body)).toHaveLength(0);
    const forced = testApp({ enableForceIncludeUsage: true });
    const frames = usageFrames((await stream(forced.app)).body);
    await forced.app.close();
    expect(frames).toHaveLength(1);
    expect(frames[0]).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 },
    });
  });

  it("stream_options: {} means include_usage true (StreamOptions' default)", async () => {
    expect(usageFrames((await stream(app, { stream_options: {} })).body)).toHaveLength(1);
    expect(usageFrames((await stream(app, { stream_options: { include_usage: false } })).body)).toHaveLength(0);
  });
});
