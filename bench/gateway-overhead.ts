import { availableParallelism, loadavg } from "node:os";
import autocannon from "autocannon";
import { type ChildServer, startChildServer } from "./child-server.js";

/**
 * What the gateway costs, in the same run and under the same load (32 connections, a small chat
 * completion, vllm-sim at --time-scale 0): client → vllm-sim directly; → gateway without ext_proc;
 * → gateway with the testbed's EPP in a full-duplex ext_proc exchange. Prints throughput ratios and
 * added p50/p99 latency, and the CPU each process used per request under load (the machine's cores
 * are shared, so that is where the throughput goes). Targets (issue 4): ≥ 50% of direct throughput without ext_proc, ≥ 30% with;
 * added p50 ≤ 1 ms without and ≤ 3 ms with ext_proc.
 *
 * A shared machine drifts by ±20% within a minute, so the loads run back to back in each of
 * BENCH_ROUNDS rounds and every ratio compares loads of the same round; the summary is the median.
 * A fourth load puts a trivial ext_proc echo on the EPP's own gRPC server behind the gateway (the
 * EPP's transport with nothing decided); a fifth measures Node's floor for the gateway + EPP path:
 * a bare proxy and a bare HTTP/2 peer exchanging the same frames with nothing else to do
 * (servers/node-floor-*.ts).
 */
const DURATION_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
/**
 * Requests each measured load serves before its measurement. A fresh gateway and EPP take thousands
 * of requests to reach their steady state (JIT tiers, full trace rings, a sized heap): warmed up by
 * time alone, the slower path was still warming up while measured, at a rate that varied run to run.
 */
const WARMUP_REQUESTS = Number(process.env.BENCH_WARMUP_REQUESTS ?? 6000);
const body = JSON.stringify({
  model: "Qwen/Qwen3-0.6B",
  messages: [{ role: "user", content: "Hi" }],
  max_tokens: 4,
  ignore_eos: true,
});

/** Load `url`; with `servers`, also the CPU each used per request during the measured run. */
async function load(url: string, connections = 32, servers: Record<string, ChildServer> = {}) {
  const measured = Object.keys(servers).length > 0;
  // autocannon ends a run by its amount of requests when one is set, by its duration otherwise.
  const run = (until: { duration: number } | { amount: number }) =>
    autocannon({
      url: `${url}/v1/chat/completions`,
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      connections,
      ...until,
    });
  // Warm-up: a number of requests under load; unloaded (one connection) a few seconds.
  await run(measured ? { amount: WARMUP_REQUESTS } : { duration: Math.min(DURATION_SECONDS, 3) });
  const cpuBefore = Object.values(servers).map((server) => server.cpuSeconds());
  const loadGeneratorBefore = process.cpuUsage();
  const result = await run({ duration: DURATION_SECONDS });
  const requests = Math.max(1, result["2xx"]);
  const loadGenerator = process.cpuUsage(loadGeneratorBefore);
  const micros: Array<[string, number]> = Object.entries(servers).map(([name, server], i) => [
    name,
    ((server.cpuSeconds() - (cpuBefore[i] ?? 0)) * 1e6) / requests,
  ]);
  micros.push(["load generator", (loadGenerator.user + loadGenerator.system) / requests]);
  const total = micros.reduce((sum, [, us]) => sum + us, 0);
  // What the machine's cores could serve if every process were busy all the time.
  const ceiling = (availableParallelism() * 1e6) / total;
  // What a machine with a core for each process could serve at these costs: its busiest process's limit.
  const corePerProcess = 1e6 / Math.max(...micros.map(([, us]) => us));
  return {
    /** CPU µs per request of each process by name (the load generator's too). */
    micros: Object.fromEntries(micros) as Record<string, number>,
    cpu: `${micros.map(([name, us]) => `${name} ${Math.round(us)} µs`).join(", ")}; all cores busy would allow ${ceiling.toFixed(0)} req/s`,
    corePerProcess,
    perSecond: result["2xx"] / DURATION_SECONDS,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.non2xx + result.errors,
  };
}

type Load = Awaited<ReturnType<typeof load>>;

const pod = await startChildServer("vllm-sim-server.ts");
const podHostPort = pod.url.replace("http://", "");

/**
 * A load through `front` (a gateway or the floor proxy) in front of an ext_proc `processor`, each
 * started for this load under its name and stopped after it; saturated, with their CPU measured.
 */
