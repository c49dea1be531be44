import { afterAll, describe, expect, it } from "vitest";
import { hi, postJson, testApp, testAppWithAdmin } from "./server-harness.js";

describe("fault injection and metric steering (admin API)", () => {
  const { app, admin } = testAppWithAdmin();
  afterAll(() => Promise.all([app.close(), admin.close()]));
  const put = (url: string, body: unknown) => admin.inject({ method: "PUT", url, payload: body as object });

  it("fails exactly the next N requests with the chosen error, then recovers", async () => {
    await put("/admin/faults", { next: { count: 2, type: "rate_limit" } });
    const statuses = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await postJson(app, "/v1/chat/completions", { ...hi, max_tokens: 1 })).statusCode);
    expect(statuses).toEqual([429, 429, 200, 200]);
    const faults = (await admin.inject({ method: "GET", url: "/admin/faults" })).json();
    expect(faults.injected).toEqual({ rate_limit: 2 });
  });

  it("answers injected errors in the OpenAI shape", async () => {
    await put("/admin/faults", { next: { count: 1, type: "server_error" } });
    const response = await postJson(app, "/v1/chat/completions", hi);
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ error: { type: "InternalServerError", code: 503 } });
  });

  it("fails the same requests for the same seed when failing at a rate", async () => {
    const run = async () => {
      const pod = testApp({ seed: 42, failureInjectionRate: 50, failureTypes: ["server_error"] });
      const statuses = [];
      for (let i = 0; i < 20; i++)
        statuses.push((await postJson(pod.app, "/v1/chat/completions", { ...hi, max_tokens: 1 })).statusCode);
      await pod.app.close();
      return statuses;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    const failed = first.filter((s) => s === 503).length;
    expect(failed).toBeGreaterThan(3);
    expect(failed).toBeLessThan(17);
  });

  it("cuts a stream after the configured number of tokens (a pod dying mid-stream)", async () => {
    await put("/admin/faults", { next: { count: 1, type: "stream_abort" }, abortAfterTokens: 2 });
    const pod = await app.listen({ port: 0, host: "127.0.0.1" });
    const response = await fetch(`${pod}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...hi, max_tokens: 50, stream: true, ignore_eos: true }),
    });
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
  });

  it("refuses bad admin input with a clear 400", async () => {
    const response = await put("/admin/faults", { next: { count: 1, type: "meteor_strike" } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toMatch(/next must be/);
    expect((await put("/admin/metrics", { kvCacheUsagePerc: 3 })).statusCode).toBe(400);
  });

  it("forces the gauges the EPP scrapes, and releases them", async () => {
    await put("/admin/metrics", { numRequestsWaiting: 12, kvCacheUsagePerc: 0.75 });
    let metrics = (await app.inject({ method: "GET", url: "/metrics" })).body;
    expect(metrics).toContain('vllm:num_requests_waiting{model_name="Qwen/Qwen3-0.6B",engine="0"} 12');
    expect(metrics).toContain('vllm:kv_cache_usage_perc{model_name="Qwen/Qwen3-0.6B",engine="0"} 0.75');
    await admin.inject({ method: "DELETE", url: "/admin/metrics" });
    metrics = (await app.inject({ method: "GET", url: "/metrics" })).body;
    expect(metrics).toContain('vllm:num_requests_waiting{model_name="Qwen/Qwen3-0.6B",engine="0"} 0');
  });
});
