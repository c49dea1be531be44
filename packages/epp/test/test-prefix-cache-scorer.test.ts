import { SeededRandom } from "@testbed/common";
import { describe, expect, it } from "vitest";
import { hostPort } from "../src/datastore/endpoint.js";
import { CycleState, type SchedulingResult } from "../src/scheduling/framework.js";
import type { PrefixCacheScorer } from "../src/scheduling/plugins/prefix-cache-scorer.js";
import { prefixHashes, prefixText } from "../src/scheduling/prefix/prefix-hashes.js";
import { PrefixIndex } from "../src/scheduling/prefix/prefix-index.js";
import { chatRequest, endpoint, load } from "./scheduling-builders.js";

describe("approximate prefix index", () => {
  it("hashes Go's json.Marshal of the chat messages, escaping <, > and &", () => {
    expect(prefixText({ messages: [{ role: "user", content: "a<b>&c" }] })).toBe(
      '[{"role":"user","content":"a\\u003cb\\u003e\\u0026c"}]',
    );
    expect(prefixText({ prompt: "Hello world" })).toBe("Hello world");
  });

  it("chains block hashes from the model: same text under another model, or after another block, differs", () => {
    const text = "x".repeat(64 * 3 + 10);
    const a = prefixHashes("m1", text, 64, 256);
    expect(a).toHaveLength(3);
    expect(prefixHashes("m2", text, 64, 256)[0]).not.toBe(a[0]);
    expect(prefixHashes("m1", `y${text.slice(1)}`, 64, 256)[2]).not.toBe(a[2]);
    expect(prefixHashes("m1", text, 64, 2)).toEqual(a.slice(0, 2));
  });

  it("counts matched blocks per endpoint and stops at the first block nobody has", () => {
    const index = new PrefixIndex(100);
    index.add("a", [1, 2, 3]);
    index.add("b", [1, 2]);
    expect(index.match([1, 2, 3, 4])).toEqual(
      new Map([
        ["a", 3],
        ["b", 2],
      ]),
    );
    expect(index.match([9, 1, 2])).toEqual(new Map());
  });

  it("matches as GIE's matchLongestPrefix over string-keyed maps does, through adds, evictions and removals", () => {
    // The plain model: hash → holders ("ip:port" in insertion order), counted into a Map per walk.
    const holders = new Map<number, Set<string>>();
    const lrus = new Map<string, number[]>();
    const capacity = 12;
    const modelAdd = (endpoint: string, hashes: number[]) => {
      let lru = lrus.get(endpoint) ?? [];
      for (const hash of hashes) {
        lru = [...lru.filter((held) => held !== hash), hash];
        holders.set(hash, (holders.get(hash) ?? new Set()).add(endpoint));
      }
      while (lru.length > capacity) {
        const oldest = lru.shift() as number;
        holders.get(oldest)?.delete(endpoint);
        if (holders.get(oldest)?.size === 0) holders.delete(oldest);
      }
      lrus.set(endpoint, lru);
    };
    const modelRemove = (endpoint: string) => {
      for (const hash of lrus.get(endpoint) ?? []) {
        holders.get(hash)?.delete(endpoint);
        if (holders.get(hash)?.size === 0) holders.delete(hash);
      }
      lrus.delete(endpoint);
    };
    const modelMatch = (hashes: number[]) => {
      const matched = new Map<string, number>();
      for (const hash of hashes) {
        const held = holders.get(hash);
        if (!held || held.size === 0) break;
        for (const endpoint of held) matched.set(endpoint, (matched.get(endpoint) ?? 0) + 1);
      }
      return matched;
    };
    const index = new PrefixIndex(capacity);
    const random = new SeededRandom(7);
    const endpoints = Array.from({ length: 9 }, (_, i) => `10.0.0.${i}:8000`);
    const blocks = () => Array.from({ length: 1 + random.int(8) }, () => 1 + random.int(20));
    for (let step = 0; step < 2_000; step++) {
      const endpoint = endpoints[random.int(endpoints.length)] as string;
      const roll = random.next();
      if (roll < 0.5) {
        const hashes = blocks();
        index.add(endpoint, hashes);
        modelAdd(endpoint, hashes);
      } else if (roll < 0.55) {
        index.removeEndpoint(endpoint);
        modelRemove(endpoint);
      } else {
        const hashes = blocks();
        expect([...index.match(hashes)]).toEqual([...modelMatch(hashes)]);
        expect(index.size).toBe(holders.size);
      }
    }
  });

  it("reuses a removed endpoint's number, so pods coming and going keep the index bounded and matching right", () => {
    const index = new PrefixIndex(8);
    // Three pods live at a time; each replacement is a new "ip:port", as a rolled-out pod gets.
    const live = ["10.1.0.0:8000", "10.1.0.1:8000", "10.1.0.2:8000"];
    for (const [slot, endpoint] of live.entries()) index.add(endpoint, [slot + 1, 100]);
    for (let generation = 3; generation < 1_000; generation++) {
      const slot = generation % live.length;
      index.removeEndpoint(live[slot] as string);
      const endpoint = `10.1.${Math.floor(generation / 256)}.${generation % 256}:8000`;
      live[slot] = endpoint;
      index.add(endpoint, [slot + 1, 100]);
      expect(index.match([slot + 1])).toEqual(new Map([[endpoint, 1]]));
    }
    expect(index.numberedEndpoints).toBe(3);
    expect(new Set(index.match([100]).keys())).toEqual(new Set(live));
    expect(index.size).toBe(4);
  });

  it("forgets an endpoint's least recently used blocks beyond its capacity", () => {
    const index = new PrefixIndex(3);
    index.add("a", [1, 2, 3]);
    index.add("a", [1]);
    index.add("a", [4]);
    expect(index.match([2])).toEqual(new Map());
    expect(index.match([1])).toEqual(new Map([["a", 1]]));
    expect(index.size).toBe(3);
  });
});

