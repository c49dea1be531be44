// Requests vLLM 0.11.2 refuses with 400, each with vLLM's text: SamplingParams._verify_args,
// the request models' before-validators (protocol.py), serving_chat's checks, the v1 processor's
// vocabulary check, and inputs that used to crash the simulator with a 500.
import { afterAll, describe, expect, it } from "vitest";
import { hi, postJson, testApp } from "./server-harness.js";

const { app } = testApp({ maxModelLen: 1024 });
afterAll(() => app.close());

async function errorOf(url: string, body: unknown) {
  const response = await postJson(app, url, body);
  return { status: response.statusCode, error: response.json().error as { message: string; type: string } };
}

describe("sampling parameters vLLM refuses (SamplingParams._verify_args)", () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ["negative temperature", { temperature: -0.5 }, "temperature must be non-negative, got -0.5."],
    ["an integer temperature prints as a float", { temperature: -1 }, "temperature must be non-negative, got -1.0."],
    ["top_p of 0", { top_p: 0 }, "top_p must be in (0, 1], got 0.0."],
    ["top_p above 1", { top_p: 1.5 }, "top_p must be in (0, 1], got 1.5."],
    ["top_k below -1", { top_k: -5 }, "top_k must be 0 (disable), or at least 1, got -5."],
    ["min_p above 1", { min_p: 2 }, "min_p must be in [0, 1], got 2.0."],
    ["presence_penalty out of range", { presence_penalty: 3 }, "presence_penalty must be in [-2, 2], got 3.0."],
    ["frequency_penalty out of range", { frequency_penalty: -2.5 }, "frequency_penalty must be in [-2, 2], got -2.5."],
    ["repetition_penalty of 0", { repetition_penalty: 0 }, "repetition_penalty must be greater than zero, got 0.0."],
    ["max_tokens of 0", { max_tokens: 0 }, "max_tokens must be at least 1, got 0."],
    ["negative min_tokens", { min_tokens: -1 }, "min_tokens must be greater than or equal to 0, got -1."],
    [
      "min_tokens above max_tokens",
      { max_tokens: 4, min_tokens: 5 },
      "min_tokens must be less than or equal to max_tokens=4, got 5.",
    ],
    ["an empty stop string", { stop: [""] }, "stop cannot contain an empty string."],
    ["n of 0", { n: 0 }, "n must be at least 1, got 0."],
    ["n > 1 with greedy sampling", { n: 2, temperature: 0 }, "n must be 1 when using greedy sampling, got 2."],
  ];
  it.each(cases)("%s", async (_name, extra, message) => {
    const { status, error } = await errorOf("/v1/chat/completions", { ...hi, ...extra });
    expect(status).toBe(400);
    expect(error).toMatchObject({ type: "BadRequestError", message });
  });

  it("checks min_tokens against the completions default of 16", async () => {
    const { error } = await errorOf("/v1/completions", { prompt: "Hi", min_tokens: 17 });
    expect(error.message).toBe("min_tokens must be less than or equal to max_tokens=16, got 17.");
  });
});

