/**
 * A small seeded PRNG (mulberry32) and a mix of integers into its seed, so every prompt is a pure
 * function of (seed, stream, index) and runs are reproducible across machines.
 */
export type Random = () => number;

export function seededRandom(...parts: number[]): Random {
  let state = mixSeed(parts);
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** FNV-1a over the parts' 32-bit halves: distinct (seed, index) pairs get unrelated streams. */
function mixSeed(parts: number[]): number {
  let hash = 0x811c9dc5;
  for (const part of parts) {
    const low = part >>> 0;
    const high = Math.floor(part / 4_294_967_296) >>> 0;
    for (const word of [low, high]) {
      for (let shift = 0; shift < 32; shift += 8) {
        hash ^= (word >>> shift) & 0xff;
        hash = Math.imul(hash, 0x01000193);
      }
    }
  }
  return hash >>> 0;
}
