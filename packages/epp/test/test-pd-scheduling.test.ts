import { beforeEach, describe, expect, it } from "vitest";
import { hostPort } from "../src/datastore/endpoint.js";
import { Scheduler } from "../src/scheduling/scheduler.js";
import { chatRequest, context, endpoint, load, SEED_PD_CONFIG } from "./scheduling-builders.js";

let prefill = [endpoint(1)];
let decode = [endpoint(3)];
let pool = [...prefill, ...decode];

beforeEach(() => {
  prefill = [endpoint(1, {}, { "llm-d.ai/role": "prefill" }), endpoint(2, {}, { "llm-d.ai/role": "prefill" })];
  decode = [endpoint(3, {}, { "llm-d.ai/role": "decode" }), endpoint(4, {}, { "llm-d.ai/role": "decode" })];
  pool = [...prefill, ...decode];
});

function schedule(scheduler: Scheduler, content: string) {
  const headers: Record<string, string> = {};
  const request = chatRequest(content);
  const { result, trace } = scheduler.schedule(request, pool);
  const config = (scheduler as unknown as { config: ReturnType<typeof load> }).config;
  for (const plugin of config.preRequest) plugin.preRequest(request, result, headers);
  return { result, trace, headers };
}

describe("P/D scheduling with the seed's EndpointPickerConfig", () => {
  it("runs decode first, then prefill, and names the prefill pod in x-prefiller-host-port", () => {
    const ctx = context();
    const scheduler = new Scheduler(load(SEED_PD_CONFIG, ctx));
    const { result, trace, headers } = schedule(scheduler, "Explain prefill and decode. ".repeat(10));
    expect(trace.map((t) => t.profile)).toEqual(["decode", "prefill"]);
    expect(result.primaryProfileName).toBe("decode");
    const decodePod = result.profileResults.decode?.targetEndpoints[0];
    const prefillPod = result.profileResults.prefill?.targetEndpoints[0];
    expect(decode).toContain(decodePod);
    expect(prefill).toContain(prefillPod);
    expect(headers["x-prefiller-host-port"]).toBe(prefillPod && hostPort(prefillPod));
    expect(ctx.decisions).toEqual(["prefill-decode"]);
  });

  it("keeps a shared-prefix conversation on one decode pod while prefill follows queue depth", () => {
    const scheduler = new Scheduler(load(SEED_PD_CONFIG));
    const system = "You are the testbed's assistant. Answer briefly and cite the seed. ".repeat(12);
    const decodes = new Set<string>();
    const prefills = new Map<string, number>();
    for (let i = 0; i < 40; i++) {
      // Queue depth alternates between the two prefill pods, as load would.
      (prefill[0] as (typeof prefill)[number]).metrics.waitingQueueSize = i % 2;
      (prefill[1] as (typeof prefill)[number]).metrics.waitingQueueSize = (i + 1) % 2;
      // Each question differs within the hashed blocks (a trailing partial block is never hashed).
      const { result } = schedule(
        scheduler,
        `${system} Question ${i}: ${"what changed in this phase of the workshop? ".repeat(3)}`,
      );
      decodes.add(hostPort(result.profileResults.decode?.targetEndpoints[0] as (typeof pool)[number]));
      const p = hostPort(result.profileResults.prefill?.targetEndpoints[0] as (typeof pool)[number]);
      prefills.set(p, (prefills.get(p) ?? 0) + 1);
    }
    expect(decodes.size).toBe(1);
    expect([...prefills.values()].every((count) => count >= 10)).toBe(true);
  });

  it("serves a fully cached prompt without prefill when the threshold is above zero", () => {
    const ctx = context();
    const config = SEED_PD_CONFIG.replace("threshold: 0", "threshold: 100");
    const scheduler = new Scheduler(load(config, ctx));
    expect(schedule(scheduler, "short").trace.map((t) => t.profile)).toEqual(["decode"]);
    expect(ctx.decisions).toEqual(["decode-only"]);
  });

  it("with the default config treats prefill and decode pods alike (the seed's Bug 4)", () => {
    const scheduler = new Scheduler(load(undefined));
    const chosen = new Set<string>();
    for (let i = 0; i < 60; i++) {
      const { result, headers } = schedule(scheduler, `question ${i}`);
      expect(headers["x-prefiller-host-port"]).toBeUndefined();
      chosen.add(hostPort(result.profileResults.default?.targetEndpoints[0] as (typeof pool)[number]));
    }
    expect(chosen.size).toBe(4);
  });
});

describe("pd-profile-handler threshold 0", () => {
  it("disaggregates every request, even one whose prompt the decode pod has fully cached", () => {
    const ctx = context();
    const scheduler = new Scheduler(load(SEED_PD_CONFIG, ctx));
    const prompt = "The same question, asked again and again, word for word. ".repeat(8);
    for (let i = 0; i < 3; i++) schedule(scheduler, prompt);
    expect(ctx.decisions).toEqual(["prefill-decode", "prefill-decode", "prefill-decode"]);
  });
});