describe("prefix-cache-scorer", () => {
  const pods = [endpoint(1), endpoint(2)];
  const longPrompt = "Summarise the seed guide's four bugs in order. ".repeat(20);
  const resultFor = (primary: number, prefill?: number): SchedulingResult => ({
    primaryProfileName: "decode",
    profileResults: {
      decode: { targetEndpoints: [pods[primary] as (typeof pods)[number]] },
      ...(prefill === undefined ? {} : { prefill: { targetEndpoints: [pods[prefill] as (typeof pods)[number]] } }),
    },
  });

  it("scores the fraction of the prompt's blocks recorded for each endpoint after scheduling", () => {
    const scorer = load("plugins:\n- type: prefix-cache-scorer\n  parameters:\n    hashBlockSize: 64\n").plugins.get(
      "prefix-cache-scorer",
    ) as PrefixCacheScorer;
    const request = chatRequest(longPrompt);
    expect([...scorer.score(new CycleState(), request, pods).values()]).toEqual([0, 0]);
    scorer.preRequest(request, resultFor(1), {});
    const scored = scorer.score(new CycleState(), request, pods);
    expect(scored.get(pods[1] as (typeof pods)[number])).toBe(1);
    const longer = chatRequest(`${longPrompt} And what fixed each one?`.repeat(2));
    expect(scorer.score(new CycleState(), longer, pods).get(pods[1] as (typeof pods)[number])).toBeGreaterThan(0);
  });

  it("records only the primary profile's pod (seed era) unless recordPrefillEndpoint is set", () => {
    const seedEra = load("plugins:\n- type: prefix-cache-scorer\n").plugins.get(
      "prefix-cache-scorer",
    ) as PrefixCacheScorer;
    const newer = load(
      "plugins:\n- type: prefix-cache-scorer\n  parameters:\n    recordPrefillEndpoint: true\n",
    ).plugins.get("prefix-cache-scorer") as PrefixCacheScorer;
    const request = chatRequest(longPrompt);
    for (const scorer of [seedEra, newer]) scorer.preRequest(request, resultFor(1, 0), {});
    const hashes = prefixHashes(request.targetModel, request.prompt, 64, 256);
    expect([...seedEra.index.match(hashes).keys()]).toEqual([hostPort(pods[1] as (typeof pods)[number])]);
    expect([...newer.index.match(hashes).keys()].sort()).toEqual(
      [hostPort(pods[0] as (typeof pods)[number]), hostPort(pods[1] as (typeof pods)[number])].sort(),
    );
  });
});
