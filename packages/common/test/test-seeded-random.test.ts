import { describe, expect, it } from "vitest";
import { hashString, mixSeeds, SeededRandom } from "../src/random.js";

describe("SeededRandom", () => {
  it("repeats the same sequence for the same seed and differs for another", () => {
    const a = new SeededRandom(7);
    const b = new SeededRandom(7);
    const c = new SeededRandom(8);
    const seq = (r: SeededRandom) => Array.from({ length: 5 }, () => r.next());
    const first = seq(a);
    expect(seq(b)).toEqual(first);
    expect(seq(c)).not.toEqual(first);
    for (const value of first) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
    }
  });

  it("spreads integers over the whole range", () => {
    const random = new SeededRandom(1);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[random.int(4)]! += 1;
    for (const count of counts) expect(count).toBeGreaterThan(850);
  });

  it("derives stable seeds from names and numbers", () => {
    expect(hashString("qwen3-0-6b")).toBe(hashString("qwen3-0-6b"));
    expect(hashString("a")).not.toBe(hashString("b"));
    expect(mixSeeds(1, 2)).not.toBe(mixSeeds(2, 1));
  });
});