describe("the request models' before-validators (pydantic value_error at ('body',))", () => {
  const valueError = (text: string) => `'type': 'value_error', 'loc': ('body',), 'msg': 'Value error, ${text}'`;
  it.each([
    [
      "top_logprobs without logprobs",
      { top_logprobs: 2 },
      "when using `top_logprobs`, `logprobs` must be set to true.",
    ],
    ["negative top_logprobs", { logprobs: true, top_logprobs: -3 }, "`top_logprobs` must be a positive value or -1."],
    ["tool_choice without tools", { tool_choice: "required" }, "When using `tool_choice`, `tools` must be set."],
    [
      "a named tool that is not among the tools",
      {
        tools: [{ type: "function", function: { name: "a" } }],
        tool_choice: { type: "function", function: { name: "b" } },
      },
      "The tool specified in `tool_choice` does not match any of the specified `tools`",
    ],
    [
      "stream_options without stream",
      { stream_options: { include_usage: true } },
      "Stream options can only be defined when `stream=True`.",
    ],
  ])("%s", async (_name, extra, text) => {
    const { status, error } = await errorOf("/v1/chat/completions", { ...hi, ...extra });
    expect(status).toBe(400);
    expect(error.type).toBe("Bad Request");
    expect(error.message).toContain(valueError(text));
    expect(error.message).toContain(`'ctx': {'error': ValueError(`);
  });

  it("a negative logprobs on /v1/completions", async () => {
    const { error } = await errorOf("/v1/completions", { prompt: "Hi", logprobs: -1 });
    expect(error.message).toContain(valueError("`logprobs` must be a positive value."));
  });

  it("a response_format type outside the Literal", async () => {
    const { status, error } = await errorOf("/v1/chat/completions", { ...hi, response_format: { type: "xml" } });
    expect(status).toBe(400);
    expect(error.message).toContain(
      "'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), 'msg': \"Input should be 'text', 'json_object', 'json_schema' or 'structural_tag'\", 'input': 'xml'",
    );
  });
});

describe("serving_chat's and the processor's refusals", () => {
  it("tools without tool_choice mean auto, which needs --enable-auto-tool-choice", async () => {
    const { status, error } = await errorOf("/v1/chat/completions", {
      ...hi,
      tools: [{ type: "function", function: { name: "get_weather", parameters: {} } }],
    });
    expect(status).toBe(400);
    expect(error.message).toBe(
      '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set',
    );
  });

  it("a chat template in the request needs --trust-request-chat-template", async () => {
    const { error } = await errorOf("/v1/chat/completions", { ...hi, chat_template: "{{ messages }}" });
    expect(error.message).toBe(
      "Chat template is passed with request, but --trust-request-chat-template is not set. Refused request with untrusted chat template.",
    );
  });

  it("prompt token ids outside the vocabulary", async () => {
    const { status, error } = await errorOf("/v1/completions", { prompt: [9707, 151669] });
    expect(status).toBe(400);
    expect(error.message).toBe("Token id 151669 is out of vocabulary");
  });

  it("an empty prompt", async () => {
    const { error } = await errorOf("/v1/completions", { prompt: "" });
    expect(error.message).toBe("The decoder prompt cannot be empty");
  });
});

describe("inputs that crashed the simulator with a 500 are 400s", () => {
  const deep = `${"[".repeat(5000)}${"]".repeat(5000)}`;
  it.each([
    ["content [null]", "/v1/chat/completions", `{"messages":[{"role":"user","content":[null]}]}`],
    [
      "a content part without text",
      "/v1/chat/completions",
      `{"messages":[{"role":"user","content":[{"type":"text"}]}]}`,
    ],
    ["content that is an object", "/v1/chat/completions", `{"messages":[{"role":"user","content":{"a":1}}]}`],
    ["/tokenize with null messages", "/tokenize", `{"messages":null}`],
    ["5,000-deep messages", "/v1/chat/completions", `{"messages":${deep}}`],
    ["5,000-deep stop", "/v1/chat/completions", `{"messages":[{"role":"user","content":"x"}],"stop":${deep}}`],
    ["5,000-deep prompt", "/v1/completions", `{"prompt":${deep}}`],
  ])("%s", async (_name, url, body) => {
    const response = await postJson(app, url, body);
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe(400);
  });

  it("nesting deeper than Python's json decoder recursion is FastAPI's 'There was an error parsing the body'", async () => {
    const response = await postJson(app, "/v1/chat/completions", `{"messages":${deep}}`);
    expect(response.json().error).toEqual({
      message: "There was an error parsing the body",
      type: "Bad Request",
      param: null,
      code: 400,
    });
    expect((await postJson(app, "/v1/chat/completions", { ...hi, max_tokens: 2 })).statusCode).toBe(200);
  });
});
