import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

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
  const child = spawn(process.execPath, ["--import", "tsx", file], {
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
        rssBytes: () => readRss(child.pid as number),
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

/** Resident set size of a process, from /proc (Linux). */
function readRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return kib * 1024;
}

/** utime + stime of a process, from /proc (Linux; clock ticks of 1/100 s). */
function readCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may contain spaces) start after the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
