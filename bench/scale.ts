// How the testbed grows with the number of model pods: topologies/large (two models, each with
// prefill and decode pods, its own EPP and InferencePool) at 4, 16 and 64 vLLM pods, and the default
// topology (rhoai-3.2) in-process and with --isolation process. For each: `testbed up` to every pod
// Ready, RSS of the testbed and its pod processes, idle CPU (the EPPs scraping every pod every 50 ms,
// probes, vLLM's stats line), then a shared-prefix load straight into each EPP's ext_proc port:
// decisions per second, decision latency, and how the decisions spread over the decode pods.
// Beside the wall time to Ready, the CPU time the testbed's main thread (and, under --isolation
// process, its pod processes) had spent when the banner was printed: the steadier figure on a
// shared machine, where other processes stretch the wall time.
// Figures only; nothing here fails. `BENCH_SIZES=4,16` picks sizes, `BENCH_SECONDS` the load length.
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { chatBody, EppClient, routeOnce } from "@testbed/epp-client";
import { descendantsCpuSeconds, median, readRssBytes, readThreadCpuSeconds } from "./process-stats.js";
import { idleCpuShare, largeTopology, type RunningTestbed, startTestbed } from "./testbed-process.js";

const CLI = fileURLToPath(new URL("../packages/cli/bin/testbed.mjs", import.meta.url));
const LARGE = fileURLToPath(new URL("../topologies/large", import.meta.url));
const DEFAULT = fileURLToPath(new URL("../topologies/rhoai-3.2", import.meta.url));
const SIZES = (process.env.BENCH_SIZES ?? "4,16,64").split(",").map(Number);
const LOAD_MS = Number(process.env.BENCH_SECONDS ?? 5) * 1000;
const IDLE_MS = 10_000;
const SETTLE_MS = 5_000;
/** Third octets reserved for this benchmark (issue 23's 95–99). */
const SUBNETS = [97, 98, 99];
const MODELS = [
  { namespace: "large-models", scheduler: "qwen3-0-6b-kserve-router-scheduler", model: "Qwen/Qwen3-0.6B" },
  { namespace: "large-models", scheduler: "qwen3-1-7b-kserve-router-scheduler", model: "Qwen/Qwen3-1.7B" },
];

interface Running extends RunningTestbed {
  /** CPU seconds of the testbed's main thread when the banner was printed. */
  mainThreadCpu: number;
  /** CPU seconds of the pod processes (--isolation process) when the banner was printed. */
  podProcessesCpu: number;
}

async function up(topology: string, subnet: number, extra: string[] = []): Promise<Running> {
  const running = await startTestbed(CLI, [
    "--api-port",
    "0",
    "--subnet",
    String(subnet),
    "--topology",
    topology,
    ...extra,
  ]);
  const pid = running.child.pid as number;
  return {
    ...running,
    mainThreadCpu: readThreadCpuSeconds(pid, pid),
    podProcessesCpu: descendantsCpuSeconds(pid),
  };
}

interface PodInfo {
  name: string;
  ip: string;
}

function pods(home: string, namespace: string): PodInfo[] {
  const result = spawnSync(process.execPath, [CLI, "oc", "get", "pods", "-n", namespace, "-o", "json"], {
    env: { ...process.env, TESTBED_HOME: home },
    encoding: "utf8",
  });
  const list = JSON.parse(result.stdout) as { items: Array<{ metadata: { name: string }; status: { podIP: string } }> };
  return list.items.map((pod) => ({ name: pod.metadata.name, ip: pod.status.podIP }));
}

interface LoadResult {
  decisions: number;
  latenciesMs: number[];
  perDecodePod: number[];
  errors: number;
}

/**
 * Eight sessions per EPP for LOAD_MS, each request one of 16 long shared prefixes (a system prompt)
 * plus a question of its own, as a chat workload with shared system prompts has.
 */
