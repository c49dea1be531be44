import { describe, expect, it } from "vitest";
import { NO_OBSERVER } from "../src/engine/engine-observer.js";
import type { EngineRequest } from "../src/engine/engine-request.js";
import { Scheduler } from "../src/engine/scheduler.js";
import { KvBlockPool } from "../src/kv/kv-block-pool.js";
import { KvCacheManager } from "../src/kv/kv-cache-manager.js";
import { promptOf, request } from "./fixtures/engine.js";

function scheduler(limits: { maxNumSeqs?: number; maxNumBatchedTokens?: number; numBlocks?: number } = {}) {
  const kv = new KvCacheManager(new KvBlockPool(limits.numBlocks ?? 1000), 16, false);
  const preempted: EngineRequest[] = [];
  const observer = { ...NO_OBSERVER, onPreemption: (r: EngineRequest) => preempted.push(r) };
  const s = new Scheduler(
    { maxNumSeqs: limits.maxNumSeqs ?? 256, maxNumBatchedTokens: limits.maxNumBatchedTokens ?? 2048 },
    kv,
    observer,
    () => 0,
  );
  return { s, kv, preempted };
}

/** Apply a step's results the way the engine does: computed tokens advance, caught-up requests get a token. */
function applyStep(work: ReturnType<Scheduler["schedule"]>) {
  for (const { request: r, numTokens } of work) {
    r.numComputedTokens += numTokens;
    if (r.numComputedTokens >= r.tokenIds.length) {
      if (r.phase === "prefilling") r.lifecycle.send({ type: "FIRST_TOKEN" });
      r.tokenIds.push(7);
    }
  }
}

describe("scheduler (continuous batching)", () => {
  it("splits a long prompt into chunks that fit the per-step token budget", () => {
    const { s } = scheduler();
    const long = request("long", promptOf(5000));
    s.waiting.push(long);
    const steps: number[] = [];
    for (let i = 0; i < 3; i++) {
      const work = s.schedule(i);
      steps.push(work[0]?.numTokens ?? 0);
      applyStep(work);
    }
    expect(steps).toEqual([2048, 2048, 904]);
    expect(long.numOutputTokens).toBe(1);
  });

  it("shares the budget: decodes take one token each, then waiting prompts fill what is left", () => {
    const { s } = scheduler({ maxNumBatchedTokens: 100 });
    const a = request("a", promptOf(40));
    const b = request("b", promptOf(40, 100));
    s.waiting.push(a, b);
    applyStep(s.schedule(0)); // both prefills fit: 80 tokens
    const c = request("c", promptOf(500, 200));
    s.waiting.push(c);
    const work = s.schedule(1);
    expect(work.map((w) => [w.request.id, w.numTokens])).toEqual([
      ["a", 1],
      ["b", 1],
      ["c", 98],
    ]);
  });

  it("never runs more than max_num_seqs requests at once", () => {
    const { s } = scheduler({ maxNumSeqs: 3 });
    for (let i = 0; i < 5; i++) s.waiting.push(request(`r${i}`, promptOf(10, i * 50)));
    const work = s.schedule(0);
    expect(work).toHaveLength(3);
    expect(s.running).toHaveLength(3);
    expect(s.waiting.map((r) => r.id)).toEqual(["r3", "r4"]);
  });

  it("preempts the newest running request when the KV cache runs out, and recomputes it later", () => {
    // 8 usable blocks = 128 tokens. Two 60-token prompts take 4 blocks each.
    const { s, kv, preempted } = scheduler({ numBlocks: 9 });
    const older = request("older", promptOf(60));
    const newer = request("newer", promptOf(60, 100));
    s.waiting.push(older, newer);
    applyStep(s.schedule(0));
    expect(kv.pool.numFreeBlocks).toBe(0);
    // After four decode steps each holds 64 computed tokens; the 65th needs a 5th block.
    for (let i = 0; i < 4; i++) applyStep(s.schedule(1 + i));
    const work = s.schedule(10);
    expect(preempted.map((r) => r.id)).toEqual(["newer"]);
    expect(newer.phase).toBe("waiting");
    expect(newer.numComputedTokens).toBe(0);
    expect(s.waiting[0]).toBe(newer);
    expect(work.map((w) => w.request.id)).toEqual(["older"]);
    expect(newer.times.queuedSince).toBe(10);
  });

  it("admits nothing new in a step that had to preempt", () => {
    const { s, preempted } = scheduler({ numBlocks: 9 });
    s.waiting.push(request("a", promptOf(60)), request("b", promptOf(60, 100)));
    applyStep(s.schedule(0));
    for (let i = 0; i < 4; i++) applyStep(s.schedule(1 + i));
    s.waiting.push(request("tiny", promptOf(1, 900)));
    const work = s.schedule(5);
    expect(preempted).toHaveLength(1);
    expect(work.map((w) => w.request.id)).not.toContain("tiny");
  });
});
