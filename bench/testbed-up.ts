// `testbed up` start-up: wall time from launching the command to every pod Ready (the banner's
// figure, which excludes loading Node and the command), the whole launch-to-banner time, and the RSS of the
// default topology. Target: under 1.5 s to Ready. Baseline in the same run: one vllm-sim pod.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { median, readRssBytes } from "./process-stats.js";

const CLI = fileURLToPath(new URL("../packages/cli/bin/testbed.mjs", import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

interface Launch {
  readyMs: number;
  launchToBannerMs: number;
  rssMiB: number;
}

function launch(args: string[], readyPattern: RegExp): Promise<Launch> {
  const started = performance.now();
  // A private TESTBED_HOME, so the benchmark never overwrites the address file of a testbed the user runs.
  const env = { ...process.env, TESTBED_HOME: mkdtempSync(join(tmpdir(), "testbed-bench-")) };
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"], env });
  return new Promise((resolve, reject) => {
    let output = "";
    let seen = false;
    const onData = (data: Buffer) => {
      output += data;
      const match = readyPattern.exec(output);
      if (!match || seen) return;
      seen = true;
      const launchToBannerMs = performance.now() - started;
      // Let the pods settle for a moment, then read the resident set of the whole testbed process.
      setTimeout(() => {
        const rssMiB = readRssBytes(child.pid as number) / 1024 / 1024;
        child.off("exit", failed);
        child.once("exit", () =>
          resolve({ readyMs: match[1] ? Number(match[1]) * 1000 : launchToBannerMs, launchToBannerMs, rssMiB }),
        );
        child.kill("SIGINT");
      }, 500);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    const failed = (code: number | null) => reject(new Error(`testbed ${args[0]} exited with ${code}: ${output}`));
    child.once("exit", failed);
  });
}

const baseline: Launch[] = [];
const topology: Launch[] = [];
for (let run = 0; run < RUNS; run++) {
  baseline.push(await launch(["vllm-sim", "--port", "0", "--time-scale", "0"], /Starting vLLM API server/));
  topology.push(
    await launch(
      ["up", "--api-port", "0", "--subnet", String(240 + run), "--time-scale", "0"],
      /testbed is up in ([\d.]+) s/,
    ),
  );
}

const isolated = await launch(
  ["up", "--isolation", "process", "--api-port", "0", "--subnet", "250", "--time-scale", "0"],
  /testbed is up in ([\d.]+) s/,
);

console.log(`\ntestbed up (rhoai-3.2: 10 pods, 3 gateways), median of ${RUNS} runs`);
console.log(
  `  start → every pod Ready      ${median(topology.map((l) => l.readyMs)).toFixed(0)} ms (target < 1500 ms)`,
);
console.log(`  launch → banner (incl. Node)  ${median(topology.map((l) => l.launchToBannerMs)).toFixed(0)} ms`);
console.log(`  RSS of the testbed           ${median(topology.map((l) => l.rssMiB)).toFixed(0)} MiB`);
console.log(
  `testbed up --isolation process (one run): every pod Ready in ${isolated.readyMs.toFixed(0)} ms, RSS of all processes ${isolated.rssMiB.toFixed(0)} MiB`,
);
console.log(`baseline: one vllm-sim pod`);
console.log(`  launch → listening            ${median(baseline.map((l) => l.launchToBannerMs)).toFixed(0)} ms`);
console.log(`  RSS                           ${median(baseline.map((l) => l.rssMiB)).toFixed(0)} MiB`);
console.log(
  `  ratio (topology / one pod)    ${(median(topology.map((l) => l.launchToBannerMs)) / median(baseline.map((l) => l.launchToBannerMs))).toFixed(2)}x time, ${(median(topology.map((l) => l.rssMiB)) / median(baseline.map((l) => l.rssMiB))).toFixed(2)}x RSS`,
);
