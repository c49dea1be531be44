// Idle CPU of a whole testbed, A/B between checkouts: `testbed up` of each checkout in turn (its own
// CLI and topology), left alone for a settle time, then the CPU time of the process and its pod
// processes over a window (utime + stime from /proc), with the load average beside each figure.
// An idle testbed still scrapes every vLLM pod every 50 ms, probes its pods and prints vLLM's 10 s
// stats line, so this is the cost of those faithful timers. Alternating the checkouts window by
// window keeps a changing machine load from favouring one of them.
//   IDLE_ROOTS=/work/main,.   checkouts to compare (default: this one)
//   IDLE_TOPOLOGY=rhoai-3.2   or large (topologies/large: 64 vLLM pods, two EPPs)
//   IDLE_PAIRS=3 IDLE_WINDOW_S=20 IDLE_SETTLE_S=10
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { median, readRssBytes } from "./process-stats.js";
import { idleCpuShare, type RunningTestbed, startTestbed } from "./testbed-process.js";

const HERE = fileURLToPath(new URL("..", import.meta.url));
const ROOTS = (process.env.IDLE_ROOTS ?? HERE).split(",").map((root) => resolve(root));
const TOPOLOGY = process.env.IDLE_TOPOLOGY ?? "rhoai-3.2";
const PAIRS = Number(process.env.IDLE_PAIRS ?? 3);
const WINDOW_MS = Number(process.env.IDLE_WINDOW_S ?? 20) * 1000;
const SETTLE_MS = Number(process.env.IDLE_SETTLE_S ?? 10) * 1000;
/** Third octet reserved for this benchmark (issue 23's idle-cost lane: 100–102). */
const SUBNET = 101;

function up(root: string): Promise<RunningTestbed> {
  const topology = join(root, "topologies", TOPOLOGY);
  const args = ["--api-port", "0", "--subnet", String(SUBNET), "--no-web", "--topology", topology];
  return startTestbed(join(root, "packages/cli/bin/testbed.mjs"), args);
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

console.log(
  `idle CPU of \`testbed up --topology ${TOPOLOGY}\`: ${SETTLE_MS / 1000} s after the banner, then ${WINDOW_MS / 1000} s`,
);
const results = new Map<string, number[]>(ROOTS.map((root) => [root, []]));
for (let pair = 1; pair <= PAIRS; pair++) {
  for (const root of ROOTS) {
    const running = await up(root);
    await sleep(SETTLE_MS);
    const pid = running.child.pid as number;
    const loadBefore = loadavg()[0] as number;
    const share = await idleCpuShare(pid, WINDOW_MS);
    const loadAfter = loadavg()[0] as number;
    const rssMiB = readRssBytes(pid) / 2 ** 20;
    await running.stop();
    results.get(root)?.push(share);
    console.log(
      `  ${pair}  ${root.padEnd(22)} ${(share * 100).toFixed(1).padStart(5)}% of a core  RSS ${rssMiB.toFixed(0)} MiB` +
        `  up in ${running.readySeconds} s  load average ${loadBefore.toFixed(2)} → ${loadAfter.toFixed(2)}`,
    );
  }
}
for (const [root, shares] of results) {
  console.log(`${root}: min ${(Math.min(...shares) * 100).toFixed(1)}%, median ${(median(shares) * 100).toFixed(1)}%`);
}
