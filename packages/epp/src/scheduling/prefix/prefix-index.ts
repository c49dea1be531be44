/**
 * Which endpoint has probably cached which prefix blocks: one LRU of block hashes per endpoint
 * (capacity lruCapacityPerServer), plus a reverse map hash → endpoints for matching.
 */
export class PrefixIndex {
  private readonly perEndpoint = new Map<string, Map<number, true>>();
  private readonly endpointsByHash = new Map<number, Set<string>>();

  constructor(private readonly capacityPerEndpoint: number) {}

  /** Distinct blocks held by any endpoint (the real EPP's indexer size). */
  get size(): number {
    return this.endpointsByHash.size;
  }

  /**
   * For each endpoint, how many of the request's blocks it holds, walking the blocks in order and
   * stopping at the first block no endpoint has.
   */
  match(hashes: readonly number[]): Map<string, number> {
    const matched = new Map<string, number>();
    for (const hash of hashes) {
      const holders = this.endpointsByHash.get(hash);
      if (!holders || holders.size === 0) break;
      for (const endpoint of holders) matched.set(endpoint, (matched.get(endpoint) ?? 0) + 1);
    }
    return matched;
  }

  /** Record that `endpoint` now holds these blocks (most recently used). */
  add(endpoint: string, hashes: readonly number[]): void {
    let lru = this.perEndpoint.get(endpoint);
    if (!lru) {
      lru = new Map();
      this.perEndpoint.set(endpoint, lru);
    }
    for (const hash of hashes) {
      lru.delete(hash);
      lru.set(hash, true);
      let holders = this.endpointsByHash.get(hash);
      if (!holders) {
        holders = new Set();
        this.endpointsByHash.set(hash, holders);
      }
      holders.add(endpoint);
    }
    while (lru.size > this.capacityPerEndpoint) {
      const oldest = lru.keys().next().value as number;
      lru.delete(oldest);
      this.forget(oldest, endpoint);
    }
  }

  /** Drop an endpoint that left the pool. */
  removeEndpoint(endpoint: string): void {
    const lru = this.perEndpoint.get(endpoint);
    if (!lru) return;
    for (const hash of lru.keys()) this.forget(hash, endpoint);
    this.perEndpoint.delete(endpoint);
  }

  private forget(hash: number, endpoint: string): void {
    const holders = this.endpointsByHash.get(hash);
    holders?.delete(endpoint);
    if (holders?.size === 0) this.endpointsByHash.delete(hash);
  }
}
