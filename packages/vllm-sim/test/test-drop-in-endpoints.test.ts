// What llm-d-inference-sim users rely on besides the OpenAI API: LoRA adapters (vLLM 0.11.2's
// --lora-modules and /v1/load_lora_adapter, /v1/unload_lora_adapter with its texts), /health/ready
// with --startup-duration, and the X-Return-Error header.
import { SimulatedClock, silentSink } from "@testbed/common";
import OpenAI from "openai";
import { afterAll, describe, expect, it } from "vitest";
import { StartupError } from "../src/model-server.js";
import { vllmEnvironmentOptions } from "../src/vllm-args.js";
import { startVllmSim } from "../src/vllm-sim.js";
import { hi, postJson, testApp, testServer } from "./server-harness.js";

describe("LoRA adapters", () => {
  const { app } = testApp({ enableLora: true, loraModules: ["sql-lora=/models/sql"], allowRuntimeLoraUpdating: true });
  afterAll(() => app.close());

  it("--lora-modules adapters are listed with their parent and answer under their own name", async () => {
    const models = (await app.inject({ method: "GET", url: "/v1/models" })).json().data;
    expect(models.map((model: { id: string }) => model.id)).toEqual(["Qwen/Qwen3-0.6B", "sql-lora"]);
    expect(models[1]).toMatchObject({ root: "/models/sql", parent: "Qwen/Qwen3-0.6B", max_model_len: null });
    const answer = await postJson(app, "/v1/chat/completions", { ...hi, model: "sql-lora", max_tokens: 2 });
    expect(answer.statusCode).toBe(200);
    expect(answer.json().model).toBe("sql-lora");
  });

  it("loads and unloads at runtime with vLLM's messages", async () => {
    const loaded = await postJson(app, "/v1/load_lora_adapter", { lora_name: "chat-lora", lora_path: "/models/chat" });
    expect(loaded.statusCode).toBe(200);
    expect(loaded.body).toBe("Success: LoRA adapter 'chat-lora' added successfully.");
    const again = await postJson(app, "/v1/load_lora_adapter", { lora_name: "chat-lora", lora_path: "/models/chat" });
    expect(again.statusCode).toBe(400);
    expect(again.json().error).toEqual({
      message: "The lora adapter 'chat-lora' has already been loaded.",
      type: "InvalidUserInput",
      param: null,
      code: 400,
    });
    const incomplete = await postJson(app, "/v1/load_lora_adapter", { lora_name: "x" });
    expect(incomplete.json().error.message).toBe("Both 'lora_name' and 'lora_path' must be provided.");
    expect((await postJson(app, "/v1/chat/completions", { ...hi, model: "chat-lora" })).statusCode).toBe(200);
    const unloaded = await postJson(app, "/v1/unload_lora_adapter", { lora_name: "chat-lora" });
    expect(unloaded.body).toBe("Success: LoRA adapter 'chat-lora' removed successfully.");
    const gone = await postJson(app, "/v1/unload_lora_adapter", { lora_name: "chat-lora" });
    expect(gone.statusCode).toBe(404);
    expect(gone.json().error).toMatchObject({
      message: "The lora adapter 'chat-lora' cannot be found.",
      type: "NotFoundError",
    });
    expect((await postJson(app, "/v1/chat/completions", { ...hi, model: "chat-lora" })).statusCode).toBe(404);
  });

  it("the runtime endpoints exist only with VLLM_ALLOW_RUNTIME_LORA_UPDATING", async () => {
    expect(vllmEnvironmentOptions({ VLLM_ALLOW_RUNTIME_LORA_UPDATING: "True" }).allowRuntimeLoraUpdating).toBe(true);
    expect(vllmEnvironmentOptions({}).allowRuntimeLoraUpdating).toBe(false);
    const { app: locked } = testApp({ enableLora: true });
    const response = await postJson(locked, "/v1/load_lora_adapter", { lora_name: "a", lora_path: "/a" });
    await locked.close();
    expect(response.statusCode).toBe(404);
  });

  it("a malformed --lora-modules entry stops the start", () => {
    expect(() => testServer({ loraModules: ["no-path"] })).toThrow(StartupError);
  });
});

describe("/health/ready and --startup-duration", () => {
  it("answers 503 until the start-up duration has passed on the server's clock, then 200", async () => {
    const clock = new SimulatedClock();
    const { app } = testApp({ clock, startupDuration: "30s" });
    expect((await app.inject({ method: "GET", url: "/health/ready" })).statusCode).toBe(503);
    expect((await app.inject({ method: "GET", url: "/health" })).statusCode).toBe(200);
    clock.advance(30_000);
    expect((await app.inject({ method: "GET", url: "/health/ready" })).statusCode).toBe(200);
    expect((await app.inject({ method: "GET", url: "/ready" })).statusCode).toBe(200);
    await app.close();
  });

  it("refuses a start-up duration that is not a Go duration", () => {
    expect(() => testServer({ startupDuration: "30 seconds" })).toThrow(StartupError);
  });
});

describe("X-Return-Error", () => {
  it("answers the status it names, in the error shape the official openai client reads", async () => {
    const pod = await startVllmSim({ port: 0, timeScale: 0, log: silentSink });
    const client = new OpenAI({ baseURL: `${pod.url}/v1`, apiKey: "unused", maxRetries: 0 });
    try {
      await client.chat.completions.create(
        { model: "Qwen/Qwen3-0.6B", messages: hi.messages as [] },
        { headers: { "X-Return-Error": "429" } },
      );
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(OpenAI.RateLimitError);
      expect((error as InstanceType<typeof OpenAI.APIError>).error).toEqual({
        message: "Simulated error triggered by X-Return-Error header (code 429)",
        type: "RateLimitError",
        param: null,
        code: 429,
      });
    } finally {
      await pod.close();
    }
  });

  it("a value that is not an integer is a 400, checked before the body's validation", async () => {
    const { app } = testApp();
    const response = await app.inject({
      method: "POST",
      url: "/v1/completions",
      headers: { "content-type": "application/json", "x-return-error": "abc" },
      payload: JSON.stringify({ model: "nope" }),
    });
    await app.close();
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toBe('Invalid X-Return-Error header value "abc": must be an integer');
  });
});
