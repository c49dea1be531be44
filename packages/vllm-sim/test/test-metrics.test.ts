import parsePrometheusTextFormat, { type PrometheusFamily } from "parse-prometheus-text-format";
import { afterAll, describe, expect, it } from "vitest";
import { oneTwoFiveBuckets } from "../src/metrics/vllm-metrics.js";
import { hi, postJson, testApp, testAppWithAdmin } from "./server-harness.js";

const { app } = testApp({ enablePrefixCaching: true });
afterAll(() => app.close());

async function scrape(): Promise<Map<string, PrometheusFamily>> {
  const response = await app.inject({ method: "GET", url: "/metrics" });
  expect(response.headers["content-type"]).toContain("text/plain");
  return new Map(parsePrometheusTextFormat(response.body).map((family) => [family.name, family]));
}

function value(families: Map<string, PrometheusFamily>, name: string, labels: Record<string, string> = {}): number {
  const family = families.get(name);
  if (!family) throw new Error(`no metric ${name}`);
  const sample = family.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  // A histogram's +Inf bucket is its count.
  return Number(sample?.value ?? sample?.buckets?.["+Inf"]);
}

describe("vLLM metrics exposition", () => {
  it("exposes every metric the EPP and the dashboards read, with vLLM's names, types and labels", async () => {
    const families = await scrape();
    const expected: Record<string, PrometheusFamily["type"]> = {
      "vllm:num_requests_running": "GAUGE",
      "vllm:num_requests_waiting": "GAUGE",
      "vllm:kv_cache_usage_perc": "GAUGE",
      "vllm:cache_config_info": "GAUGE",
      "vllm:prompt_tokens_total": "COUNTER",
      "vllm:generation_tokens_total": "COUNTER",
      "vllm:prefix_cache_queries_total": "COUNTER",
      "vllm:prefix_cache_hits_total": "COUNTER",
      "vllm:num_preemptions_total": "COUNTER",
      "vllm:request_success_total": "COUNTER",
      "vllm:time_to_first_token_seconds": "HISTOGRAM",
      "vllm:inter_token_latency_seconds": "HISTOGRAM",
      "vllm:request_time_per_output_token_seconds": "HISTOGRAM",
      "vllm:e2e_request_latency_seconds": "HISTOGRAM",
      "vllm:request_queue_time_seconds": "HISTOGRAM",
      "vllm:request_prefill_time_seconds": "HISTOGRAM",
      "vllm:request_decode_time_seconds": "HISTOGRAM",
      "vllm:request_inference_time_seconds": "HISTOGRAM",
      "vllm:request_prompt_tokens": "HISTOGRAM",
      "vllm:request_generation_tokens": "HISTOGRAM",
      "vllm:iteration_tokens_total": "HISTOGRAM",
    };
    for (const [name, type] of Object.entries(expected)) expect(families.get(name)?.type, name).toBe(type);
    const running = families.get("vllm:num_requests_running")?.metrics[0];
    expect(running?.labels).toEqual({ model_name: "Qwen/Qwen3-0.6B", engine: "0" });
    const cacheConfig = families.get("vllm:cache_config_info")?.metrics[0]?.labels ?? {};
    expect(cacheConfig).toMatchObject({
      block_size: "16",
      enable_prefix_caching: "True",
      gpu_memory_utilization: "0.9",
    });
    expect(Number(cacheConfig.num_gpu_blocks)).toBeGreaterThan(5900);
    const reasons = families.get("vllm:request_success_total")?.metrics.map((m) => m.labels?.finished_reason);
    expect(reasons).toEqual(["stop", "length", "abort"]);
  });

  it("hides what 0.11 hides: gpu_cache_usage_perc (unless --show-hidden-metrics-for-version=0.10), lora_requests_info without --enable-lora", async () => {
    const families = await scrape();
    expect(families.has("vllm:gpu_cache_usage_perc")).toBe(false);
    expect(families.has("vllm:lora_requests_info")).toBe(false);
    const pod = testApp({ enableLora: true, maxLoras: 4, showHiddenMetricsForVersion: "0.10" });
    // vllm:lora_requests_info gets its first sample with the first engine step.
    await postJson(pod.app, "/v1/chat/completions", { ...hi, max_tokens: 1 });
    const body = (await pod.app.inject({ method: "GET", url: "/metrics" })).body;
    await pod.app.close();
    const other = new Map(parsePrometheusTextFormat(body).map((family) => [family.name, family]));
    expect(other.get("vllm:gpu_cache_usage_perc")?.type).toBe("GAUGE");
    expect(other.get("vllm:lora_requests_info")?.metrics[0]?.labels).toMatchObject({ max_lora: "4" });
  });

  it("shows the instrumentator's http_* metrics (route templates, grouped statuses) and process_* metrics", async () => {
    const pod = testApp();
    await postJson(pod.app, "/v1/chat/completions", { ...hi, max_tokens: 1 });
    await pod.app.inject({ method: "GET", url: "/health" });
    const body = (await pod.app.inject({ method: "GET", url: "/metrics" })).body;
    await pod.app.close();
    const families = new Map(parsePrometheusTextFormat(body).map((family) => [family.name, family]));
    const requests = families.get("http_requests_total");
    expect(requests?.type).toBe("COUNTER");
    expect(requests?.metrics.find((m) => m.labels?.handler === "/v1/chat/completions")?.labels).toEqual({
      handler: "/v1/chat/completions",
      method: "POST",
      status: "2xx",
    });
    expect(requests?.metrics.some((m) => m.labels?.handler === "/health")).toBe(false);
    expect(families.get("http_request_duration_seconds")?.type).toBe("HISTOGRAM");
    expect(families.get("http_request_duration_highr_seconds")?.type).toBe("HISTOGRAM");
    expect(value(families, "process_resident_memory_bytes")).toBeGreaterThan(0);
    expect(families.get("process_cpu_seconds_total")?.type).toBe("COUNTER");
  });

  it("uses vLLM's TTFT buckets and 1-2-5 token buckets up to max_model_len", async () => {
    const families = await scrape();
    const ttft = families.get("vllm:time_to_first_token_seconds")?.metrics[0]?.buckets ?? {};
    expect(
      Object.keys(ttft)
        .map((le) => (le === "+Inf" ? Number.POSITIVE_INFINITY : Number(le)))
        .sort((a, b) => a - b),
    ).toEqual([
      0.001,
      0.005,
      0.01,
      0.02,
      0.04,
      0.06,
      0.08,
      0.1,
      0.25,
      0.5,
      0.75,
      1,
      2.5,
      5,
      7.5,
      10,
      20,
      40,
      80,
      160,
      640,
      2560,
      Number.POSITIVE_INFINITY,
    ]);
    expect(oneTwoFiveBuckets(40960)).toEqual([1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000]);
  });

  it("counts tokens, successes and prefix-cache queries and hits as requests complete", async () => {
    const messages = [
      { role: "user", content: "A shared system prompt that is long enough to fill blocks. ".repeat(8) },
    ];
    await postJson(app, "/v1/chat/completions", { messages, max_tokens: 4 });
    await postJson(app, "/v1/chat/completions", { messages, max_tokens: 4 });
    await postJson(app, "/v1/chat/completions", { ...hi, max_tokens: 1000, stop: ["."] });
    const families = await scrape();
    const promptTokens = value(families, "vllm:prompt_tokens_total");
    const queries = value(families, "vllm:prefix_cache_queries_total");
    const hits = value(families, "vllm:prefix_cache_hits_total");
    expect(promptTokens).toBe(queries);
    expect(hits).toBeGreaterThan(0);
    expect(hits).toBeLessThan(queries / 2);
    expect(value(families, "vllm:request_success_total", { finished_reason: "length" })).toBe(2);
    expect(value(families, "vllm:request_success_total", { finished_reason: "stop" })).toBe(1);
    expect(value(families, "vllm:generation_tokens_total")).toBeGreaterThanOrEqual(9);
    expect(value(families, "vllm:e2e_request_latency_seconds")).toBe(3);
    expect(value(families, "vllm:num_requests_running")).toBe(0);
    expect(value(families, "vllm:kv_cache_usage_perc")).toBe(0);
  });

  it("renders the vLLM families again only when they changed: the same text while idle, new values after a request or an override", async () => {
    const pod = testAppWithAdmin();
    const vllmFamilies = async () =>
      (await pod.app.inject({ method: "GET", url: "/metrics" })).body
        .split("\n")
        .filter((line) => !line.includes("process_"))
        .join("\n");
    const idle = await vllmFamilies();
    expect(await vllmFamilies()).toBe(idle);
    await postJson(pod.app, "/v1/chat/completions", { ...hi, max_tokens: 2 });
    const served = await vllmFamilies();
    expect(served).not.toBe(idle);
    expect(served).toContain(
      'vllm:request_success_total{model_name="Qwen/Qwen3-0.6B",engine="0",finished_reason="length"} 1',
    );
    expect(served).toMatch(/http_requests_total\{handler="\/v1\/chat\/completions",method="POST",status="2xx"\} 1/);
    await pod.admin.inject({ method: "PUT", url: "/admin/metrics", payload: { numRequestsWaiting: 7 } });
    expect(await vllmFamilies()).toContain('vllm:num_requests_waiting{model_name="Qwen/Qwen3-0.6B",engine="0"} 7');
    await Promise.all([pod.app.close(), pod.admin.close()]);
  });
});