async function loadThrough(
  [processorName, startProcessor]: [string, () => Promise<ChildServer>],
  [frontName, startFront]: [string, (processor: ChildServer) => Promise<ChildServer>],
  connections: number,
): Promise<Load> {
  const processor = await startProcessor();
  const front = await startFront(processor);
  const servers = { [frontName]: front, [processorName]: processor, "vllm-sim": pod };
  const result = await load(front.url, connections, connections > 1 ? servers : {});
  await front.stop();
  await processor.stop();
  return result;
}

/**
 * The loads back to back over `connections`: direct, through the gateway, through gateway + EPP,
 * through gateway + a trivial echo, and Node's floor. Saturated (32), each load also measures the CPU its processes use; unloaded (1, one request
 * at a time), the latency is what the gateway adds rather than queueing on a shared 2-core machine.
 */
async function allLoads(
  connections: number,
): Promise<{ direct: Load; plain: Load; withEpp: Load; withEcho: Load; floor: Load }> {
  const measured = connections > 1;
  const direct = await load(pod.url, connections, measured ? { "vllm-sim": pod } : {});
  const plainGateway = await startChildServer("gateway-server.ts", { UPSTREAM: podHostPort });
  const plain = await load(plainGateway.url, connections, measured ? { gateway: plainGateway, "vllm-sim": pod } : {});
  await plainGateway.stop();
  const gatewayOver = (processor: ChildServer) =>
    startChildServer("gateway-server.ts", { UPSTREAM: podHostPort, EPP: processor.url });
  const withEpp = await loadThrough(
    ["epp", () => startChildServer("epp-server.ts", { ENDPOINTS: podHostPort })],
    ["gateway", gatewayOver],
    connections,
  );
  // The EPP's transport with nothing to decide: the same gateway with a trivial ext_proc echo served
  // on the EPP's own gRPC server.
  const withEcho = await loadThrough(
    ["echo", () => startChildServer("echo-ext-proc-server.ts", { SERVER: "testbed" })],
    ["gateway", gatewayOver],
    connections,
  );
  // Node's own floor for that path: a bare proxy and a bare HTTP/2 peer exchanging as many frames.
  const floor = await loadThrough(
    ["processor", () => startChildServer("node-floor-processor.ts")],
    [
      "proxy",
      (processor) => startChildServer("node-floor-proxy.ts", { UPSTREAM: podHostPort, PROCESSOR: processor.url }),
    ],
    connections,
  );
  return { direct, plain, withEpp, withEcho, floor };
}

const percent = (part: Load, whole: Load) => (part.perSecond / whole.perSecond) * 100;
type Round = Awaited<ReturnType<typeof allLoads>>;
/**
 * The issue's CPU target (issue 23: ≤ 1.3× Node's floor for the gateway and for the EPP): each ext_proc
 * process's CPU per request against its counterpart in the floor load of the same round; the echo
 * (the EPP's transport, nothing decided) beside them without a target.
 */
const CPU_AGAINST_FLOOR = [
  { name: "gateway", pick: (round: Round) => round.withEpp, process: "gateway", floor: "proxy", target: 1.3 },
  { name: "EPP", pick: (round: Round) => round.withEpp, process: "epp", floor: "processor", target: 1.3 },
  {
    name: "transport echo (nothing decided)",
    pick: (round: Round) => round.withEcho,
    process: "echo",
    floor: "processor",
    target: undefined,
  },
] as const;
type CpuComparison = (typeof CPU_AGAINST_FLOOR)[number];
const processMicros = (round: Round, { pick, process }: CpuComparison) => pick(round).micros[process] ?? 0;
const floorMicros = (round: Round, { floor }: CpuComparison) => round.floor.micros[floor] ?? 1;
const cpuRatio = (round: Round, comparison: CpuComparison) =>
  processMicros(round, comparison) / floorMicros(round, comparison);
const cpuTarget = ({ target }: CpuComparison) => (target ? `, target ≤ ${target}×` : "");
/** One round's CPU per request of each ext_proc process against the floor's, with the targets. */
const extProcCpu = (round: Round) =>
  `CPU per request: ${CPU_AGAINST_FLOOR.map(
    (comparison) =>
      `${comparison.name} ${Math.round(processMicros(round, comparison))} µs vs floor ${comparison.floor} ` +
      `${Math.round(floorMicros(round, comparison))} µs (${cpuRatio(round, comparison).toFixed(2)}×${cpuTarget(comparison)})`,
  ).join("; ")}`;
