import { describe, expect, it } from "vitest";
import type { Endpoint } from "../src/datastore/endpoint.js";
import { PluginParameters } from "../src/scheduling/config/plugin-parameters.js";
import { CycleState, type Filter, type Picker, type Scorer } from "../src/scheduling/framework.js";
import { PluginRegistry } from "../src/scheduling/plugins/registry.js";
import { chatRequest, context, endpoint } from "./scheduling-builders.js";

const registry = new PluginRegistry();
function plugin<T>(type: string, parameters: Record<string, unknown> = {}, seed = 1): T {
  const definition = registry.get(type);
  if (!definition) throw new Error(type);
  return definition.create(type, new PluginParameters(parameters, type), context(seed)) as T;
}
function scores(scorer: Scorer, endpoints: Endpoint[], headers: Record<string, string> = {}): number[] {
  const result = scorer.score(new CycleState(), chatRequest("Hi", headers), endpoints);
  return endpoints.map((e) => Number((result.get(e) ?? Number.NaN).toFixed(3)));
}

describe("scorers", () => {
  it("queue-scorer: shortest queue 1, longest 0, linear between; all equal → 1; stale metrics → 0", () => {
    const scorer = plugin<Scorer>("queue-scorer");
    expect(
      scores(scorer, [
        endpoint(1, { waitingQueueSize: 0 }),
        endpoint(2, { waitingQueueSize: 5 }),
        endpoint(3, { waitingQueueSize: 10 }),
      ]),
    ).toEqual([1, 0.5, 0]);
    expect(scores(scorer, [endpoint(1, { waitingQueueSize: 3 }), endpoint(2, { waitingQueueSize: 3 })])).toEqual([
      1, 1,
    ]);
    expect(scores(scorer, [endpoint(1), endpoint(2, {}, {}, false)])).toEqual([1, 0]);
  });

  it("kv-cache-utilization-scorer: 1 − usage", () => {
    expect(
      scores(plugin<Scorer>("kv-cache-utilization-scorer"), [
        endpoint(1, { kvCacheUsage: 0.25 }),
        endpoint(2, { kvCacheUsage: 1 }),
      ]),
    ).toEqual([0.75, 0]);
  });

  it("load-aware-scorer: empty queue 0.5, falling linearly to 0 at the threshold", () => {
    const scorer = plugin<Scorer>("load-aware-scorer", { threshold: 10 });
    expect(
      scores(scorer, [endpoint(1), endpoint(2, { waitingQueueSize: 5 }), endpoint(3, { waitingQueueSize: 20 })]),
    ).toEqual([0.5, 0.25, 0]);
  });

  it("session-affinity-scorer: the pod named by x-session-token scores 1, and responses carry the token", () => {
    const scorer = plugin<Scorer & { onResponseHeaders: (...args: unknown[]) => void }>("session-affinity-scorer");
    const pods = [endpoint(1), endpoint(2)];
    const headers: Record<string, string> = {};
    scorer.onResponseHeaders(chatRequest("Hi"), pods[1], headers);
    expect(Buffer.from(headers["x-session-token"] ?? "", "base64").toString()).toBe("my-first-model/pod-2");
    expect(scores(scorer, pods, headers)).toEqual([0, 1]);
  });
});

