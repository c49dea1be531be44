// Where `testbed up`'s main thread spends its time from launch to the banner: Node's CPU profiler
// (--cpu-prof) on the compiled command `npx testbed` runs, the banner marked in the profile, every
// sample sorted into a phase by the functions on its stack (module loading, topology, API server,
// controllers, kubelet and pod runtimes, certificates, readiness, GC, waiting). Figures in ms of the
// main thread, the median over BENCH_RUNS launches (default 5), with the main thread's CPU time and the
// load average, since other processes on the machine stretch every phase. BENCH_ROOT=/path/to/checkout
// profiles another checkout (e.g. the base commit) the same way; BENCH_SUBNET picks the pods' subnet.
// BENCH_PODS=64 profiles topologies/large with that many vLLM pods (a quarter per role and model, as
// bench/scale.ts), BENCH_TOPOLOGY=path any other topology; BENCH_ISOLATION=process profiles
// `--isolation process` and adds the pod processes' CPU time to the banner.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { descendantsCpuSeconds, median } from "./process-stats.js";
import { largeTopology } from "./testbed-process.js";

const ROOT = resolve(process.env.BENCH_ROOT ?? fileURLToPath(new URL("..", import.meta.url)));
const CLI = join(ROOT, "packages/cli/bin/testbed.mjs");
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 5));
const SUBNET = process.env.BENCH_SUBNET ?? "231";
const ISOLATION = process.env.BENCH_ISOLATION ?? "in-process";

/** The topology to start: BENCH_TOPOLOGY, topologies/large at BENCH_PODS vLLM pods, or the default. */
function topologyArgs(): string[] {
  if (process.env.BENCH_TOPOLOGY) return ["--topology", resolve(process.env.BENCH_TOPOLOGY)];
  const pods = Number(process.env.BENCH_PODS ?? 0);
  return pods ? ["--topology", largeTopology(join(ROOT, "topologies/large"), pods)] : [];
}
const TOPOLOGY_ARGS = topologyArgs();

/**
 * Loaded before the command (--import): when the banner is written, the main thread's CPU time goes
 * to stderr, then a function of a known name runs for 20 ms, long enough for the profiler to sample
 * it on a busy machine, so the profile shows where the banner is.
 */
const BANNER_MARK = `data:text/javascript,${encodeURIComponent(`
import { readFileSync } from "node:fs";
const write = process.stdout.write.bind(process.stdout);
function testbedBannerMark() { const end = performance.now() + 20; while (performance.now() < end); }
process.stdout.write = (chunk, ...rest) => {
  if (String(chunk).includes("testbed is up in")) {
    const fields = readFileSync("/proc/self/task/" + process.pid + "/stat", "utf8").split(") ")[1].split(" ");
    process.stderr.write("main-thread-cpu-ms " + (Number(fields[11]) + Number(fields[12])) * 10 + "\\n");
    testbedBannerMark();
  }
  return write(chunk, ...rest);
};`)}`;

interface CallFrame {
  functionName: string;
  url: string;
}

interface Profile {
  nodes: { id: number; callFrame: CallFrame; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

type Rule = [phase: string, test: (names: string[], urls: string[]) => boolean];

const any = (names: string[], pattern: RegExp) => names.some((name) => pattern.test(name));

/** The first rule that matches a sample's stack (leaf first) names its phase. */
const RULES: Rule[] = [
  ["garbage collection", (names) => names[0] === "(garbage collector)"],
  ["waiting (idle: other threads, I/O, timers)", (names) => names[0] === "(idle)"],
  [
    "loading modules (compile, top-level code)",
    (names) =>
      any(
        names,
        /^(compileSourceTextModule|moduleStrategy|wrapSafe|cjsPreparseModuleExports|moduleResolve|defaultResolve|getModuleJob|importModuleDynamically|__require\d*|__init\d*|evaluate|instantiate|link)$/,
      ),
  ],
  ["certificates on this thread (X.509)", (_names, urls) => urls.some((url) => /x509|asn1|certificate/.test(url))],
  ["topology: read and parse", (names) => any(names, /^(loadManifests|topologyManifests)$/)],
  ["topology: apply", (names) => names.includes("applyManifests")],
  ["API server start", (names) => names.includes("startApiServer")],
  [
    "pod runtimes start (gateway, EPP, vLLM, Kuadrant)",
    (names) => any(names, /^(startGateway|startEpp|startVllmSim|startAuthorino|startLimitador|applyNow)$/),
  ],
  ["kubelet (admission, volumes, probes)", (names) => any(names, /^(admit|startContainer|mountWithRetry|probeLoop)$/)],
  // compute: the pool source before it reconciled one pod per event (re-listing every pod), for A/B runs.
  ["EPP pool discovery (pod events)", (names) => any(names, /^(podChanged|poolChanged|relist|compute)$/)],
  ["controllers reconcile", (names) => any(names, /^(drain|reconcile)$/)],
  ["readiness wait", (names) => any(names, /^(notReady|firstPasses|waitUntilReady)$/)],
  ["other (Node start-up, fs and timer callbacks, store)", () => true],
];

/** ms per phase before the banner, from one profile. */
function phases(profile: Profile): Map<string, number> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const totals = new Map<string, number>(RULES.map(([phase]) => [phase, 0]));
  for (let i = 0; i < profile.samples.length; i++) {
    const names: string[] = [];
    const urls: string[] = [];
    for (let id: number | undefined = profile.samples[i]; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)!.callFrame;
      names.push(frame.functionName);
      urls.push(frame.url);
    }
    if (names.includes("testbedBannerMark")) return totals;
    const [phase] = RULES.find(([, test]) => test(names, urls))!;
    totals.set(phase, totals.get(phase)! + profile.timeDeltas[i]! / 1000);
  }
  throw new Error("no banner in the profile");
}