const rounds: Round[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  const result = await allLoads(32);
  rounds.push(result);
  const { direct, plain, withEpp, withEcho, floor } = result;
  console.log(
    `round ${round}/${ROUNDS}: direct ${direct.perSecond.toFixed(0)} req/s; gateway ${plain.perSecond.toFixed(0)} ` +
      `(${percent(plain, direct).toFixed(0)}%); gateway + EPP ${withEpp.perSecond.toFixed(0)} (${percent(withEpp, direct).toFixed(0)}%)` +
      `; gateway + transport echo ${withEcho.perSecond.toFixed(0)} (${percent(withEcho, direct).toFixed(0)}%)` +
      `; Node floor ${floor.perSecond.toFixed(0)} (${percent(floor, direct).toFixed(0)}%)` +
      `; errors ${direct.errors + plain.errors + withEpp.errors + withEcho.errors + floor.errors}`,
  );
  console.log(`  ${extProcCpu(result)}; load average ${loadavg()[0]?.toFixed(1)}`);
}
const unloaded = await allLoads(1);
await pod.stop();

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)] ?? 0;
/** The median of a ratio over the rounds, its range, and the round it came from (for its CPU figures). */
function summary(pick: (round: Round) => Load) {
  const ratios = rounds.map((round) => percent(pick(round), round.direct));
  const middle = median(ratios);
  const round = rounds[ratios.indexOf(middle)] ?? rounds[0];
  const range = `${Math.min(...ratios).toFixed(0)}–${Math.max(...ratios).toFixed(0)}%`;
  return { text: `${middle.toFixed(0)}% of direct (rounds ${range})`, load: round ? pick(round) : undefined };
}
const report = (name: string, pick: (round: Round) => Load, target?: string) => {
  const { text, load: middle } = summary(pick);
  console.log(`${name}: median ${text}${target ? `; target ${target}` : ""}`);
  if (!middle) return;
  console.log(`  median round: ${middle.perSecond.toFixed(0)} req/s, p50 ${middle.p50} ms, p99 ${middle.p99} ms`);
  console.log(`  CPU per request: ${middle.cpu}`);
};
const directs = rounds.map((round) => round.direct.perSecond);
console.log(
  `direct to vllm-sim: ${Math.min(...directs).toFixed(0)}–${Math.max(...directs).toFixed(0)} req/s over ${ROUNDS} rounds; ` +
    `CPU per request: ${rounds[0]?.direct.cpu}`,
);
report("gateway, no ext_proc", (round) => round.plain, "≥ 50%");
report("gateway + EPP (full-duplex ext_proc)", (round) => round.withEpp, "≥ 30%");
// Not measured: the CPU figures above, projected onto a machine with a core for each process.
const projected = (pick: (round: Round) => Load) =>
  median(rounds.map((round) => (pick(round).corePerProcess / round.direct.corePerProcess) * 100)).toFixed(0);
console.log(
  `  projected with a core per process (each load limited by its busiest process): gateway ${projected((r) => r.plain)}%, ` +
    `gateway + EPP ${projected((r) => r.withEpp)}% of direct`,
);
report(
  "gateway + a trivial ext_proc echo on the EPP's gRPC server (its transport, nothing decided)",
  (round) => round.withEcho,
);
report(
  "Node floor for that path (bare HTTP/1.1 proxy + bare HTTP/2 peer, the same frames, no protobuf or logic)",
  (round) => round.floor,
);
for (const comparison of CPU_AGAINST_FLOOR) {
  const ratios = rounds.map((round) => cpuRatio(round, comparison));
  console.log(
    `${comparison.name} CPU per request ÷ Node floor's ${comparison.floor}: median ${median(ratios).toFixed(2)}× ` +
      `(rounds ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}×)${cpuTarget(comparison)}`,
  );
}
const added = (r: Load) =>
  `p50 +${(r.p50 - unloaded.direct.p50).toFixed(1)} ms, p99 +${(r.p99 - unloaded.direct.p99).toFixed(1)} ms`;
console.log(
  `unloaded (1 connection): direct p50 ${unloaded.direct.p50} ms; gateway ${added(unloaded.plain)} (target ≤ 1 ms); ` +
    `gateway + EPP ${added(unloaded.withEpp)} (target ≤ 3 ms); gateway + transport echo ${added(unloaded.withEcho)}; ` +
    `Node floor ${added(unloaded.floor)}`,
);
