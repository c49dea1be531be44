import { describe, expect, it } from "vitest";
import { MAX_HOPS, TraceRing } from "../src/trace-ring.js";
import type { TraceHop } from "../src/trace-types.js";

const response = (status: number): TraceHop => ({
  kind: "response",
  component: "gw",
  time: { wallStartMs: status, wallMs: 1 },
  status,
  responseFlags: "-",
  bodyBytes: 0,
});

describe("a component's trace ring", () => {
  it("keeps only the newest `capacity` requests, newest first", () => {
    const ring = new TraceRing("gateway", "gw", 3);
    for (const id of ["a", "b", "c", "d", "e"]) ring.begin(id, 0);
    expect(ring.parts().map((part) => part.requestId)).toEqual(["e", "d", "c"]);
    expect(ring.parts({ last: 2 }).map((part) => part.requestId)).toEqual(["e", "d"]);
  });

  it("finds every part of one request id, and none of a request it has forgotten", () => {
    const ring = new TraceRing("vllm-sim", "pod", 4);
    ring.begin("x", 0);
    ring.begin("y", 0);
    ring.begin("x", 1);
    expect(ring.parts({ id: "x" }).map((part) => part.startedAtMs)).toEqual([1, 0]);
    for (const id of ["p", "q", "r", "s"]) ring.begin(id, 0);
    expect(ring.parts({ id: "x" })).toEqual([]);
  });

  it("records nothing and hands out no recorder while tracing is off", () => {
    const ring = new TraceRing("epp", "epp", 10, false);
    expect(ring.begin("a", 0)).toBeUndefined();
    expect(ring.parts()).toEqual([]);
    ring.enabled = true;
    expect(ring.begin("a", 0)?.requestId).toBe("a");
  });

  it("caps the hops of one request so a looping request cannot grow without end", () => {
    const part = new TraceRing("gateway", "gw").begin("a", 0);
    for (let i = 0; i < MAX_HOPS + 10; i++) part?.hop(response(200));
    expect(part?.hops).toHaveLength(MAX_HOPS);
  });

  it("refuses a capacity that is not a positive integer", () => {
    expect(() => new TraceRing("gateway", "gw", 0)).toThrow(/capacity must be ≥ 1/);
  });
});
