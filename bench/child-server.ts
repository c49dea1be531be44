import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { readCpuSeconds, readRssBytes } from "./process-stats.js";

/** A server under test in its own process (so the load generator does not share its core). */
export interface ChildServer {
  url: string;
  process: ChildProcess;
  rssBytes(): number;
  /** CPU time the process has used so far (user + system), in seconds. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

export function startChildServer(script: string, env: Record<string, string> = {}): Promise<ChildServer> {
  const file = fileURLToPath(new URL(`./servers/${script}`, import.meta.url));
  // BENCH_CPU_PROF_DIR=/some/dir: each server writes a CPU profile there when it stops (SIGTERM).
  const profile = process.env.BENCH_CPU_PROF_DIR
    ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`]
    : [];
  const child = spawn(process.execPath, [...profile, "--conditions=development", "--import", "tsx", file], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let output = "";
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`${script} exited with ${code}`)));
    child.stdout?.on("data", (data) => {
      output += data;
      const match = /READY (\S+)/.exec(output);
      if (!match) return;
      resolve({
        url: match[1] as string,
        process: child,
        rssBytes: () => readRssBytes(child.pid as number),
        cpuSeconds: () => readCpuSeconds(child.pid as number),
        stop: () =>
          new Promise((done) => {
            child.removeAllListeners("exit");
            child.once("exit", () => done());
            child.kill("SIGTERM");
          }),
      });
    });
  });
}
