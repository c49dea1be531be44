// The front door: what a workshop participant waits for on every command. Beside `node -e 0` (the
// floor: Node itself), in one run: `testbed --help`, two `testbed oc` calls against a testbed this
// benchmark starts (its own TESTBED_HOME, API port 0 and subnet), launch → banner of `npm start` and of
// `testbed up`, and the peak RSS of an `oc` call. BENCH_ROOT=/path/to/checkout measures another checkout
// (e.g. the base commit) with this same script; BENCH_SUBNET picks the pods' subnet (default 231).
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { median } from "./process-stats.js";

const ROOT = resolve(process.env.BENCH_ROOT ?? fileURLToPath(new URL("..", import.meta.url)));
const CLI = join(ROOT, "packages/cli/bin/testbed.mjs");
const RUNS = Math.max(3, Number(process.env.BENCH_RUNS ?? 5));
const SUBNET = process.env.BENCH_SUBNET ?? "231";
// GNU time reports a child's peak RSS (%M, KiB); without it the RSS figures are left out.
const TIME = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;

interface Run {
  ms: number;
  rssMiB: number | undefined;
  code: number | null;
  output: string;
}

/** One short command to completion: wall time from spawn to exit, and its peak RSS. */
function runOnce(argv: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const report = join(tmpdir(), `testbed-bench-time-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const [file, args] = TIME ? [TIME, ["-f", "%M", "-o", report, ...argv]] : [argv[0]!, argv.slice(1)];
  const started = performance.now();
  const child = spawn(file, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (data: Buffer) => {
    output += data;
  });
  child.stderr.on("data", (data: Buffer) => {
    output += data;
  });
  return new Promise((resolveRun) => {
    child.once("close", (code) => {
      const ms = performance.now() - started;
      let rssMiB: number | undefined;
      if (TIME && existsSync(report)) {
        const kib = Number(readFileSync(report, "utf8").trim().split("\n").at(-1));
        rssMiB = Number.isFinite(kib) ? kib / 1024 : undefined;
        rmSync(report, { force: true });
      }
      resolveRun({ ms, rssMiB, code, output });
    });
  });
}

/** The median wall time and the largest RSS over RUNS runs; a failing run stops the benchmark. */
async function measure(
  label: string,
  argv: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ ms: number; rssMiB?: number }> {
  const runs: Run[] = [];
  for (let i = 0; i < RUNS; i++) {
    const run = await runOnce(argv, env);
    if (run.code !== 0) throw new Error(`${label} exited with ${run.code}:\n${run.output}`);
    runs.push(run);
  }
  const rss = runs.map((r) => r.rssMiB).filter((r): r is number => r !== undefined);
  return { ms: median(runs.map((r) => r.ms)), ...(rss.length > 0 ? { rssMiB: Math.max(...rss) } : {}) };
}

interface Launched {
  child: ChildProcess;
  bannerMs: number;
  /** The banner's own figure: from startTestbed to every pod Ready, without loading Node and the command. */
  readyMs: number;
}

/** Start a long-running command in its own process group and wait for the `testbed up` banner. */
function launchUntilBanner(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<Launched> {
  const started = performance.now();
  const child = spawn(file, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  return new Promise((resolveLaunch, reject) => {
    const onData = (data: Buffer) => {
      output += data;
      const banner = /testbed is up in ([\d.]+) s/.exec(output);
      if (!banner) return;
      child.stdout?.off("data", onData);
      child.stderr?.off("data", onData);
      child.off("exit", failed);
      resolveLaunch({ child, bannerMs: performance.now() - started, readyMs: Number(banner[1]) * 1000 });
    };
    const failed = (code: number | null) =>
      reject(new Error(`${file} ${args.join(" ")} exited with ${code}:\n${output}`));
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", failed);
  });
}

/** Ctrl-C to the whole group (npm → sh → node), then wait for the leader to go. */
function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolveStop) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolveStop();
    child.once("exit", () => resolveStop());
    try {
      process.kill(-(child.pid as number), "SIGINT");
    } catch {
      resolveStop();
    }
  });
}

function privateHome(): NodeJS.ProcessEnv {
  // A private TESTBED_HOME: the benchmark never reads or overwrites the address file of the user's testbed.
  return { ...process.env, TESTBED_HOME: mkdtempSync(join(tmpdir(), "testbed-bench-cli-")) };
}

/** Median launch → banner, and the median of the banner's own start → Ready figure. */
async function bannerMedian(file: string, args: string[]): Promise<{ bannerMs: number; readyMs: number }> {
  const launches: Launched[] = [];
  for (let i = 0; i < RUNS; i++) {
    const launched = await launchUntilBanner(file, args, privateHome());
    launches.push(launched);
    await stop(launched.child);
  }
  return { bannerMs: median(launches.map((l) => l.bannerMs)), readyMs: median(launches.map((l) => l.readyMs)) };
}

const node = process.execPath;
// Other processes on the machine move every figure: the load average is printed with them.
const loadAtStart = loadavg()[0]!;
const upFlags = ["--api-port", "0", "--subnet", SUBNET, "--time-scale", "0"];
const floor = await measure("node -e 0", [node, "-e", "0"], process.env);
const help = await measure("testbed --help", [node, CLI, "--help"], process.env);

const clusterEnv = privateHome();
const testbed = await launchUntilBanner(node, [CLI, "up", ...upFlags], clusterEnv);
let getPods: { ms: number; rssMiB?: number };
let jsonpath: { ms: number; rssMiB?: number };
try {
  getPods = await measure("testbed oc get pods -A", [node, CLI, "oc", "get", "pods", "-A"], clusterEnv);
  jsonpath = await measure(
    "testbed oc get gateway -o jsonpath",
    [
      node,
      CLI,
      "oc",
      "get",
      "gateway",
      "openshift-ai-inference",
      "-n",
      "openshift-ingress",
      "-o",
      "jsonpath={.status.addresses[0].value}",
    ],
    clusterEnv,
  );
} finally {
  await stop(testbed.child);
}
const upBanner = await bannerMedian(node, [CLI, "up", ...upFlags]);
const npmBanner = await bannerMedian("npm", ["start", "--", ...upFlags]);

const ratio = (ms: number) => `${(ms / floor.ms).toFixed(1)}× floor`;
const row = (label: string, ms: number, target: string) =>
  console.log(`  ${label.padEnd(44)} ${ms.toFixed(0).padStart(6)} ms  ${ratio(ms).padStart(12)}   target ${target}`);
console.log(`\nthe front door (${ROOT}), median of ${RUNS} runs`);
console.log(`  load average (1 min): ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end`);
row("node -e 0 (the floor)", floor.ms, "—");
row("testbed --help", help.ms, "≤ 3× floor");
row("testbed oc get pods -A", getPods.ms, "≤ 5× floor");
row("testbed oc get gateway … -o jsonpath=…", jsonpath.ms, "≤ 5× floor");
row("launch → banner: testbed up", upBanner.bannerMs, "≤ 1200 ms");
row("  of which start → every pod Ready", upBanner.readyMs, "—");
row("launch → banner: npm start", npmBanner.bannerMs, "≤ 1200 ms");
row("  of which start → every pod Ready", npmBanner.readyMs, "—");
const ocRss = Math.max(getPods.rssMiB ?? 0, jsonpath.rssMiB ?? 0);
if (floor.rssMiB !== undefined && ocRss > 0) {
  console.log(`  peak RSS: node -e 0 ${floor.rssMiB.toFixed(0)} MiB, testbed --help ${help.rssMiB?.toFixed(0)} MiB`);
  console.log(
    `  peak RSS of an oc call                       ${ocRss.toFixed(0).padStart(6)} MiB ${`${(ocRss / floor.rssMiB).toFixed(1)}× floor`.padStart(12)}   target ≤ 80 MiB`,
  );
}
