import { describe, expect, it } from "vitest";
import { KvBlockPool } from "../src/kv/kv-block-pool.js";
import { KvCacheManager } from "../src/kv/kv-cache-manager.js";
import { promptOf, request } from "./fixtures/engine.js";

function manager(numBlocks = 100, prefixCaching = true) {
  return new KvCacheManager(new KvBlockPool(numBlocks), 16, prefixCaching);
}

/** Run a request's prompt through the cache as if it had been computed, then free it. */
function computeAndFree(kv: KvCacheManager, prompt: number[]) {
  const r = request("warm", prompt);
  kv.allocateSlots(r, prompt.length);
  r.numComputedTokens = prompt.length;
  kv.cacheComputedBlocks(r);
  kv.free(r);
}

describe("prefix cache", () => {
  it("hits only full blocks, and never the prompt's last token", () => {
    const kv = manager();
    computeAndFree(kv, promptOf(64));
    // 64 tokens = 4 full blocks, but the last token must be recomputed: at most 3 blocks hit.
    expect(kv.findCachedPrefix(request("a", promptOf(64)))).toHaveLength(3);
    // 65 tokens: (65 - 1) / 16 = 4 blocks may hit.
    expect(kv.findCachedPrefix(request("b", [...promptOf(64), 7]))).toHaveLength(4);
  });

  it("stops at the first block that differs, even if later blocks match", () => {
    const kv = manager();
    computeAndFree(kv, promptOf(80));
    const prompt = promptOf(80);
    prompt[20] = 42; // second block differs
    expect(kv.findCachedPrefix(request("c", prompt))).toHaveLength(1);
  });

  it("chains hashes: an identical block after a different prefix does not hit", () => {
    const kv = manager();
    computeAndFree(kv, promptOf(48));
    const shifted = [...promptOf(16, 500), ...promptOf(32).slice(16)];
    expect(kv.findCachedPrefix(request("d", [...shifted, 1]))).toHaveLength(0);
  });

  it("caches blocks of generated tokens too", () => {
    const kv = manager();
    const r = request("gen", promptOf(10));
    kv.allocateSlots(r, 10);
    r.numComputedTokens = 10;
    r.tokenIds.push(...promptOf(22, 9000)); // 22 generated tokens: 32 in all
    kv.allocateSlots(r, 22);
    r.numComputedTokens = 32;
    kv.cacheComputedBlocks(r);
    kv.free(r);
    expect(kv.findCachedPrefix(request("follow-up", [...r.tokenIds, 1]))).toHaveLength(2);
  });

  it("does nothing when prefix caching is off (the RHOAI default)", () => {
    const kv = manager(100, false);
    computeAndFree(kv, promptOf(64));
    expect(kv.findCachedPrefix(request("e", promptOf(64)))).toHaveLength(0);
    expect(kv.pool.numCachedBlocks).toBe(0);
  });

  it("refuses an allocation that would need blocks a cache hit is about to reuse", () => {
    const kv = manager(5); // 4 usable blocks
    computeAndFree(kv, promptOf(48)); // 3 cached, free blocks
    const r = request("f", promptOf(49));
    const hits = kv.findCachedPrefix(r);
    expect(hits).toHaveLength(3);
    // 3 hits + 2 new blocks needed for 49 + 16 tokens, but only 1 block is free beyond the hits.
    expect(kv.allocateSlots(r, 17, hits)).toBe(false);
    expect(kv.allocateSlots(r, 1, hits)).toBe(true);
    expect(r.blocks).toHaveLength(4);
  });
});
