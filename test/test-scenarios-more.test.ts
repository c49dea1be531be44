// The other shipped scenarios, each on its own testbed and subnet: every expectation must hold.
import { describe, it } from "vitest";
import { runShipped } from "./run-shipped-scenario.js";

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
});
