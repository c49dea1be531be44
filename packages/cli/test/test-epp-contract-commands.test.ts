// `testbed epp` and `testbed contract` as separate processes, the way a user runs them against any EPP.
import { spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runTestbed, TESTBED_BIN } from "./command-runs.js";

const PODS = "127.0.0.21:18000,127.0.0.22:18000,127.0.0.23:18000,127.0.0.24:18000";
const children: Array<ReturnType<typeof spawn>> = [];
afterAll(() => {
  for (const child of children) child.kill("SIGTERM");
});

/** Start `testbed epp` and resolve with its ext_proc port once it logs `gRPC server listening`. */
/** A `testbed epp` process; resolves with its ext_proc port and its metrics address once both are up. */
function startEppProcess(args: string[]): Promise<{ port: number; metrics: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TESTBED_BIN, "epp", ...args]);
    children.push(child);
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
      const grpc = /gRPC server listening\t\{"name": "ext-proc", "port": (\d+)\}/.exec(stderr);
      const metrics = /Serving metrics server\t\{"bindAddress": "([^"]+)"/.exec(stderr);
      if (grpc && metrics) resolve({ port: Number(grpc[1]), metrics: metrics[1] as string });
    });
    child.on("exit", (code) => reject(new Error(`testbed epp exited ${code}: ${stderr}`)));
  });
}

describe("testbed epp + testbed contract", () => {
  it("runs the contract suite from the command line against a separately started EPP, and passes", async () => {
    const yaml = await runTestbed(["contract", "--pods", PODS, "--print-endpoints-yaml"]);
    expect(yaml.stdout).toContain("address: 127.0.0.21");
    const dir = await mkdtemp(join(tmpdir(), "contract-"));
    await writeFile(join(dir, "endpoints.yaml"), yaml.stdout);
    const { port, metrics } = await startEppProcess([
      "--endpoints-file",
      join(dir, "endpoints.yaml"),
      "--grpc-port=0",
      "--grpc-health-port=0",
      "--metrics-port=0",
    ]);
    const result = await runTestbed([
      "contract",
      "--epp",
      `127.0.0.1:${port}`,
      "--insecure-skip-verify",
      "--buffered",
      "--pods",
      PODS,
      "--metrics-url",
      `http://${metrics}/metrics`,
      "--epp-version",
      "gie-v1.5",
    ]);
    // Skipped: the P/D case (no --pd) and the byte-exact case of the other version; the metrics case and
    // gie-v1.5's byte-exact case run, given the metrics URL and the version.
    expect(result.stdout).toMatch(/20 passed, 0 failed, 2 skipped/);
    expect(result.code).toBe(0);
  });

  it("refuses an invalid EndpointPickerConfig, naming the file and the field", async () => {
    const dir = await mkdtemp(join(tmpdir(), "epp-config-"));
    const file = join(dir, "epp.yaml");
    await writeFile(
      file,
      "plugins:\n- type: queue-scorer\nschedulingProfiles:\n- name: default\n  plugins:\n  - pluginRef: kv\n",
    );
    const result = await runTestbed([
      "epp",
      "--config-file",
      file,
      "--grpc-port=0",
      "--grpc-health-port=0",
      "--metrics-port=0",
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `${file}: schedulingProfiles[0].plugins[0].pluginRef: configuration validation failed: scheduling profile validation failed: schedulingProfiles[default] references undefined plugin 'kv'`,
    );
  });

  it("requires a TLS choice for the contract run", async () => {
    const result = await runTestbed(["contract", "--epp", "127.0.0.1:1"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--tls-ca FILE, --insecure-skip-verify or --plaintext");
  });
});
