// The other shipped scenarios, each on its own testbed and subnet: every expectation must hold.
import { describe, expect, it } from "vitest";
import { runShipped, runShippedMatrix } from "./run-shipped-scenario.js";

describe("shipped scenarios", () => {
  it("maas", async () => {
    await runShipped("maas", 237);
  }, 60_000);
  it("tls-only", async () => {
    await runShipped("tls-only", 238);
  }, 60_000);
  it("failures", async () => {
    await runShipped("failures", 239);
  }, 60_000);
  it("two-models-one-gateway: the second model loses its EPP on Istio 1.26 and 1.28, keeps it on 1.29", async () => {
    const reports = await runShippedMatrix("two-models-one-gateway", 245);
    expect(reports.map((r) => r.scenario.istio)).toEqual(["1.26", "1.28", "1.29"]);
  }, 240_000);
  it("version-matrix: the as-shipped cluster on Istio 1.26–1.29, each release its own run", async () => {
    const reports = await runShippedMatrix("version-matrix", 246);
    expect(reports.map((r) => r.scenario.istio)).toEqual(["1.26", "1.27", "1.28", "1.29"]);
  }, 240_000);
});
