// One simulated vLLM pod with prefix caching, answering as fast as it can (timeScale 0).
import { silentSink } from "@testbed/common";
import { startVllmSim, type VllmSimHandle } from "@testbed/vllm-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPrompt, formatReport, measureTargets, type PodTarget, runLoad, type Workload } from "../src/index.js";

let pod: VllmSimHandle;
let chatUrl = "";
let target: PodTarget;

beforeAll(async () => {
  pod = await startVllmSim({ port: 0, adminPort: 0, timeScale: 0, log: silentSink, enablePrefixCaching: true });
  chatUrl = `${pod.url}/v1/chat/completions`;
  target = { pod: "vllm-0", role: "decode", url: pod.url };
});
afterAll(async () => {
  await pod?.close();
});

const random: Workload = { type: "random", promptTokens: 64, outputTokens: 6 };

describe("runLoad against a vllm-sim pod", () => {
  it("a stream the pod cuts mid-answer keeps its 200 and says where it stopped", async () => {
    const armed = await fetch(`${pod.adminUrl}/admin/faults`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ next: { count: 1, type: "stream_abort" }, abortAfterTokens: 2 }),
    });
    expect(armed.status).toBeLessThan(300);
    const { records } = await runLoad({ url: chatUrl, requests: 2, stream: true, workload: random });
    expect(records[0]?.status).toBe(200);
    expect(records[0]?.error).toMatch(/^stream cut after [12] token frames/);
    expect(records[0]?.ttftMs).toBeDefined();
    expect(records[1]?.error).toBeUndefined();
  });

  it("closed loop: every request answers 200 with exactly outputTokens tokens, records in index order", async () => {
    const progress: number[] = [];
    const { records, summary } = await runLoad({
      url: chatUrl,
      requests: 10,
      concurrency: 3,
      workload: random,
      onProgress: (done) => progress.push(done),
    });
    expect(summary.byStatus).toEqual({ "200": 10 });
    expect(records.map((record) => record.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(records.every((record) => record.completionTokens === 6)).toBe(true);
    // 64 content tokens plus the chat template's own tokens.
    expect(records[0]?.promptTokens).toBeGreaterThan(64);
    expect(records[0]?.promptTokens).toBeLessThan(64 + 20);
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(summary.wall.ttft).toBeUndefined();
    expect(summary.throughEppShare).toBe(0);
    expect(summary.outputTokensPerSecond).toBeGreaterThan(0);
  });

  it("the same seed sends the same prompts: the same prompt token counts come back", async () => {
    const run = async (seed: number) =>
      (
        await runLoad({
          url: chatUrl,
          requests: 3,
          seed,
          workload: { type: "random", promptTokens: 50, outputTokens: 2 },
        })
      ).records;
    const first = await run(5);
    const again = await run(5);
    expect(again.map((r) => r.promptTokens)).toEqual(first.map((r) => r.promptTokens));
    expect(buildPrompt(random, 5, 0)).not.toBe(buildPrompt(random, 6, 0));
  });

  it("streaming: TTFT for every request and one ITL gap per further token", async () => {
    const { records, summary } = await runLoad({ url: chatUrl, requests: 4, stream: true, workload: random });
    expect(summary.byStatus).toEqual({ "200": 4 });
    for (const record of records) {
      expect(record.ttftMs).toBeGreaterThanOrEqual(0);
      expect(record.itlMs).toHaveLength(5);
      expect(record.completionTokens).toBe(6);
    }
    expect(summary.wall.ttft).toBeDefined();
    expect(summary.wall.itl).toBeDefined();
  });

  it("open loop: a rate sends every request and counts them", async () => {
    const { summary } = await runLoad({ url: chatUrl, requests: 8, rate: 200, workload: random });
    expect(summary.byStatus).toEqual({ "200": 8 });
    expect(summary.total).toBe(8);
  });

  it("counts errors by status: a model the server does not serve is 404 with vLLM's message", async () => {
    const { records, summary } = await runLoad({ url: chatUrl, model: "no-such-model", requests: 3, workload: random });
    expect(summary.byStatus).toEqual({ "404": 3 });
    expect(records[0]?.error).toContain("no-such-model");
    expect(summary.errors?.["404"]).toContain("does not exist");
    expect(formatReport(summary, undefined)).toContain("Error 404:");
  });

  it("a refused connection is status 0 with the reason", async () => {
    const { summary } = await runLoad({ url: "http://127.0.0.1:1/v1/chat/completions", requests: 2, workload: random });
    expect(summary.byStatus).toEqual({ "0": 2 });
    expect(summary.errors?.["0"]).toContain("ECONNREFUSED");
  });

  it("shared prefix: the pod's prefix cache hits on the shared system prompt after the first request", async () => {
    const workload: Workload = { type: "shared-prefix", prefixTokens: 256, suffixTokens: 32, outputTokens: 4 };
    let summary: Awaited<ReturnType<typeof runLoad>>["summary"] | undefined;
    const cluster = await measureTargets([target], async () => {
      summary = (await runLoad({ url: chatUrl, requests: 6, workload, seed: 42 })).summary;
    });
    expect(cluster.pods).toHaveLength(1);
    expect(cluster.pods[0]?.requests).toBe(6);
    // Requests 2..6 reuse at least the 256-token system prompt (whole 16-token blocks of it).
    expect(cluster.pods[0]?.prefixHits).toBeGreaterThanOrEqual(5 * 256);
    expect(cluster.cacheHitRate).toBeGreaterThan(0.6);
    expect(cluster.simulated?.e2e).toBeDefined();

    const report = formatReport(summary!, cluster);
    expect(report).toContain("Requests:    6 (200: 6)");
    expect(report).toMatch(/decode\s+6\s+100%/);
    expect(report).toMatch(/vllm-0\s+6\s+100%/);
    expect(report).toContain(`Prefix-cache hit rate: ${(cluster.cacheHitRate! * 100).toFixed(1)}%`);
    expect(report).toContain("E2E   simulated");
  });

  it("random prompts share nothing but the chat template: a low hit rate", async () => {
    const cluster = await measureTargets([target], () =>
      runLoad({ url: chatUrl, requests: 4, seed: 9, workload: { type: "random", promptTokens: 256, outputTokens: 2 } }),
    );
    expect(cluster.pods[0]?.requests).toBe(4);
    expect(cluster.cacheHitRate).toBeLessThan(0.1);
  });
});
