/**
 * Which endpoint has probably cached which prefix blocks: one LRU of block hashes per endpoint
 * (capacity lruCapacityPerServer), plus a reverse map hash → endpoints for matching. Endpoints are
 * numbered inside the index, so matching counts into an array instead of a map keyed by "ip:port":
 * the walk is blocks × holders (as GIE's matchLongestPrefix), and with 64 pods holding a long
 * prompt that is a thousand increments per request. A removed endpoint's number is reused by the
 * next new one, so a pool whose pods come and go keeps as many numbers as it held endpoints at once.
 */
export class PrefixIndex {
  private readonly perEndpoint = new Map<string, Map<number, true>>();
  private readonly endpointsByHash = new Map<number, Set<number>>();
  /** Endpoint "ip:port" → its number here, and back. */
  private readonly numbers = new Map<string, number>();
  private readonly names: string[] = [];
  /** Numbers of removed endpoints, which no holder set refers to any more: reused before new ones. */
  private readonly freeNumbers: number[] = [];

  constructor(private readonly capacityPerEndpoint: number) {}

  /** Distinct blocks held by any endpoint (the real EPP's indexer size). */
  get size(): number {
    return this.endpointsByHash.size;
  }

  /** Endpoint numbers in use or free for reuse: the most endpoints held at once, not every one ever seen. */
  get numberedEndpoints(): number {
    return this.names.length;
  }

  /**
   * For each endpoint, how many of the request's blocks it holds, walking the blocks in order and
   * stopping at the first block no endpoint has. Endpoints appear in the order the walk met them.
   */
  match(hashes: readonly number[]): Map<string, number> {
    const counts = new Array<number>(this.names.length).fill(0);
    const met: number[] = [];
    for (const hash of hashes) {
      const holders = this.endpointsByHash.get(hash);
      if (!holders || holders.size === 0) break;
      for (const endpoint of holders) {
        if (counts[endpoint] === 0) met.push(endpoint);
        counts[endpoint] = (counts[endpoint] as number) + 1;
      }
    }
    const matched = new Map<string, number>();
    for (const endpoint of met) matched.set(this.names[endpoint] as string, counts[endpoint] as number);
    return matched;
  }

  /** Record that `endpoint` now holds these blocks (most recently used). */
  add(endpoint: string, hashes: readonly number[]): void {
    let lru = this.perEndpoint.get(endpoint);
    if (!lru) {
      lru = new Map();
      this.perEndpoint.set(endpoint, lru);
    }
    const number = this.numberOf(endpoint);
    for (const hash of hashes) {
      lru.delete(hash);
      lru.set(hash, true);
      let holders = this.endpointsByHash.get(hash);
      if (!holders) {
        holders = new Set();
        this.endpointsByHash.set(hash, holders);
      }
      holders.add(number);
    }
    while (lru.size > this.capacityPerEndpoint) {
      const oldest = lru.keys().next().value as number;
      lru.delete(oldest);
      this.forget(oldest, number);
    }
  }

  /**
   * Drop an endpoint that left the pool. Its number is held only by the holder sets of the blocks in
   * its LRU, so once those are forgotten nothing refers to it and the next new endpoint may take it.
   */
  removeEndpoint(endpoint: string): void {
    const lru = this.perEndpoint.get(endpoint);
    if (!lru) return;
    const number = this.numberOf(endpoint);
    for (const hash of lru.keys()) this.forget(hash, number);
    this.perEndpoint.delete(endpoint);
    this.numbers.delete(endpoint);
    this.freeNumbers.push(number);
  }

  private numberOf(endpoint: string): number {
    let number = this.numbers.get(endpoint);
    if (number === undefined) {
      number = this.freeNumbers.pop() ?? this.names.length;
      this.names[number] = endpoint;
      this.numbers.set(endpoint, number);
    }
    return number;
  }

  private forget(hash: number, endpoint: number): void {
    const holders = this.endpointsByHash.get(hash);
    holders?.delete(endpoint);
    if (holders?.size === 0) this.endpointsByHash.delete(hash);
  }
}
