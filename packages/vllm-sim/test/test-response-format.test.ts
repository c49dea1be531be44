// response_format as vLLM 0.11.2 treats it: json_object and json_schema turn on structured outputs,
// so the answer is JSON (here: an object holding the schema's required keys); text is free; any other
// type is pydantic's literal_error.
import { silentSink } from "@testbed/common";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startVllmSim, type VllmSimHandle } from "../src/vllm-sim.js";
import { hi, postJson, testApp } from "./server-harness.js";

const model = "Qwen/Qwen3-0.6B";
let pod: VllmSimHandle;
let client: OpenAI;

beforeAll(async () => {
  pod = await startVllmSim({ port: 0, timeScale: 0, log: silentSink });
  client = new OpenAI({ baseURL: `${pod.url}/v1`, apiKey: "unused", maxRetries: 0 });
});
afterAll(() => pod.close());

const schema = {
  type: "object",
  properties: {
    name: { type: "string" },
    age: { type: "integer" },
    tags: { type: "array", items: { type: "string" } },
    nickname: { type: "string" },
  },
  required: ["name", "age", "tags"],
};

describe("response_format through the official openai client", () => {
  it("json_schema answers JSON with the schema's required keys and types", async () => {
    const answer = await client.chat.completions.create({
      model,
      messages: hi.messages as [],
      response_format: { type: "json_schema", json_schema: { name: "person", schema } },
    });
    const value = JSON.parse(answer.choices[0]?.message.content ?? "");
    expect(Object.keys(value)).toEqual(["name", "age", "tags"]);
    expect(typeof value.name).toBe("string");
    expect(Number.isInteger(value.age)).toBe(true);
    expect(Array.isArray(value.tags)).toBe(true);
    expect(answer.choices[0]?.finish_reason).toBe("stop");
  });

  it("json_object answers a JSON object, in completions too", async () => {
    const chat = await client.chat.completions.create({
      model,
      messages: hi.messages as [],
      response_format: { type: "json_object" },
    });
    expect(typeof JSON.parse(chat.choices[0]?.message.content ?? "")).toBe("object");
    const completion = await client.completions.create({
      model,
      prompt: "Hi",
      max_tokens: 64,
      response_format: { type: "json_object" },
    } as OpenAI.CompletionCreateParamsNonStreaming);
    expect(typeof JSON.parse(completion.choices[0]?.text ?? "")).toBe("object");
  });

  it("a max_tokens too small cuts the JSON, finishing with length", async () => {
    const answer = await client.chat.completions.create({
      model,
      messages: hi.messages as [],
      max_tokens: 3,
      response_format: { type: "json_schema", json_schema: { name: "person", schema } },
    });
    expect(answer.choices[0]?.finish_reason).toBe("length");
    expect(() => JSON.parse(answer.choices[0]?.message.content ?? "")).toThrow();
  });
});

describe("response_format validation", () => {
  const { app } = testApp();
  afterAll(() => app.close());

  it("an unknown type is pydantic's literal_error", async () => {
    const response = await postJson(app, "/v1/chat/completions", { ...hi, response_format: { type: "yaml" } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toContain(
      "'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), 'msg': \"Input should be 'text', 'json_object', 'json_schema' or 'structural_tag'\"",
    );
  });

  it("text leaves the answer free", async () => {
    const response = await postJson(app, "/v1/chat/completions", { ...hi, response_format: { type: "text" } });
    expect(response.statusCode).toBe(200);
    expect(() => JSON.parse(response.json().choices[0].message.content)).toThrow();
  });
});
