import { describe, expect, it } from "vitest";
import { mergeTraces } from "../src/merge-traces.js";
import type { TraceHop, TracePart } from "../src/trace-types.js";

const at = (wallStartMs: number, wallMs = 1) => ({ wallStartMs, wallMs });
const gatewayPart = (requestId: string, start: number): TracePart => ({
  requestId,
  source: "gateway",
  component: "gw",
  startedAtMs: start,
  hops: [
    { kind: "response", component: "gw", time: at(start, 50), status: 200, responseFlags: "-", bodyBytes: 10 },
    {
      kind: "listener",
      component: "gw",
      time: at(start, 0),
      listener: "l",
      address: "a",
      tls: true,
      method: "POST",
      path: "/v1/chat/completions",
      authority: "gw",
    },
  ],
});
const engineHop = (start: number): TraceHop => ({
  kind: "engine",
  component: "pod",
  time: at(start, 5),
  pod: "pod",
  model: "m",
  status: 200,
  promptTokens: 10,
  outputTokens: 2,
  cachedPrefixBlocks: 0,
  cachedPrefixTokens: 0,
  blockSize: 16,
  queueMs: 0,
  prefillMs: 1,
  decodeMs: 2,
  preemptions: 0,
});

describe("merging parts by x-request-id", () => {
  it("joins each component's part of a request, hops in time order with the response last", () => {
    const parts: TracePart[] = [
      { requestId: "r1", source: "vllm-sim", component: "pod", startedAtMs: 20, hops: [engineHop(20)] },
      gatewayPart("r1", 10),
      gatewayPart("r2", 30),
    ];
    const [newest, older] = mergeTraces(parts);
    expect(newest?.requestId).toBe("r2");
    expect(older?.requestId).toBe("r1");
    expect(older?.sources).toEqual(["gateway:gw", "vllm-sim:pod"]);
    expect(older?.hops.map((hop) => hop.kind)).toEqual(["listener", "engine", "response"]);
    expect(older?.startedAtMs).toBe(10);
  });

  it("gives at most `last` traces, the newest", () => {
    const parts = [1, 2, 3, 4].map((n) => gatewayPart(`r${n}`, n));
    expect(mergeTraces(parts, 2).map((trace) => trace.requestId)).toEqual(["r4", "r3"]);
  });
});
