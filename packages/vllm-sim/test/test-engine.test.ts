import { describe, expect, it } from "vitest";
import type { EngineRequest } from "../src/engine/engine-request.js";
import { RequestLifecycle } from "../src/engine/request-lifecycle.js";
import { promptOf, spec, t4Timing, testEngine, until } from "./fixtures/engine.js";

describe("engine core", () => {
  it("at time scale 1 takes the roofline's time on the injected clock: TTFT is the prefill step", () => {
    const { engine, clock } = testEngine({ timeScale: 1 });
    const { spec: s, record } = spec("r", promptOf(100), 3);
    const request = engine.add(s);
    const prefill = t4Timing.stepSeconds([{ numTokens: 100, numContextTokens: 0 }]);
    return until(() => clock.pendingTimers > 0).then(() => {
      clock.advance(prefill * 1000 - 0.01);
      expect(record.tokens).toHaveLength(0);
      clock.advance(0.02);
      expect(record.tokens).toHaveLength(1);
      expect(request.times.firstToken).toBeCloseTo(prefill, 6);
    });
  });

  it("models a T4 decode step of Qwen3-0.6B at batch 1 as ≈3.7 ms of memory time plus step overhead", () => {
    const step = t4Timing.stepSeconds([{ numTokens: 1, numContextTokens: 100 }]);
    expect(step - 0.003).toBeGreaterThan(0.0036);
    expect(step - 0.003).toBeLessThan(0.0039);
    // A 2048-token prefill is compute-bound and much slower than a decode step.
    expect(t4Timing.stepSeconds([{ numTokens: 2048, numContextTokens: 0 }])).toBeGreaterThan(10 * step);
  });

  it("at time scale 0 still reports modelled time: many requests finish with the planned tokens", async () => {
    const { engine, pool } = testEngine();
    const records = Array.from({ length: 20 }, (_, i) => spec(`r${i}`, promptOf(50, i * 100), 8));
    const requests = records.map(({ spec: s }) => engine.add(s));
    await until(() => records.every(({ record }) => record.finished));
    for (const { record } of records) expect(record.tokens).toEqual([500, 501, 502, 503, 504, 505, 506, 507]);
    expect(requests.every((r) => r.finishReason === "length")).toBe(true);
    expect(engine.time.now()).toBeGreaterThan(0);
    expect(pool.usage()).toBe(0);
  });

  it("finishes on EOS with reason stop, and ignores EOS when ignore_eos is set", async () => {
    const { engine } = testEngine();
    const eos = spec("eos", promptOf(10), 5, { plannedOutput: [11, 12, 151645, 13, 14] });
    const ignoring = spec("ignore", promptOf(10, 50), 5, { plannedOutput: [11, 12, 151645, 13, 14], ignoreEos: true });
    const a = engine.add(eos.spec);
    const b = engine.add(ignoring.spec);
    await until(() => eos.record.finished && ignoring.record.finished);
    expect(a.finishReason).toBe("stop");
    expect(eos.record.tokens).toEqual([11, 12, 151645]);
    expect(b.finishReason).toBe("length");
    expect(ignoring.record.tokens).toHaveLength(5);
  });

  it("aborting a running request frees its blocks and finishes it with reason abort", async () => {
    const { engine, pool } = testEngine();
    const { spec: s, record } = spec("gone", promptOf(200), 1000);
    const request = engine.add(s);
    await until(() => record.tokens.length >= 2);
    expect(pool.usage()).toBeGreaterThan(0);
    engine.abort(request);
    expect(request.finishReason).toBe("abort");
    expect(record.finished).toBe(true);
    expect(pool.usage()).toBe(0);
    expect(engine.numRunning).toBe(0);
  });

  it("prefix caching makes a repeated prompt hit its cached blocks on the second request", async () => {
    const lookups: Array<[number, number]> = [];
    const observer = {
      onStep() {},
      onPreemption() {},
      onToken() {},
      onFinish() {},
      onPrefixCacheLookup: (queried: number, hits: number) => lookups.push([queried, hits]),
    };
    const { engine } = testEngine({ prefixCaching: true }, observer);
    const first = spec("first", promptOf(100), 2);
    engine.add(first.spec);
    await until(() => first.record.finished);
    const second = spec("second", promptOf(100), 2);
    const request = engine.add(second.spec);
    await until(() => second.record.finished);
    expect(lookups).toEqual([
      [100, 0],
      [100, 96],
    ]);
    expect(request.numCachedPromptTokens).toBe(96);
  });

  it("keeps generating under KV pressure by preempting and recomputing, without losing tokens", async () => {
    const preemptions: EngineRequest[] = [];
    const observer = {
      onStep() {},
      onToken() {},
      onFinish() {},
      onPrefixCacheLookup() {},
      onPreemption: (r: EngineRequest) => preemptions.push(r),
    };
    // 40 usable blocks = 640 tokens for four requests that each grow to 200 tokens.
    const { engine } = testEngine({ numBlocks: 41, prefixCaching: false }, observer);
    const records = Array.from({ length: 4 }, (_, i) => spec(`r${i}`, promptOf(100, i * 1000), 100));
    for (const { spec: s } of records) engine.add(s);
    await until(() => records.every(({ record }) => record.finished));
    expect(preemptions.length).toBeGreaterThan(0);
    for (const { record } of records) expect(record.tokens).toEqual(Array.from({ length: 100 }, (_, i) => 500 + i));
  });

  it("serves a disaggregated decode: the prompt's KV arrives remotely, then one token is recomputed locally", async () => {
    const { engine } = testEngine();
    const { spec: s, record } = spec("pd", promptOf(1000), 3, { remotePrefill: true });
    const request = engine.add(s);
    await until(() => record.finished);
    // 999 tokens transferred at 1e-5 s each plus 1 ms, then a single-token step: far less than a 1000-token prefill.
    const transfer = 0.001 + 999 * 1e-5;
    const localPrefill = t4Timing.stepSeconds([{ numTokens: 1000, numContextTokens: 0 }]);
    const ttft = (request.times.firstToken as number) - request.times.arrival;
    expect(ttft).toBeGreaterThan(transfer);
    expect(ttft).toBeLessThan(localPrefill);
  });

  it("a prefill-side request (max_tokens 1 from the sidecar) finishes with length, as vLLM's NixlConnector does", async () => {
    const { engine } = testEngine();
    const { spec: s, record } = spec("prefill", promptOf(64), 1, { remoteDecode: true });
    const request = engine.add(s);
    await until(() => record.finished);
    expect(record.tokens).toHaveLength(1);
    expect(request.finishReason).toBe("length");
  });
});

describe("request lifecycle", () => {
  it("moves waiting → prefilling → decoding → finished", () => {
    const lifecycle = new RequestLifecycle();
    lifecycle.send({ type: "SCHEDULE" });
    lifecycle.send({ type: "FIRST_TOKEN" });
    expect(lifecycle.phase).toBe("decoding");
    lifecycle.send({ type: "FINISH" });
    expect(lifecycle.phase).toBe("finished");
    expect(lifecycle.done).toBe(true);
  });

  it("refuses impossible moves loudly, such as finishing a request that never ran", () => {
    const lifecycle = new RequestLifecycle();
    expect(() => lifecycle.send({ type: "FINISH" })).toThrow(/FINISH is not allowed while waiting/);
    lifecycle.send({ type: "ABORT" });
    expect(() => lifecycle.send({ type: "SCHEDULE" })).toThrow(/not allowed while aborted/);
  });

  it("sends a preempted request back to waiting", () => {
    const lifecycle = new RequestLifecycle();
    lifecycle.send({ type: "SCHEDULE" });
    lifecycle.send({ type: "PREEMPT" });
    expect(lifecycle.phase).toBe("waiting");
  });
});
