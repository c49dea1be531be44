import { eventually, SimulatedClock } from "@testbed/common";
import { describe, expect, it } from "vitest";
import { buildVllmApp } from "../src/http/app.js";
import { hi, logCollector, postJson, testServer } from "./server-harness.js";

describe("what `oc logs` shows on a vLLM pod", () => {
  it("prints vLLM's start-up lines for a T4", () => {
    const { lines, log } = logCollector();
    testServer({ log }).logStartup();
    expect(lines.join("\n")).toMatch(/^WARNING \d\d-\d\d \d\d:\d\d:\d\d \[model\.py:1682\] Your device 'Tesla T4'/);
    expect(lines).toContainEqual(
      expect.stringMatching(/\[gpu_worker\.py:298\] Available KV cache memory: 10\.55 GiB$/),
    );
    expect(lines).toContainEqual(expect.stringMatching(/Maximum concurrency for 40,960 tokens per request: 2\.41x$/));
  });

  it("writes one uvicorn access line per request", async () => {
    const { lines, log } = logCollector();
    const app = buildVllmApp(testServer({ log }));
    await postJson(app, "/v1/chat/completions", { ...hi, max_tokens: 2 });
    await app.inject({ method: "POST", url: "/v1/chat/completions" });
    const access = lines.filter((line) => line.startsWith("INFO:"));
    expect(access).toEqual([
      expect.stringMatching(/^INFO: {5}\S+ - "POST \/v1\/chat\/completions HTTP\/1\.1" 200 OK$/),
      expect.stringMatching(/"POST \/v1\/chat\/completions HTTP\/1\.1" 400 Bad Request$/),
    ]);
    await app.close();
  });

  it("logs engine throughput every 10 s while there is traffic, and stays quiet when idle", async () => {
    const clock = new SimulatedClock(Date.UTC(2026, 10, 27, 6, 0, 0));
    const { lines, log } = logCollector();
    const server = testServer({ log, clock, enablePrefixCaching: true });
    const app = buildVllmApp(server);
    await postJson(app, "/v1/chat/completions", { ...hi, max_tokens: 10 });
    clock.advance(10_000);
    const engineLines = () => lines.filter((line) => line.includes("Engine 000:"));
    expect(engineLines()).toEqual([
      expect.stringMatching(
        /\[loggers\.py:123\] Engine 000: Avg prompt throughput: 0\.9 tokens\/s, Avg generation throughput: \d+\.\d tokens\/s, Running: 0 reqs, Waiting: 0 reqs, GPU KV cache usage: 0\.0%, Prefix cache hit rate: 0\.0%$/,
      ),
    ]);
    clock.advance(10_000);
    expect(engineLines()).toHaveLength(1);
    server.close();
    await app.close();
  });
});

describe("client disconnects", () => {
  it("aborts the request and frees its KV blocks when the client goes away mid-stream", async () => {
    const server = testServer({ timeScale: 1 });
    const app = buildVllmApp(server);
    const url = await app.listen({ host: "127.0.0.1", port: 0 });
    const controller = new AbortController();
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...hi, max_tokens: 5000, ignore_eos: true, stream: true }),
      signal: controller.signal,
    });
    const reader = response.body?.getReader();
    await reader?.read();
    await reader?.read();
    expect(server.engine.numRunning).toBe(1);
    controller.abort();
    await eventually(() => expect(server.engine.numRunning).toBe(0));
    expect(server.engine.kv.pool.usage()).toBe(0);
    const metrics = (await app.inject({ method: "GET", url: "/metrics" })).body;
    expect(metrics).toContain(
      'vllm:request_success_total{model_name="Qwen/Qwen3-0.6B",engine="0",finished_reason="abort"} 1',
    );
    server.close();
    await app.close();
  });
});
