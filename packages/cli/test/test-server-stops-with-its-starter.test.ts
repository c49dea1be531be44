// `npx testbed epp … &` then `kill $!` used to leave the EPP running, re-parented, holding its
// ports: npm runs the bin through `sh -c`, forwards SIGTERM to that shell only, and the shell dies
// without passing it on. A server now stops when whoever started it is gone. Linux: /proc.
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";

const bin = fileURLToPath(new URL("../bin/testbed.mjs", import.meta.url));
const EPP = [
  bin,
  "epp",
  "--grpc-port",
  "0",
  "--grpc-health-port",
  "0",
  "--metrics-port",
  "0",
  "--endpoints",
  "127.0.0.1:1",
];
const started: ChildProcess[] = [];
const servers: number[] = [];

afterEach(() => {
  for (const child of started.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  // A server that failed the test must not stay behind either.
  for (const pid of servers.splice(0)) {
    try {
      if (stateOf(pid) !== "Z") process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
});

/** State letter from /proc/PID/stat, or undefined once the process is gone. */
function stateOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
  } catch {
    return undefined;
  }
}

function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid) children.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return children;
}

/** Start `command` and resolve once the EPP it runs is serving; the EPP is a descendant of it. */
async function startServing(command: string, args: string[]): Promise<ChildProcess> {
  const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"] });
  started.push(child);
  let stderr = "";
  await new Promise<void>((resolve, reject) => {
    child.stderr?.on("data", (chunk) => {
      stderr += chunk;
      if (stderr.includes("Serving metrics server")) resolve();
    });
    child.on("exit", () => reject(new Error(`exited before serving:\n${stderr}`)));
  });
  return child;
}

/** The testbed process: the one node process below `pid` (through a shell). */
function testbedUnder(pid: number): number {
  const queue = [pid];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const child of childrenOf(next)) {
      // The node process running the bin itself, not a shell or stand-in whose command line names it.
      if (readFileSync(`/proc/${child}/cmdline`, "utf8").split("\0")[1] === bin) {
        servers.push(child);
        return child;
      }
      queue.push(child);
    }
  }
  throw new Error(`no testbed process under ${pid}`);
}

async function expectGone(pid: number): Promise<void> {
  // A zombie (Z) has exited; whoever adopted it may not have reaped it yet.
  await vi.waitFor(() => expect(["Z", undefined]).toContain(stateOf(pid)), { timeout: 20_000, interval: 100 });
}

const quote = (args: string[]) => args.map((arg) => `'${arg}'`).join(" ");

describe.skipIf(process.platform !== "linux")("a testbed server outlives no one", () => {
  it("stops when the `sh -c` that ran it dies of SIGTERM (npm's forwarding)", async () => {
    const shell = await startServing("sh", ["-c", `${quote([process.execPath, ...EPP])}; true`]);
    const testbed = testbedUnder(shell.pid as number);
    shell.kill("SIGTERM");
    await expectGone(testbed);
  }, 60_000);

  it("stops when the process that ran its shell dies (SIGHUP to npx, which the shell outlives)", async () => {
    // A stand-in for npm: a node process that runs the bin through `sh -c` and waits.
    const npm = `require("node:child_process").spawn("sh", ["-c", ${JSON.stringify(`${quote([process.execPath, ...EPP])}; true`)}], { stdio: "inherit" }); setInterval(() => {}, 1000);`;
    const fakeNpm = await startServing(process.execPath, ["-e", npm]);
    const testbed = testbedUnder(fakeNpm.pid as number);
    fakeNpm.kill("SIGHUP");
    await expectGone(testbed);
  }, 60_000);
});
