// vLLM 0.11.2's OpenAI server as a client meets it: nested error objects the official `openai`
// client exposes as APIError.error, the completions default of 16 tokens, the endpoints vLLM has
// besides chat and completions, Starlette's 405, and /version.
import { connect } from "node:net";
import { silentSink } from "@testbed/common";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startVllmSim, type VllmSimHandle } from "../src/vllm-sim.js";
import { hi } from "./server-harness.js";

let pod: VllmSimHandle;
let client: OpenAI;

beforeAll(async () => {
  pod = await startVllmSim({ port: 0, adminPort: 0, timeScale: 0, log: silentSink });
  client = new OpenAI({ baseURL: `${pod.url}/v1`, apiKey: "unused", maxRetries: 0 });
});
afterAll(() => pod.close());

const post = (path: string, body: unknown, contentType = "application/json") =>
  fetch(`${pod.url}${path}`, { method: "POST", headers: { "content-type": contentType }, body: JSON.stringify(body) });

async function apiError(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof OpenAI.APIError) return error;
    throw error;
  }
  throw new Error("the request succeeded");
}

describe("vLLM 0.11.2 errors through the official openai client", () => {
  it("a wrong model name is a NotFoundError whose error object carries vLLM's fields", async () => {
    const error = await apiError(client.chat.completions.create({ model: "qwen3-0-6b", messages: hi.messages as [] }));
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(error.error).toEqual({
      message: "The model `qwen3-0-6b` does not exist.",
      type: "NotFoundError",
      param: "model",
      code: 404,
    });
    expect(error.message).toBe("404 The model `qwen3-0-6b` does not exist.");
  });

  it("a validation error is a BadRequestError with pydantic's message inside error.message", async () => {
    const error = await apiError(client.chat.completions.create({ model: "Qwen/Qwen3-0.6B" } as never));
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.error).toMatchObject({ type: "Bad Request", code: 400, param: null });
    expect((error.error as { message: string }).message).toContain(
      "'loc': ('body', 'messages'), 'msg': 'Field required'",
    );
  });

  it("a body that is not application/json is refused by validate_json_request", async () => {
    const response = await post("/v1/chat/completions", hi, "text/plain");
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: {
        message: `["Unsupported Media Type: Only 'application/json' is allowed"]`,
        type: "Bad Request",
        param: null,
        code: 400,
      },
    });
  });
});

describe("vLLM 0.11.2 defaults and endpoints", () => {
  it("/v1/completions without max_tokens generates 16 tokens (CompletionRequest's default)", async () => {
    const completion = await client.completions.create({
      model: "Qwen/Qwen3-0.6B",
      prompt: "Once upon a time",
      ignore_eos: true,
    } as OpenAI.CompletionCreateParamsNonStreaming);
    expect(completion.usage?.completion_tokens).toBe(16);
    expect(completion.choices[0]?.finish_reason).toBe("length");
  });

  it("/v1/responses answers a Response the official client reads (non-streaming)", async () => {
    const response = await client.responses.create({
      model: "Qwen/Qwen3-0.6B",
      instructions: "Be brief.",
      input: "Hi",
      max_output_tokens: 4,
      ignore_eos: true,
    } as OpenAI.Responses.ResponseCreateParamsNonStreaming);
    expect(response.object).toBe("response");
    expect(response.id).toMatch(/^resp_[0-9a-f]{32}$/);
    expect(response.status).toBe("incomplete");
    expect(response.usage).toMatchObject({ output_tokens: 4 });
    expect(response.output_text.length).toBeGreaterThan(0);
    const missing = await apiError(client.responses.create({ model: "Qwen/Qwen3-0.6B" } as never));
    expect((missing.error as { message: string }).message).toContain(
      "'loc': ('body', 'input'), 'msg': 'Field required'",
    );
  });

  it("/version says 0.11.2", async () => {
    expect(await (await fetch(`${pod.url}/version`)).json()).toEqual({ version: "0.11.2" });
  });

  it("/v1/embeddings refuses a generate model with vLLM's 400", async () => {
    const error = await apiError(client.embeddings.create({ model: "Qwen/Qwen3-0.6B", input: "Hi" }));
    expect(error.status).toBe(400);
    expect(error.error).toEqual({
      message: "The model does not support Embeddings API",
      type: "BadRequestError",
      param: null,
      code: 400,
    });
  });

  it("/detokenize turns ids back into text and refuses ids outside the vocabulary", async () => {
    const ok = await post("/detokenize", { model: "Qwen/Qwen3-0.6B", tokens: [9707, 1879] });
    expect(await ok.json()).toEqual({ prompt: "Hello world" });
    const bad = await post("/detokenize", { tokens: [9707, 999999] });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toBe(
      "Token id 999999 is out of vocabulary",
    );
  });

  it("/ping answers GET and POST like /health; /load reports the server load", async () => {
    expect((await fetch(`${pod.url}/ping`)).status).toBe(200);
    expect((await fetch(`${pod.url}/ping`, { method: "POST" })).status).toBe(200);
    expect(await (await fetch(`${pod.url}/load`)).json()).toEqual({ server_load: 0 });
  });

  it("a known path with the wrong method is Starlette's 405 with Allow; an unknown path 404", async () => {
    const wrong = await fetch(`${pod.url}/v1/chat/completions`, { method: "GET" });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("POST");
    expect(await wrong.json()).toEqual({ detail: "Method Not Allowed" });
    const health = await fetch(`${pod.url}/health`, { method: "DELETE" });
    expect(health.status).toBe(405);
    expect(health.headers.get("allow")).toContain("GET");
    expect((await fetch(`${pod.url}/v2/nothing`)).status).toBe(404);
  });

  it("the admin API is not on the OpenAI port, only on the admin port", async () => {
    expect((await fetch(`${pod.url}/admin/faults`)).status).toBe(404);
    expect((await fetch(`${pod.adminUrl}/admin/faults`)).status).toBe(200);
  });
});

/** Raw bytes to the pod; resolves with everything it answers before it closes (or after `ms` of quiet). */
function rawExchange(bytes: string): Promise<string> {
  const { port, hostname } = new URL(pod.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(bytes));
    let received = "";
    socket.on("data", (chunk) => {
      received += chunk.toString("latin1");
    });
    socket.on("error", reject);
    socket.on("close", () => resolve(received));
  });
}

describe("bytes that are not HTTP, answered as uvicorn does", () => {
  it("an unknown method gets uvicorn's plain-text 400 and a closed connection", async () => {
    const answer = await rawExchange("FOO /v1/models HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer).toContain("content-type: text/plain; charset=utf-8");
    expect(answer.endsWith("\r\n\r\nInvalid HTTP request received.")).toBe(true);
  });

  it("pipelined {bad, good, GARBAGE, good}: each request before the garbage is answered, then 400 and close", async () => {
    const body = JSON.stringify({ ...hi, max_tokens: 2 });
    const request = (payload: string) =>
      `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`;
    const answer = await rawExchange(`${request("{broken")}${request(body)}GARBAGE\r\n\r\n${request(body)}`);
    const statuses = [...answer.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((match) => match[1]);
    expect(statuses).toEqual(["400", "200", "400"]);
    expect(answer.endsWith("Invalid HTTP request received.")).toBe(true);
  });
});
