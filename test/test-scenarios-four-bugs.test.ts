// Every shipped scenario is an acceptance test (see run-shipped-scenario.ts). This file: the four
// bugs one by one, and the whole journey.
import { describe, expect, it } from "vitest";
import { runShipped } from "./run-shipped-scenario.js";

describe("the four bugs, one scenario each", () => {
  it("a chat POST loses its body (400 Field required) until the HTTP_ROUTE EnvoyFilter (01-body-required, Bug 1)", async () => {
    await runShipped("01-body-required", 231);
  }, 60_000);
  it("requests go round robin, never through the EPP, until the HTTP_FILTER EnvoyFilter (02-epp-never-contacted, Bug 2)", async () => {
    await runShipped("02-epp-never-contacted", 232);
  }, 60_000);
  it("every TLS handshake to the EPP fails until the scheduler gets --cert-path (03-tls-self-signed, Bug 3)", async () => {
    await runShipped("03-tls-self-signed", 233);
  }, 60_000);
  it("the EPP ignores prefill, decode and the prefix cache until the P/D config is patched in (04-pd-config, Bug 4)", async () => {
    await runShipped("04-pd-config", 234);
  }, 60_000);
});

describe("the journey", () => {
  it("ends with the seed's Before and After table, measured, the same for a seed on every run", async () => {
    const first = await runShipped("journey", 235);
    const phases = first.phases.map((p) => [p.name, p.distribution, p.cacheHits, p.epp]);
    expect(phases[0]).toEqual(["Before all fixes", "25 / 25 / 25 / 25", "0%", "Dead"]);
    expect(phases[1]?.[2]).toBe("0%");
    expect(phases[1]?.[3]).toBe("Working");
    expect(phases[2]?.[1]).toMatch(/^Prefill \d+\/\d+, Decode (100\/0|0\/100)$/);
    expect(Number.parseInt(String(phases[2]?.[2]), 10)).toBeGreaterThanOrEqual(80);
    expect(phases[2]?.[3]).toBe("Full");
    const second = await runShipped("journey", 236);
    expect(second.phases.map((p) => [p.name, p.distribution, p.cacheHits, p.epp])).toEqual(phases);
    // Two whole journeys: 20 s on a quiet 2-core machine, up to 2 minutes with both cores busy.
  }, 300_000);
});
