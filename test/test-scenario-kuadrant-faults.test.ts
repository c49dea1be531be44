// The Kuadrant fault matrix (scenarios/kuadrant-faults.yaml): what a client of maas-gateway sees when
// Limitador or Authorino is down, the generated EnvoyFilter or AuthConfigs are deleted, or keys are
// deleted, expired or rotated — with "no unauthenticated request served" read from the access log.
import { describe, it } from "vitest";
import { runShipped } from "./run-shipped-scenario.js";

describe("shipped scenarios", () => {
  it("kuadrant-faults", async () => {
    await runShipped("kuadrant-faults", 240);
  }, 90_000);
});
