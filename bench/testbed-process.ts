// A `testbed up` child process for the benchmarks that measure a whole testbed (bench/scale.ts,
// bench/idle-cost.ts): started with its own TESTBED_HOME, ready once its banner says "testbed is
// up in N s", and stopped with SIGINT as a user's Ctrl-C stops it; and the scaled copies of
// topologies/large they and bench/startup-phases.ts start.
import { type ChildProcess, spawn } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { treeCpuSeconds } from "./process-stats.js";

export interface RunningTestbed {
  child: ChildProcess;
  home: string;
  /** The banner's own figure: `testbed up` start to every pod Ready. */
  readySeconds: number;
  /** SIGINT, then the home directory removed once the process has exited. */
  stop(): Promise<void>;
}

/** `node <cli> up <args>` in a fresh TESTBED_HOME; resolves at the banner, rejects if it exits first. */
export function startTestbed(cli: string, args: string[]): Promise<RunningTestbed> {
  const home = mkdtempSync(join(tmpdir(), "testbed-bench-home-"));
  const child = spawn(process.execPath, [cli, "up", ...args], {
    env: { ...process.env, TESTBED_HOME: home },
    stdio: "pipe",
  });
  const stop = () =>
    new Promise<void>((done) => {
      child.once("exit", () => {
        rmSync(home, { recursive: true, force: true });
        done();
      });
      child.kill("SIGINT");
    });
  return new Promise((resolve, reject) => {
    let output = "";
    const onData = (data: Buffer) => {
      output += data;
      const match = /testbed is up in ([\d.]+) s/.exec(output);
      if (!match) return;
      child.stdout?.off("data", onData);
      child.off("exit", failed);
      resolve({ child, home, readySeconds: Number(match[1]), stop });
    };
    const failed = (code: number | null) => reject(new Error(`testbed up exited with ${code}: ${output}`));
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (data: Buffer) => {
      output += data;
    });
    child.once("exit", failed);
  });
}

/** CPU share of one core used by a process and its descendants (the pod processes) over `ms`. */
export async function idleCpuShare(pid: number, ms: number): Promise<number> {
  const before = treeCpuSeconds(pid);
  await new Promise((resolve) => setTimeout(resolve, ms));
  return (treeCpuSeconds(pid) - before) / (ms / 1000);
}

/**
 * A copy of topologies/large (`source`, a checkout's own) with `pods` vLLM pods: a quarter of them
 * per role per model (its manifests say `replicas: 16` for 64).
 */
export function largeTopology(source: string, pods: number): string {
  const dir = mkdtempSync(join(tmpdir(), "testbed-bench-topology-"));
  cpSync(source, dir, { recursive: true });
  for (const file of readdirSync(dir)) {
    const path = join(dir, file);
    writeFileSync(path, readFileSync(path, "utf8").replaceAll("replicas: 16", `replicas: ${pods / 4}`));
  }
  return dir;
}