interface Launch {
  phases: Map<string, number>;
  mainCpuMs: number;
  /** The pod processes' CPU time at the banner (--isolation process). */
  podProcessesCpuMs: number;
  bannerMs: number;
}

/** One `testbed up` under the profiler until its banner, then Ctrl-C; the main thread's profile. */
function launch(): Promise<Launch> {
  const dir = mkdtempSync(join(tmpdir(), "testbed-bench-prof-"));
  const env = { ...process.env, TESTBED_HOME: join(dir, "home") };
  const args = ["--cpu-prof", `--cpu-prof-dir=${join(dir, "prof")}`, "--import", BANNER_MARK, CLI, "up"];
  const started = performance.now();
  const flags = ["--api-port", "0", "--subnet", SUBNET, "--time-scale", "0", "--isolation", ISOLATION];
  const child = spawn(process.execPath, [...args, ...flags, ...TOPOLOGY_ARGS], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let bannerMs = 0;
  let podProcessesCpuMs = 0;
  return new Promise((resolveLaunch, reject) => {
    const onData = (data: Buffer) => {
      output += data;
      if (bannerMs === 0 && /testbed is up in/.test(output)) {
        bannerMs = performance.now() - started;
        podProcessesCpuMs = descendantsCpuSeconds(child.pid as number) * 1000;
        child.kill("SIGINT");
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => {
      try {
        const cpu = /main-thread-cpu-ms (\d+)/.exec(output);
        if (bannerMs === 0 || !cpu) throw new Error(`testbed up exited with ${code} before its banner:\n${output}`);
        // One profile per thread (the signing worker has its own): the main thread's has the mark.
        const profiles = readdirSync(join(dir, "prof")).map(
          (file) => JSON.parse(readFileSync(join(dir, "prof", file), "utf8")) as Profile,
        );
        const main = profiles.find((profile) =>
          profile.nodes.some((node) => node.callFrame.functionName === "testbedBannerMark"),
        );
        if (!main) throw new Error("no profile with the banner mark");
        resolveLaunch({ phases: phases(main), mainCpuMs: Number(cpu[1]), podProcessesCpuMs, bannerMs });
      } catch (error) {
        reject(error);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

if (process.env.BENCH_PODS && !process.env.BENCH_TOPOLOGY) {
  process.once("exit", () => rmSync(TOPOLOGY_ARGS[1] as string, { recursive: true, force: true }));
}
const loadAtStart = loadavg()[0]!;
const launches: Launch[] = [];
for (let i = 0; i < RUNS; i++) launches.push(await launch());
const topology = TOPOLOGY_ARGS[1]
  ? `${process.env.BENCH_TOPOLOGY ?? `topologies/large at ${process.env.BENCH_PODS} vLLM pods`}`
  : "rhoai-3.2";
console.log(
  `\ntestbed up (${topology}, ${ISOLATION}), launch → banner on the main thread (${ROOT}), median of ${RUNS} profiled launches`,
);
console.log(`  load average (1 min): ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end`);
for (const [phase] of RULES) {
  const ms = median(launches.map((l) => l.phases.get(phase)!));
  console.log(`  ${phase.padEnd(56)} ${ms.toFixed(0).padStart(6)} ms`);
}
console.log(
  `  ${"main thread CPU time to the banner".padEnd(56)} ${median(launches.map((l) => l.mainCpuMs))
    .toFixed(0)
    .padStart(6)} ms`,
);
if (ISOLATION === "process") {
  console.log(
    `  ${"pod processes' CPU time to the banner (all of them)".padEnd(56)} ${median(
      launches.map((l) => l.podProcessesCpuMs),
    )
      .toFixed(0)
      .padStart(6)} ms`,
  );
}
console.log(
  `  ${"launch → banner under the profiler".padEnd(56)} ${median(launches.map((l) => l.bannerMs))
    .toFixed(0)
    .padStart(6)} ms`,
);
