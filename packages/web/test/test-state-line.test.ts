import type { AccessLogEntry, FlowEvent, Observation } from "@testbed/web";
import { currentRun, describeState } from "@testbed/web";
import { describe, expect, it } from "vitest";

function flow(status: number, options: { role?: string; pod?: string; details?: string; at?: number } = {}): FlowEvent {
  const entry: AccessLogEntry = {
    startTime: "2026-01-01T00:00:00.000Z",
    method: "POST",
    path: "/my-first-model/qwen3-0-6b/v1/chat/completions",
    status,
    responseFlags: "-",
    responseCodeDetails: options.details ?? "via_upstream",
    upstreamTransportFailure: "-",
    durationMs: 3,
    requestId: `id-${Math.random()}`,
    upstreamHost: options.pod ? `${options.pod}:8000` : undefined,
    upstreamCluster: "outbound|54321||qwen3-0-6b-inference-pool-ip-a5e07bf3.my-first-model.svc.cluster.local",
    routeName: "my-first-model.qwen3-0-6b-kserve-route.1",
  };
  return {
    seenAt: options.at ?? 0,
    gateway: "openshift-ai-inference",
    entry,
    pod: options.pod,
    role: options.role,
    toPool: true,
  };
}

function observation(
  epp: { cx: number; fail: number; rq: number },
  pods: { name: string; role: string; promptTokens?: number; hits?: number; queries?: number }[] = [],
): Observation {
  return {
    at: 0,
    gateways: [
      {
        gateway: "openshift-ai-inference",
        up: true,
        eppCxTotal: epp.cx,
        eppCxConnectFail: epp.fail,
        eppRqTotal: epp.rq,
        poolRqByHost: {},
      },
    ],
    pods: pods.map((p) => ({
      name: p.name,
      namespace: "my-first-model",
      role: p.role,
      ip: "127.0.0.1",
      up: true,
      waiting: 0,
      running: 0,
      kvUsage: 0,
      prefixHits: p.hits ?? 0,
      prefixQueries: p.queries ?? 0,
      requestsFinished: 0,
      promptTokens: p.promptTokens ?? 0,
    })),
    epp: { pod: "epp", up: true, attemptsSuccess: 0, attemptsFailure: 0, pdDecisions: {} },
  };
}

describe("the state line, derived from counters and the access log", () => {
  it("before any request to an InferencePool it asks for one", () => {
    expect(describeState({ recent: [], before: undefined, now: observation({ cx: 0, fail: 0, rq: 0 }) }).level).toBe(
      "idle",
    );
  });

  it("Bug 1: 400 via_upstream while every EPP connection failed reads as a body lost in a failed stream", () => {
    const state = describeState({
      recent: [flow(400)],
      before: undefined,
      now: observation({ cx: 1, fail: 1, rq: 1 }),
    });
    expect(state.level).toBe("bad");
    expect(state.text).toMatch(/^Body lost/);
    expect(state.evidence).toContain("cx_total 1, cx_connect_fail 1");
  });

  it("Bug 2: 2xx while the EPP cluster's counters did not move reads as never contacted, round robin over the pods seen", () => {
    const recent = ["a", "b", "c", "d"].map((pod) => flow(200, { pod, role: "decode" }));
    const state = describeState({
      recent,
      before: observation({ cx: 1, fail: 1, rq: 1 }),
      now: observation({ cx: 1, fail: 1, rq: 1 }),
    });
    expect(state.text).toBe("EPP never contacted: cx_total unchanged while requests succeed — round robin over 4 pods");
    const fresh = describeState({ recent, before: undefined, now: observation({ cx: 0, fail: 0, rq: 0 }) });
    expect(fresh.text).toMatch(/^EPP never contacted: cx_total 0 /);
  });

  it("the EPP in the loop but prefill pods serving whole requests reads as no P/D", () => {
    const state = describeState({
      recent: [flow(200, { pod: "p1", role: "prefill" }), flow(200, { pod: "d1", role: "decode" })],
      before: observation({ cx: 1, fail: 0, rq: 3 }),
      now: observation({ cx: 1, fail: 0, rq: 5 }),
    });
    expect(state.level).toBe("warn");
    expect(state.text).toContain("treats prefill and decode alike: 1 of 2");
  });

  it("remote prefills on prefill pods and decode on one pod reads as the P/D split, with the hit rate", () => {
    const pods = (tokens: number, hits: number) => [
      { name: "p1", role: "prefill", promptTokens: tokens },
      { name: "d1", role: "decode", hits, queries: hits * 2 },
    ];
    const state = describeState({
      recent: [flow(200, { pod: "d1", role: "decode" }), flow(200, { pod: "d1", role: "decode" })],
      before: observation({ cx: 1, fail: 0, rq: 3 }, pods(10, 0)),
      now: observation({ cx: 1, fail: 0, rq: 5 }, pods(50, 40)),
    });
    expect(state).toMatchObject({ level: "ok" });
    expect(state.text).toBe(
      "Prefill/decode split: prefill pods do the prompts, decode on 1 pod; prefix cache hit rate 50%",
    );
  });

  it("a counter that went down (a new EPP pod behind the cluster) counts from zero, as Prometheus' increase() does", () => {
    const state = describeState({
      recent: [flow(200, { pod: "d1", role: "decode" })],
      before: observation({ cx: 6, fail: 6, rq: 6 }),
      now: observation({ cx: 1, fail: 0, rq: 2 }),
    });
    expect(state.text).toMatch(/^The EPP picks the pod/);
  });

  it("the evidence is the newest run of one status class: a fix that turns 400s into 200s drops the 400s", () => {
    const run = currentRun([flow(400), flow(400), flow(200), flow(200)]);
    expect(run.map((f) => f.entry.status)).toEqual([200, 200]);
    expect(currentRun(Array.from({ length: 30 }, () => flow(200)))).toHaveLength(10);
    expect(currentRun([])).toEqual([]);
  });
});
