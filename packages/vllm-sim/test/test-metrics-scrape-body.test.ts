// The /metrics body is kept as bytes between changes: what each scrape gets must still be exactly what
// rendering the registries at that moment gives, with vLLM's headers, and still logged by uvicorn.
import { SimulatedClock } from "@testbed/common";
import { describe, expect, it } from "vitest";
import type { ModelServer } from "../src/model-server.js";
import { hi, logCollector, postJson, testAppWithAdmin } from "./server-harness.js";

/** What prom-client renders for the pod's registries now: the vLLM families, then the process collector's. */
async function freshRendering(server: ModelServer): Promise<string> {
  return `${await server.metrics.registry.metrics()}\n${await server.metrics.scrapeTimeRegistry.metrics()}`;
}

function podWithClock() {
  const clock = new SimulatedClock(Date.UTC(2026, 11, 7));
  const logs = logCollector();
  return { clock, logs, ...testAppWithAdmin({ clock, log: logs.log }) };
}

describe("the /metrics body between changes", () => {
  it("is the same bytes and headers for every scrape of an idle pod, and what a fresh rendering gives", async () => {
    const { app, admin, server } = podWithClock();
    const first = await app.inject({ method: "GET", url: "/metrics" });
    const second = await app.inject({ method: "GET", url: "/metrics" });
    expect(second.rawPayload.equals(first.rawPayload)).toBe(true);
    expect(first.body).toBe(await freshRendering(server));
    for (const response of [first, second]) {
      expect(response.statusCode).toBe(200);
      expect(response.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8");
      expect(response.headers.server).toBe("uvicorn");
      expect(response.headers["content-length"]).toBe(String(first.rawPayload.length));
      expect(response.headers["transfer-encoding"]).toBeUndefined();
    }
    await Promise.all([app.close(), admin.close()]);
  });

  it("follows an engine change, an override and a new process reading with the next scrape", async () => {
    const { app, admin, server, clock } = podWithClock();
    const scrape = async () => (await app.inject({ method: "GET", url: "/metrics" })).body;
    const idle = await scrape();

    await postJson(app, "/v1/chat/completions", { ...hi, max_tokens: 2 });
    const afterRequest = await scrape();
    expect(afterRequest).not.toBe(idle);
    expect(afterRequest).toBe(await freshRendering(server));
    expect(afterRequest).toContain('vllm:generation_tokens_total{model_name="Qwen/Qwen3-0.6B",engine="0"} 2');

    await admin.inject({ method: "PUT", url: "/admin/metrics", payload: { kvCacheUsagePerc: 0.5 } });
    const overridden = await scrape();
    expect(overridden).toContain('vllm:kv_cache_usage_perc{model_name="Qwen/Qwen3-0.6B",engine="0"} 0.5');
    expect(overridden).toBe(await freshRendering(server));

    // The process collector reads the process once a second: a scrape a second later shows a new reading.
    const processLines = (text: string) => text.split("\n").filter((line) => line.startsWith("process_"));
    clock.advance(1000);
    const later = await scrape();
    expect(later).toBe(await freshRendering(server));
    expect(processLines(later)).toHaveLength(3);
    expect(later.replace(/process_.*\n?/g, "")).toBe(overridden.replace(/process_.*\n?/g, ""));
    await Promise.all([app.close(), admin.close()]);
  });

  it("answers scrapes that arrive together with the same text, and logs each as uvicorn does", async () => {
    const { app, admin, logs } = podWithClock();
    await postJson(app, "/v1/chat/completions", { ...hi, max_tokens: 1 }); // something to render again
    const bodies = await Promise.all(
      [1, 2, 3].map(async () => (await app.inject({ method: "GET", url: "/metrics" })).body),
    );
    expect(new Set(bodies).size).toBe(1);
    expect(logs.lines.filter((line) => line.includes('"GET /metrics HTTP/1.1" 200 OK'))).toHaveLength(3);
    await Promise.all([app.close(), admin.close()]);
  });
});
