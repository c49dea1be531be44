const NONE = -1;

/**
 * The GPU's KV cache as vLLM v1's BlockPool manages it: a fixed number of blocks, each with a
 * reference count; free blocks wait in an LRU queue (allocation takes from the head, freed blocks
 * go to the tail); a free block keeps its content hash, so a later request can reuse it (a prefix
 * cache hit) until allocation evicts it. Block 0 is vLLM's reserved null block and is never handed out.
 */
export class KvBlockPool {
  private readonly refCount: Int32Array;
  private readonly contentHash: Float64Array;
  private readonly prev: Int32Array;
  private readonly next: Int32Array;
  private readonly queued: Uint8Array;
  private readonly cachedBlockByHash = new Map<number, number>();
  private head = NONE;
  private tail = NONE;
  private freeCount = 0;
  /** Cached blocks whose content was dropped to make room. */
  evictions = 0;

  constructor(readonly numBlocks: number) {
    if (numBlocks < 2) throw new Error(`a KV block pool needs at least 2 blocks, got ${numBlocks}`);
    this.refCount = new Int32Array(numBlocks);
    this.contentHash = new Float64Array(numBlocks).fill(Number.NaN);
    this.prev = new Int32Array(numBlocks).fill(NONE);
    this.next = new Int32Array(numBlocks).fill(NONE);
    this.queued = new Uint8Array(numBlocks);
    for (let block = 1; block < numBlocks; block++) this.append(block);
  }

  get numFreeBlocks(): number {
    return this.freeCount;
  }

  get numCachedBlocks(): number {
    return this.cachedBlockByHash.size;
  }

  /** vLLM's kv_cache_usage_perc: cached blocks nobody uses count as free. */
  usage(): number {
    return 1 - this.freeCount / (this.numBlocks - 1);
  }

  /** The block holding this content, if it is still cached. */
  lookup(hash: number): number | undefined {
    return this.cachedBlockByHash.get(hash);
  }

  refCountOf(block: number): number {
    return this.refCount[block] as number;
  }

  /** Take a reference on cached blocks a request reuses; a free one leaves the free queue. */
  touch(blocks: readonly number[]): void {
    for (const block of blocks) {
      if (this.refCount[block] === 0) this.unlink(block);
      this.refCount[block] = (this.refCount[block] as number) + 1;
    }
  }

  /** Allocate `count` fresh blocks from the LRU head, evicting cached content; null if too few are free. */
  allocate(count: number): number[] | null {
    if (count > this.freeCount) return null;
    const blocks: number[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const block = this.head;
      this.unlink(block);
      this.evict(block);
      this.refCount[block] = 1;
      blocks[i] = block;
    }
    return blocks;
  }

  /**
   * Drop a request's references. Blocks are queued tail-first (vLLM frees in reverse), so a
   * request's last blocks — the least likely to be shared — are evicted before its prefix.
   */
  free(blocks: readonly number[]): void {
    for (let i = blocks.length - 1; i >= 0; i--) {
      const block = blocks[i] as number;
      const count = (this.refCount[block] as number) - 1;
      this.refCount[block] = count;
      if (count === 0) this.append(block);
    }
  }

  /** Register a full block's content. If identical content is already cached, the first copy stays the cached one. */
  cache(block: number, hash: number): void {
    if (this.cachedBlockByHash.has(hash) || !Number.isNaN(this.contentHash[block] as number)) return;
    this.contentHash[block] = hash;
    this.cachedBlockByHash.set(hash, block);
  }

  /** Forget every cached hash (vLLM's reset_prefix_cache); only possible when no block is in use. */
  resetPrefixCache(): boolean {
    if (this.freeCount !== this.numBlocks - 1) return false;
    for (const block of this.cachedBlockByHash.values()) this.contentHash[block] = Number.NaN;
    this.cachedBlockByHash.clear();
    return true;
  }

  private evict(block: number): void {
    const hash = this.contentHash[block] as number;
    if (Number.isNaN(hash)) return;
    this.cachedBlockByHash.delete(hash);
    this.contentHash[block] = Number.NaN;
    this.evictions++;
  }

  private append(block: number): void {
    this.prev[block] = this.tail;
    this.next[block] = NONE;
    if (this.tail === NONE) this.head = block;
    else this.next[this.tail] = block;
    this.tail = block;
    this.queued[block] = 1;
    this.freeCount++;
  }

  private unlink(block: number): void {
    if (this.queued[block] === 0) return;
    const before = this.prev[block] as number;
    const after = this.next[block] as number;
    if (before === NONE) this.head = after;
    else this.next[before] = after;
    if (after === NONE) this.tail = before;
    else this.prev[after] = before;
    this.prev[block] = NONE;
    this.next[block] = NONE;
    this.queued[block] = 0;
    this.freeCount--;
  }
}
