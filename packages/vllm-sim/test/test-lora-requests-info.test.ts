// vllm:lora_requests_info as vLLM 0.11 records it (v1/metrics/loggers.py, PrometheusStatLogger.record):
// with each engine step's stats, once the frontend has processed the step's outputs (finished requests
// already dropped from LoRARequestStates), the series labelled with the comma-joined adapter names of
// the running and of the waiting requests (and max_lora) is set to the current time. prometheus_client
// keeps every label set it was given, so the exposition holds one series per (running, waiting) pair
// seen, each at the time it was last recorded — the EPP reads the newest.
import { afterAll, describe, expect, it } from "vitest";
import { hi, postJson, testApp } from "./server-harness.js";

const pod = testApp({
  enableLora: true,
  maxLoras: 2,
  loraModules: ["lora-a=/models/a", "lora-b=/models/b"],
  // One sequence at a time: the second adapter's request waits while the first runs.
  maxNumSeqs: 1,
});
afterAll(() => pod.app.close());

async function loraSeries() {
  const body = (await pod.app.inject({ method: "GET", url: "/metrics" })).body;
  return body
    .split("\n")
    .filter((line) => line.startsWith("vllm:lora_requests_info{"))
    .map((line) => {
      const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      return { ...labels, value: Number(line.split(" ").at(-1)) };
    });
}

describe("vllm:lora_requests_info", () => {
  it("before any request: the family without a sample (nothing records it before a step)", async () => {
    const body = (await pod.app.inject({ method: "GET", url: "/metrics" })).body;
    expect(body).toContain("# TYPE vllm:lora_requests_info gauge");
    expect(await loraSeries()).toEqual([]);
  });

  it("a request done in one step never shows as running: its step is recorded after it finished", async () => {
    const answer = await postJson(pod.app, "/v1/completions", { model: "lora-a", prompt: "Hi", max_tokens: 1 });
    expect(answer.statusCode).toBe(200);
    const series = await loraSeries();
    expect(series).toEqual([
      { max_lora: "2", waiting_lora_adapters: "", running_lora_adapters: "", value: expect.any(Number) },
    ]);
    // set_to_current_time: a Unix time in seconds.
    expect(series[0]?.value).toBeGreaterThan(1.5e9);
  });

  it("names the adapters of running and waiting requests, one series per pair, which stay", async () => {
    const answers = await Promise.all([
      postJson(pod.app, "/v1/chat/completions", { ...hi, model: "lora-a", max_tokens: 3 }),
      postJson(pod.app, "/v1/chat/completions", { ...hi, model: "lora-b", max_tokens: 3 }),
      postJson(pod.app, "/v1/chat/completions", { ...hi, max_tokens: 3 }),
    ]);
    expect(answers.map((answer) => answer.statusCode)).toEqual([200, 200, 200]);
    const pairs = (await loraSeries()).map((s) => `${s.running_lora_adapters}|${s.waiting_lora_adapters}`);
    expect(pairs).toContain("|");
    expect(pairs).toContain("lora-a|lora-b");
    expect(pairs).toContain("lora-b|");
    // The base model's request adds no name.
    expect(pairs.every((pair) => !pair.includes("Qwen"))).toBe(true);
  });
});
