// Chained hashes over full blocks of token ids, as vLLM's prefix cache keys blocks:
// hash(parent_hash, block_token_ids). Two requests share a cached block only if every token up to
// and including that block is the same. Hashes are 53-bit integers so they can be Map keys.

/** The parent hash of a request's first block. */
export const ROOT_BLOCK_HASH = 0;

const TWO_POW_32 = 2 ** 32;

export function hashBlock(parentHash: number, tokenIds: readonly number[], start: number, end: number): number {
  let low = (parentHash % TWO_POW_32) ^ 0x9e3779b9;
  let high = Math.floor(parentHash / TWO_POW_32) ^ 0x85ebca6b;
  for (let i = start; i < end; i++) {
    const token = tokenIds[i] as number;
    low = Math.imul(low ^ token, 0x01000193);
    high = Math.imul(high ^ (token + 0x27d4eb2d), 0xcc9e2d51);
    high ^= low >>> 15;
  }
  low = Math.imul(low ^ (low >>> 16), 0x85ebca6b);
  high = Math.imul(high ^ (high >>> 13), 0xc2b2ae35);
  return (high & 0x1fffff) * TWO_POW_32 + (low >>> 0);
}

/** Extend `hashes` (one per full block so far) with the hashes of newly completed full blocks. */
export function extendBlockHashes(hashes: number[], tokenIds: readonly number[], blockSize: number): void {
  const fullBlocks = Math.floor(tokenIds.length / blockSize);
  for (let block = hashes.length; block < fullBlocks; block++) {
    const parent = block === 0 ? ROOT_BLOCK_HASH : (hashes[block - 1] as number);
    hashes.push(hashBlock(parent, tokenIds, block * blockSize, (block + 1) * blockSize));
  }
}
