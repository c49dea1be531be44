import { afterAll, describe, expect, it } from "vitest";
import { hi, postJson, testApp } from "./server-harness.js";

const { app } = testApp({ maxModelLen: 1024, maxRequestBodyBytes: 64 * 1024 });
afterAll(() => app.close());

describe("vLLM error shapes", () => {
  it("answers a POST without a body with 400 and pydantic's 'Field required' on ('body',) — Bug 1's symptom", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/v1/chat/completions",
      headers: { "content-type": "application/json" },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error: {
        message: "[{'type': 'missing', 'loc': ('body',), 'msg': 'Field required', 'input': None}]",
        type: "Bad Request",
        param: null,
        code: 400,
      },
    });
  });

  it("answers broken JSON with 400 json_invalid", async () => {
    const response = await postJson(app, "/v1/chat/completions", '{"model": "x",');
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toMatch(
      /^\[\{'type': 'json_invalid', 'loc': \('body', \d+\), 'msg': 'JSON decode error'/,
    );
  });

  it("names a missing messages field at ('body', 'messages') with the body as input", async () => {
    const response = await postJson(app, "/v1/chat/completions", { model: "Qwen/Qwen3-0.6B" });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toBe(
      "[{'type': 'missing', 'loc': ('body', 'messages'), 'msg': 'Field required', 'input': {'model': 'Qwen/Qwen3-0.6B'}}]",
    );
  });

  it("reports wrongly typed fields the way pydantic does", async () => {
    const response = await postJson(app, "/v1/chat/completions", { ...hi, max_tokens: "lots", stream: "yes" });
    expect(response.statusCode).toBe(400);
    const message = response.json().error.message as string;
    expect(message).toContain(
      "{'type': 'int_parsing', 'loc': ('body', 'max_tokens'), 'msg': 'Input should be a valid integer, unable to parse string as an integer', 'input': 'lots'}",
    );
    expect(message).toContain("'loc': ('body', 'stream')");
  });

  it("answers an unknown model (the Kubernetes name) with 404 NotFoundError", async () => {
    const response = await postJson(app, "/v1/chat/completions", { ...hi, model: "qwen3-0-6b" });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({
      error: { message: "The model `qwen3-0-6b` does not exist.", type: "NotFoundError", param: "model", code: 404 },
    });
  });

  it("refuses a prompt longer than max_model_len with vLLM's wording", async () => {
    const prompt = "word ".repeat(1100);
    const response = await postJson(app, "/v1/completions", { model: "Qwen/Qwen3-0.6B", prompt });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.type).toBe("BadRequestError");
    expect(response.json().error.message).toMatch(
      /^This model's maximum context length is 1024 tokens\. However, your request has \d+ input tokens\. Please reduce the length of the input messages\.$/,
    );
  });

  it("refuses max_tokens that would overflow the context", async () => {
    const response = await postJson(app, "/v1/chat/completions", { ...hi, max_tokens: 1020 });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toBe(
      "'max_tokens' or 'max_completion_tokens' is too large: 1020. This model's maximum context length is 1024 tokens and your request has 9 input tokens (1020 > 1024 - 9).",
    );
  });

  it("answers a body over the limit with 413", async () => {
    const response = await postJson(app, "/v1/chat/completions", { ...hi, padding: "x".repeat(70 * 1024) });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ error: { code: 413 } });
  });

  it("answers unknown paths as FastAPI does", async () => {
    const response = await app.inject({ method: "GET", url: "/v2/nothing" });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ detail: "Not Found" });
  });

  it("survives garbage of every kind and still serves the next request", async () => {
    const garbage = [
      "null",
      "[]",
      "42",
      '"text"',
      '{"messages": 7}',
      '{"messages": [1, 2]}',
      "\u0000\u0001",
      "{".repeat(500),
    ];
    for (const body of garbage) {
      const response = await postJson(app, "/v1/chat/completions", body);
      expect(response.statusCode, body).toBe(400);
    }
    const ok = await postJson(app, "/v1/chat/completions", { ...hi, max_tokens: 3 });
    expect(ok.statusCode).toBe(200);
  });
});
