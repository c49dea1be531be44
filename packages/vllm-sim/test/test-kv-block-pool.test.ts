import { describe, expect, it } from "vitest";
import { KvBlockPool } from "../src/kv/kv-block-pool.js";

describe("KV block pool", () => {
  it("reserves block 0 as vLLM's null block and counts usage over the rest", () => {
    const pool = new KvBlockPool(11);
    expect(pool.numFreeBlocks).toBe(10);
    const blocks = pool.allocate(5);
    expect(blocks).not.toContain(0);
    expect(pool.usage()).toBeCloseTo(0.5);
    expect(pool.allocate(6)).toBeNull();
  });

  it("allocates from the head of the free queue and frees a request's blocks tail-first", () => {
    const pool = new KvBlockPool(7);
    const request = pool.allocate(3) as number[];
    expect(request).toEqual([1, 2, 3]);
    pool.free(request);
    // Remaining never-used blocks come first, then the freed ones in reverse (3, 2, 1).
    expect(pool.allocate(6)).toEqual([4, 5, 6, 3, 2, 1]);
  });

  it("keeps a freed block's content cached until allocation evicts it (LRU)", () => {
    const pool = new KvBlockPool(4);
    const [a, b, c] = pool.allocate(3) as number[];
    pool.cache(a as number, 111);
    pool.cache(b as number, 222);
    pool.cache(c as number, 333);
    pool.free([a as number, b as number, c as number]);
    expect(pool.usage()).toBe(0);
    expect(pool.lookup(111)).toBe(a);
    pool.allocate(1); // evicts the least recently freed: c (freed first, being the request's last block)
    expect(pool.lookup(333)).toBeUndefined();
    expect(pool.lookup(111)).toBe(a);
    expect(pool.evictions).toBe(1);
  });

  it("takes a cache hit out of the free queue so it cannot be evicted while in use", () => {
    const pool = new KvBlockPool(3);
    const [a, b] = pool.allocate(2) as number[];
    pool.cache(a as number, 7);
    pool.free([a as number, b as number]);
    pool.touch([a as number]);
    expect(pool.numFreeBlocks).toBe(1);
    expect(pool.allocate(1)).toEqual([b]);
    expect(pool.allocate(1)).toBeNull();
    expect(pool.lookup(7)).toBe(a);
  });

  it("counts shared blocks once and frees them only when the last user lets go", () => {
    const pool = new KvBlockPool(3);
    const [a] = pool.allocate(1) as number[];
    pool.touch([a as number]);
    pool.free([a as number]);
    expect(pool.numFreeBlocks).toBe(1);
    pool.free([a as number]);
    expect(pool.numFreeBlocks).toBe(2);
  });

  it("resets the prefix cache only when nothing is in use", () => {
    const pool = new KvBlockPool(3);
    const [a] = pool.allocate(1) as number[];
    pool.cache(a as number, 9);
    expect(pool.resetPrefixCache()).toBe(false);
    pool.free([a as number]);
    expect(pool.resetPrefixCache()).toBe(true);
    expect(pool.lookup(9)).toBeUndefined();
  });
});
