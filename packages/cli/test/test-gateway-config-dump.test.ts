// `testbed gateway --config-dump` as a user runs it: the customer's listeners come up on loopback,
// what was changed to run here and what cannot run are printed, and bad input gets a clear error.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runTestbed } from "./command-runs.js";

const DUMP = fileURLToPath(
  new URL("../../../test/fixtures/customer-cases/config-dump-bug1/config_dump.json", import.meta.url),
);
const EPP = "outbound|9002||qwen3-0-6b-epp-service.my-first-model.svc.cluster.local";

describe("testbed gateway --config-dump", () => {
  it("runs the dump's listeners on free loopback ports and says what it changed and left out", async () => {
    const run = await runTestbed(
      ["gateway", "--config-dump", DUMP, "--free-ports", "--map-cluster", `${EPP}=127.0.0.1:9`],
      { readyWhen: /admin on http:\/\/127\.0\.0\.1:\d+/ },
    );
    expect(run.stderr).toMatch(/listener 0\.0\.0\.0_443 on https:\/\/127\.0\.0\.1:\d+/);
    expect(run.stderr).toContain(`note: cluster ${EPP}: endpoints → 127.0.0.1:9`);
    expect(run.stderr).toContain("unsupported: cluster xds-grpc: a unix socket (pipe) address, left out");
    expect(run.stderr).toContain(
      `note: cluster ${EPP}: CA file /var/run/secrets/kubernetes.io/serviceaccount/service-ca.crt does not exist here; trusting a CA that signed nothing (pass --trust FILE or --testbed)`,
    );
    expect(run.stderr).toContain(
      "note: cluster outbound|8000||qwen3-0-6b-kserve-workload-svc.my-first-model.svc.cluster.local: EDS endpoints not in the dump and not mapped: requests to it get 503",
    );
  }, 30_000);

  it("names a file that is not a config_dump and exits 1", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "dump-")), "bootstrap.json");
    writeFileSync(file, JSON.stringify({ static_resources: {} }));
    const run = await runTestbed(["gateway", "--config-dump", file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`testbed gateway: ${file}:`);
    expect(run.stderr).toContain('not an Envoy config_dump: expected {"configs": [...]}');
  }, 30_000);

  it("rejects a --map-cluster without a port", async () => {
    const run = await runTestbed(["gateway", "--config-dump", DUMP, "--map-cluster", `${EPP}=127.0.0.1`]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("127.0.0.1 is not ADDR:PORT");
  }, 30_000);
});
