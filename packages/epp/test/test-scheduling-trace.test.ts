import { systemClock } from "@testbed/common";
import { hopStart, PartRecorder, type ProfileRun, type SchedulingHop } from "@testbed/trace";
import { describe, expect, it } from "vitest";
import { podName, Scheduler } from "../src/scheduling/scheduler.js";
import { recordScheduling } from "../src/trace/scheduling-trace.js";
import { chatRequest, endpoint, load, SEED_PD_CONFIG } from "./scheduling-builders.js";

const role = (value: string) => ({ "llm-d.ai/role": value });

describe("the scheduling cycle as the routing trace records it", () => {
  it("gives each profile's candidates, what each filter left, each scorer's weight and score per pod, and the pick", () => {
    const pool = [endpoint(1, {}, role("prefill")), endpoint(2, {}, role("prefill")), endpoint(3, {}, role("decode"))];
    const busy = pool[1];
    if (busy) busy.metrics.waitingQueueSize = 5;
    const runs: ProfileRun[] = [];
    const { result } = new Scheduler(load(SEED_PD_CONFIG)).schedule(chatRequest("Hi there"), pool, false, runs);
    expect(runs.map((run) => run.name)).toEqual(["decode", "prefill"]);
    const prefill = runs[1] as ProfileRun;
    expect(prefill.candidates).toEqual(pool.map(podName));
    expect(prefill.filters.at(-1)?.remaining).toEqual([podName(pool[0] as never), podName(pool[1] as never)]);
    const queue = prefill.scorers.find((scorer) => scorer.type === "queue-scorer");
    expect(queue?.weight).toBeGreaterThan(0);
    // The idle prefill pod outscores the one with a queue, and is the pick.
    const idle = podName(pool[0] as never);
    const queued = podName(pool[1] as never);
    expect(queue?.scores[idle]).toBeGreaterThan(queue?.scores[queued] ?? 1);
    expect(prefill.picked).toEqual([idle]);
    const weighted = prefill.scorers.reduce((sum, scorer) => sum + scorer.weight * (scorer.scores[idle] ?? 0), 0);
    expect(prefill.totals[idle]).toBeCloseTo(weighted, 2);
    expect(result.profileResults.prefill?.targetEndpoints.map(podName)).toEqual([idle]);
  });

  it("keeps the scores of a big pool's 32 best pods and its pick, not all of them", () => {
    const pool = Array.from({ length: 200 }, (_, i) => endpoint(i + 1, {}, role("decode")));
    const runs: ProfileRun[] = [];
    new Scheduler(load(undefined)).schedule(chatRequest("Hi"), pool, false, runs);
    const [run] = runs;
    expect(Object.keys(run?.totals ?? {})).toHaveLength(32);
    for (const scorer of run?.scorers ?? []) expect(Object.keys(scorer.scores)).toHaveLength(32);
    expect(run?.candidates.length).toBe(128);
    expect(run?.candidatesOmitted).toBe(72);
    expect(Object.keys(JSON.parse(JSON.stringify(run)))).toEqual([
      "name",
      "candidates",
      "candidatesOmitted",
      "filters",
      "scorers",
      "totals",
      "picker",
      "picked",
    ]);
    for (const pick of run?.picked ?? []) expect(run?.totals[pick]).toBeDefined();
  });

  it("reads the same through JSON, a spread and repeated reads: the scores are worked out once, when first read", () => {
    const pool = Array.from({ length: 40 }, (_, i) => endpoint(i + 1, { waitingQueueSize: i % 4 }, role("decode")));
    const runs: ProfileRun[] = [];
    new Scheduler(load(undefined)).schedule(chatRequest("Hi"), pool, false, runs);
    const run = runs[0] as ProfileRun;
    const json = JSON.parse(JSON.stringify(run));
    expect(Object.keys(json)).toEqual(["name", "candidates", "filters", "scorers", "totals", "picker", "picked"]);
    expect({ ...run }).toEqual(json);
    expect(run.totals).toBe(run.totals);
    expect(run.scorers).toBe(run.scorers);
    // The 32 best pods by total, best first; the queue scorer gives the idle pods 1.
    const totals = Object.values(json.totals as Record<string, number>);
    expect(totals).toEqual([...totals].sort((a, b) => b - a));
    const queue = (json.scorers as ProfileRun["scorers"]).find((scorer) => scorer.type === "queue-scorer");
    expect(queue?.scores[podName(pool[0] as never)]).toBe(1);
  });

  it("names the picked pods in the hop as the profile runs name them, a name without a namespace too", () => {
    const pool = [endpoint(1, {}, role("prefill")), endpoint(2, {}, role("decode"))];
    const bare = pool[1];
    if (bare) bare.namespacedName = "pod-2";
    const runs: ProfileRun[] = [];
    const start = hopStart(systemClock);
    const { result } = new Scheduler(load(SEED_PD_CONFIG)).schedule(chatRequest("Hi there"), pool, false, runs);
    const part = new PartRecorder("r1", "epp", "epp", 0);
    recordScheduling(part, systemClock, start, { pool: "ns/pool", model: "m", runs, result, destination: "d" });
    const hop = part.hops[0] as SchedulingHop;
    const pickedBy = (profile: string) => runs.find((run) => run.name === profile)?.picked[0];
    expect(hop.pickedPod).toBe("pod-2");
    expect(hop.pickedPod).toBe(pickedBy("decode"));
    expect(hop.prefillPod).toBe(pickedBy("prefill"));
    expect(hop.prefillPod).toBe("pod-1");
  });

  it("records nothing when nobody asks for it", () => {
    const { trace } = new Scheduler(load(undefined)).schedule(chatRequest("Hi"), [endpoint(1)], false);
    expect(trace).toEqual([]);
  });
});

describe("plugin timing (inference_extension_plugin_duration_seconds)", () => {
  it("asks for each plugin's observer once per extension point and feeds it every run", () => {
    const asked: string[] = [];
    const observed = new Map<string, number>();
    const scheduler = new Scheduler(load(SEED_PD_CONFIG), (point, type, name) => {
      const key = `${point}/${type}/${name}`;
      asked.push(key);
      return () => observed.set(key, (observed.get(key) ?? 0) + 1);
    });
    const pool = [endpoint(1, {}, role("prefill")), endpoint(2, {}, role("decode"))];
    for (let cycle = 0; cycle < 3; cycle++) scheduler.schedule(chatRequest(`Hi ${cycle}`), pool, false);
    expect(new Set(asked).size).toBe(asked.length);
    expect(asked).toContain("Scorer/queue-scorer/queue-scorer");
    expect(asked.some((key) => key.startsWith("Filter/"))).toBe(true);
    expect(asked.some((key) => key.startsWith("Picker/"))).toBe(true);
    for (const key of asked) expect((observed.get(key) ?? 0) % 3).toBe(0);
    expect(Math.min(...observed.values())).toBeGreaterThanOrEqual(3);
  });
});
