import { extendBlockHashes } from "./block-hash.js";
import type { KvBlockPool } from "./kv-block-pool.js";

/** What the cache manager needs to know about a request (its block table and progress). */
export interface KvRequestState {
  readonly tokenIds: readonly number[];
  blocks: number[];
  blockHashes: number[];
  /** How many of `blocks` have been registered in the prefix cache. */
  numCachedBlocks: number;
  numComputedTokens: number;
}

/**
 * Gives requests KV blocks, as vLLM v1's KVCacheManager: finds a request's longest cached prefix,
 * allocates the slots each step needs, registers blocks once they are full and computed, and frees
 * a request's blocks when it finishes or is preempted.
 */
export class KvCacheManager {
  constructor(
    readonly pool: KvBlockPool,
    readonly blockSize: number,
    readonly prefixCaching: boolean,
  ) {}

  /**
   * Cached blocks matching the start of a request's tokens. The last token is always recomputed
   * (it must produce logits), so at most floor((tokens − 1) / block_size) blocks can hit, and the
   * walk stops at the first miss.
   */
  findCachedPrefix(request: KvRequestState): number[] {
    if (!this.prefixCaching) return [];
    extendBlockHashes(request.blockHashes, request.tokenIds, this.blockSize);
    const maxBlocks = Math.floor((request.tokenIds.length - 1) / this.blockSize);
    const hits: number[] = [];
    for (let i = 0; i < maxBlocks; i++) {
      const block = this.pool.lookup(request.blockHashes[i] as number);
      if (block === undefined) break;
      hits.push(block);
    }
    return hits;
  }

  /** Reserve room for `numNewTokens` more tokens (after any reused prefix); false if the pool is too full. */
  allocateSlots(request: KvRequestState, numNewTokens: number, cachedPrefix: readonly number[] = []): boolean {
    const totalTokens = request.numComputedTokens + cachedPrefix.length * this.blockSize + numNewTokens;
    const needed = Math.ceil(totalTokens / this.blockSize) - request.blocks.length - cachedPrefix.length;
    let evictableHits = 0;
    for (const block of cachedPrefix) if (this.pool.refCountOf(block) === 0) evictableHits++;
    if (needed > this.pool.numFreeBlocks - evictableHits) return false;
    if (cachedPrefix.length > 0) {
      this.pool.touch(cachedPrefix);
      request.blocks.push(...cachedPrefix);
      request.numCachedBlocks = request.blocks.length;
    }
    if (needed > 0) request.blocks.push(...(this.pool.allocate(needed) as number[]));
    return true;
  }

  /** Register every block that is now full and computed, so later requests can hit it (generated tokens too). */
  cacheComputedBlocks(request: KvRequestState): void {
    if (!this.prefixCaching) return;
    const fullBlocks = Math.min(Math.floor(request.numComputedTokens / this.blockSize), request.blocks.length);
    if (fullBlocks <= request.numCachedBlocks) return;
    extendBlockHashes(request.blockHashes, request.tokenIds, this.blockSize);
    for (let i = request.numCachedBlocks; i < fullBlocks; i++) {
      this.pool.cache(request.blocks[i] as number, request.blockHashes[i] as number);
    }
    request.numCachedBlocks = fullBlocks;
  }

  free(request: KvRequestState): void {
    this.pool.free(request.blocks);
    request.blocks = [];
    request.numCachedBlocks = 0;
  }
}
