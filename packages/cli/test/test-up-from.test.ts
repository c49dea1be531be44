// `testbed up --from FILE` as a user runs it: the import summary on stderr, the imported topology
// written under TESTBED_HOME, and the dump's Istio release as the profile unless --istio overrides it.
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runTestbed } from "./command-runs.js";

const LIST = fileURLToPath(
  new URL("../../../test/fixtures/customer-cases/oc-get-list/oc-get-all.yaml", import.meta.url),
);
const up = (home: string, ...flags: string[]) =>
  runTestbed(["up", "--from", LIST, "--no-wait", "--api-port", "0", "--subnet", "90", "--time-scale", "0", ...flags], {
    env: { TESTBED_HOME: home },
    readyWhen: /testbed is up in/,
  });

describe("testbed up --from", () => {
  it("prints what it imported, dropped and does not model, and runs the dump's Istio release", async () => {
    const home = mkdtempSync(join(tmpdir(), "up-from-"));
    const run = await up(home);
    expect(run.stderr).toContain(`imported 8 objects from ${LIST} (file, 1 files):`);
    expect(run.stderr).toContain("1 Pod: owned by ReplicaSet");
    expect(run.stderr).toContain("not modelled by the testbed (left out): 1\n  1 monitoring.coreos.com/PrometheusRule");
    expect(run.stderr).toContain("versions found: Istio v1.27.3 (Istio default spec.version)");
    expect(existsSync(join(home, "imported", "oc-get-all.yaml"))).toBe(true);
    expect(run.stdout).toMatch(/Istio 1\.27\.0–1\.27\.9 \(upstream\) \(Envoy 1\.35\)/);
  }, 30_000);

  it("keeps --istio over the dump's release", async () => {
    const run = await up(mkdtempSync(join(tmpdir(), "up-from-")), "--istio", "1.26");
    expect(run.stdout).toMatch(/Istio 1\.26\.2-redhat \(OCP 4\.20\) \(Envoy 1\.34\)/);
  }, 30_000);

  it("says so when the dump holds nothing the testbed models", async () => {
    const run = await runTestbed(["up", "--from", fileURLToPath(new URL("./", import.meta.url)), "--api-port", "0"], {
      env: { TESTBED_HOME: mkdtempSync(join(tmpdir(), "up-from-")) },
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/testbed up: --from .*: nothing the testbed models was found \(\d+ files read\)/);
  }, 30_000);
});