describe("pickers", () => {
  const scored = [1, 3, 3, 2].map((score, i) => ({ endpoint: endpoint(i + 1), score }));

  it("max-score-picker picks the highest score, breaking ties at random but reproducibly per seed", () => {
    const picks = (seed: number) =>
      Array.from(
        { length: 20 },
        () => plugin<Picker>("max-score-picker", {}, seed).pick(new CycleState(), scored).targetEndpoints[0]?.address,
      );
    const tied = new Set(picks(1));
    expect([...tied].every((a) => a === "10.0.0.2" || a === "10.0.0.3")).toBe(true);
    const picker = plugin<Picker>("max-score-picker", {}, 9);
    const sequence = Array.from(
      { length: 30 },
      () => picker.pick(new CycleState(), scored).targetEndpoints[0]?.address,
    );
    expect(new Set(sequence).size).toBe(2);
    const again = plugin<Picker>("max-score-picker", {}, 9);
    expect(Array.from({ length: 30 }, () => again.pick(new CycleState(), scored).targetEndpoints[0]?.address)).toEqual(
      sequence,
    );
  });

  it("max-score-picker returns maxNumOfEndpoints endpoints, best first", () => {
    const picked = plugin<Picker>("max-score-picker", { maxNumOfEndpoints: 3 }).pick(
      new CycleState(),
      scored,
    ).targetEndpoints;
    expect(picked.map((e) => e.address).slice(2)).toEqual(["10.0.0.4"]);
  });

  it("max-score-picker's single pick is what a stable sort of the shuffled candidates puts first", () => {
    // Same seed, same shuffle: one picker asked for 1 endpoint, one for all (sorted); ties abound.
    const one = plugin<Picker>("max-score-picker", {}, 5);
    const all = plugin<Picker>("max-score-picker", { maxNumOfEndpoints: 64 }, 5);
    const pool = Array.from({ length: 64 }, (_, n) => endpoint(n));
    for (let round = 0; round < 200; round++) {
      const scores = pool.map((e, n) => ({ endpoint: e, score: ((n * 7 + round * 13) % 5) / 4 }));
      const single = one.pick(new CycleState(), scores).targetEndpoints;
      expect(single).toEqual(all.pick(new CycleState(), scores).targetEndpoints.slice(0, 1));
    }
  });

  it("weighted-random-picker picks in proportion to score", () => {
    const picker = plugin<Picker>("weighted-random-picker", {}, 3);
    const counts = new Map<string, number>();
    const weighted = [
      { endpoint: endpoint(1), score: 1 },
      { endpoint: endpoint(2), score: 3 },
    ];
    for (let i = 0; i < 4000; i++) {
      const address = picker.pick(new CycleState(), weighted).targetEndpoints[0]?.address ?? "";
      counts.set(address, (counts.get(address) ?? 0) + 1);
    }
    const share = (counts.get("10.0.0.2") ?? 0) / 4000;
    expect(share).toBeGreaterThan(0.7);
    expect(share).toBeLessThan(0.8);
  });

  it("random-picker ignores scores", () => {
    const picker = plugin<Picker>("random-picker", {}, 5);
    const seen = new Set(
      Array.from({ length: 50 }, () => picker.pick(new CycleState(), scored).targetEndpoints[0]?.address),
    );
    expect(seen.size).toBe(4);
  });
});

describe("filters", () => {
  const pods = [
    endpoint(1, {}, { "llm-d.ai/role": "prefill" }),
    endpoint(2, {}, { "llm-d.ai/role": "decode" }),
    endpoint(3, {}, { "llm-d.ai/role": "both" }),
    endpoint(4, {}, {}),
  ];
  const run = (filter: Filter, headers: Record<string, string> = {}) =>
    filter.filter(new CycleState(), chatRequest("Hi", headers), pods).map((e) => e.address.split(".").pop());

  it("prefill-filter keeps prefill and both; decode-filter keeps decode, both and unlabelled pods", () => {
    expect(run(plugin<Filter>("prefill-filter"))).toEqual(["1", "3"]);
    expect(run(plugin<Filter>("decode-filter"))).toEqual(["2", "3", "4"]);
  });

  it("by-label and by-label-selector filter on any label", () => {
    expect(
      run(plugin<Filter>("by-label", { label: "llm-d.ai/role", validValues: ["decode"], allowsNoLabel: true })),
    ).toEqual(["2", "4"]);
    expect(
      run(
        plugin<Filter>("by-label-selector", {
          matchExpressions: [{ key: "llm-d.ai/role", operator: "In", values: ["prefill", "both"] }],
        }),
      ),
    ).toEqual(["1", "3"]);
    expect(
      run(
        plugin<Filter>("by-label-selector", { matchExpressions: [{ key: "llm-d.ai/role", operator: "DoesNotExist" }] }),
      ),
    ).toEqual(["4"]);
  });

  it("header-based-testing-filter keeps exactly the endpoints the conformance header lists, in its order", () => {
    const filter = plugin<Filter>("header-based-testing-filter");
    expect(run(filter, { "test-epp-endpoint-selection": "10.0.0.3:8000, 10.0.0.1" })).toEqual(["3", "1"]);
    expect(run(filter)).toEqual([]);
  });
});