async function sharedPrefixLoad(home: string, decodePods: number): Promise<LoadResult> {
  const all = pods(home, "large-models");
  const latenciesMs: number[] = [];
  const counts = new Map<string, number>();
  let errors = 0;
  const prefixes = Array.from({ length: 16 }, (_, group) =>
    `System prompt ${group}: you answer questions about the testbed. `.repeat(30),
  );
  await Promise.all(
    MODELS.map(async ({ scheduler, model }) => {
      const epp = all.find((pod) => pod.name.startsWith(scheduler));
      if (!epp) throw new Error(`no ${scheduler} pod`);
      const client = new EppClient({ address: `${epp.ip}:9002`, tls: { insecureSkipVerify: true } });
      const until = performance.now() + LOAD_MS;
      let sequence = 0;
      const session = async () => {
        while (performance.now() < until) {
          const n = sequence++;
          const body = chatBody(`${prefixes[n % prefixes.length]} Question ${n}?`, { model });
          const started = performance.now();
          const result = await routeOnce(client, body).catch(() => undefined);
          if (!result?.destination) {
            errors++;
            continue;
          }
          latenciesMs.push(performance.now() - started);
          counts.set(result.destination, (counts.get(result.destination) ?? 0) + 1);
        }
      };
      await Promise.all(Array.from({ length: 8 }, session));
      client.close();
    }),
  );
  const perDecodePod = [...counts.values()];
  while (perDecodePod.length < decodePods) perDecodePod.push(0);
  return { decisions: latenciesMs.length, latenciesMs, perDecodePod, errors };
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/** The main thread's CPU time to the banner, and the pod processes' when there are any. */
function cpuToReady(running: Running): string {
  const main = `${running.mainThreadCpu.toFixed(2)} s`;
  return running.podProcessesCpu > 0 ? `${main} (+ ${running.podProcessesCpu.toFixed(2)} s)` : main;
}

const rows: string[] = [];
const row = (cells: Array<string | number>) => rows.push(`| ${cells.join(" | ")} |`);
console.log(
  `load average at start: ${loadavg()
    .map((n) => n.toFixed(2))
    .join(" ")}`,
);

for (const [index, size] of SIZES.entries()) {
  const topology = largeTopology(LARGE, size);
  const running = await up(topology, SUBNETS[index % SUBNETS.length] as number);
  const pid = running.child.pid as number;
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const rssMiB = readRssBytes(pid) / 2 ** 20;
  const cpu = await idleCpuShare(pid, IDLE_MS);
  const load = await sharedPrefixLoad(running.home, size / 2);
  const rssAfterMiB = readRssBytes(pid) / 2 ** 20;
  await running.stop();
  const used = load.perDecodePod.filter((count) => count > 0).length;
  row([
    `large, ${size} vLLM pods`,
    `${running.readySeconds.toFixed(1)} s`,
    cpuToReady(running),
    `${rssMiB.toFixed(0)} / ${rssAfterMiB.toFixed(0)} MiB`,
    `${(cpu * 100).toFixed(1)} %`,
    `${(load.decisions / (LOAD_MS / 1000)).toFixed(0)}/s`,
    `${quantile(load.latenciesMs, 0.5).toFixed(1)} / ${quantile(load.latenciesMs, 0.99).toFixed(1)} ms`,
    `${used}/${size / 2} pods, ${Math.min(...load.perDecodePod)}–${median(load.perDecodePod)}–${Math.max(...load.perDecodePod)}`,
    `${loadavg()[0]?.toFixed(1)}`,
  ]);
  console.log(rows.at(-1));
}

for (const isolation of ["in-process", "process"]) {
  const running = await up(DEFAULT, 97, ["--isolation", isolation]);
  const pid = running.child.pid as number;
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const rssMiB = readRssBytes(pid) / 2 ** 20;
  const cpu = await idleCpuShare(pid, IDLE_MS);
  await running.stop();
  row([
    `rhoai-3.2 (4 vLLM pods), ${isolation}`,
    `${running.readySeconds.toFixed(1)} s`,
    cpuToReady(running),
    `${rssMiB.toFixed(0)} MiB`,
    `${(cpu * 100).toFixed(1)} %`,
    "—",
    "—",
    "—",
    `${loadavg()[0]?.toFixed(1)}`,
  ]);
  console.log(rows.at(-1));
}

console.log(
  [
    "| topology | up → Ready | CPU to Ready: main thread (+ pod processes) | RSS idle / after load | idle CPU (of a core) | EPP decisions | decision p50 / p99 | decode pods used, min–median–max decisions | load avg |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n"),
);
