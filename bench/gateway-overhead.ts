import { availableParallelism } from "node:os";
import autocannon from "autocannon";
import { type ChildServer, startChildServer } from "./child-server.js";

/**
 * What the gateway costs, in the same run and under the same load (32 connections, a small chat
 * completion, vllm-sim at --time-scale 0): client → vllm-sim directly; → gateway without ext_proc;
 * → gateway with the testbed's EPP in a full-duplex ext_proc exchange. Prints throughput ratios and
 * added p50/p99 latency, and the CPU each process used per request under load (the machine's cores
 * are shared, so that is where the throughput goes). Targets (issue 4): ≥ 50% of direct throughput without ext_proc, ≥ 30% with;
 * added p50 ≤ 1 ms without and ≤ 3 ms with ext_proc.
 */
const DURATION_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const body = JSON.stringify({
  model: "Qwen/Qwen3-0.6B",
  messages: [{ role: "user", content: "Hi" }],
  max_tokens: 4,
  ignore_eos: true,
});

/** Load `url`; with `servers`, also the CPU each used per request during the measured run. */
async function load(url: string, connections = 32, servers: Record<string, ChildServer> = {}) {
  const run = () =>
    autocannon({
      url: `${url}/v1/chat/completions`,
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      connections,
      duration: DURATION_SECONDS,
    });
  await run(); // warm-up
  const cpuBefore = Object.values(servers).map((server) => server.cpuSeconds());
  const loadGeneratorBefore = process.cpuUsage();
  const result = await run();
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
  return {
    cpu: `${micros.map(([name, us]) => `${name} ${Math.round(us)} µs`).join(", ")}; all cores busy would allow ${ceiling.toFixed(0)} req/s`,
    perSecond: result["2xx"] / DURATION_SECONDS,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.non2xx + result.errors,
  };
}

const pod = await startChildServer("vllm-sim-server.ts");
const podHostPort = pod.url.replace("http://", "");
// Throughput under saturation (32 connections), and latency unloaded (one connection at a time),
// where the difference is what the gateway adds rather than queueing on a shared 2-core machine.
const direct = await load(pod.url, 32, { "vllm-sim": pod });
const directUnloaded = await load(pod.url, 1);

const plainGateway = await startChildServer("gateway-server.ts", { UPSTREAM: podHostPort });
const plain = await load(plainGateway.url, 32, { gateway: plainGateway, "vllm-sim": pod });
const plainUnloaded = await load(plainGateway.url, 1);
await plainGateway.stop();

const epp = await startChildServer("epp-server.ts", { ENDPOINTS: podHostPort });
const eppGateway = await startChildServer("gateway-server.ts", { UPSTREAM: podHostPort, EPP: epp.url });
const withEpp = await load(eppGateway.url, 32, { gateway: eppGateway, epp, "vllm-sim": pod });
const withEppUnloaded = await load(eppGateway.url, 1);
await eppGateway.stop();
await epp.stop();
await pod.stop();

const describe = (name: string, r: typeof direct) =>
  `${name}: ${r.perSecond.toFixed(0)} req/s (${((r.perSecond / direct.perSecond) * 100).toFixed(0)}% of direct), ` +
  `p50 ${r.p50} ms (+${(r.p50 - direct.p50).toFixed(1)}), p99 ${r.p99} ms (+${(r.p99 - direct.p99).toFixed(1)}), errors ${r.errors}`;
console.log(
  `direct to vllm-sim: ${direct.perSecond.toFixed(0)} req/s, p50 ${direct.p50} ms, p99 ${direct.p99} ms, errors ${direct.errors}`,
);
console.log(`  CPU per request: ${direct.cpu}`);
console.log(`${describe("gateway, no ext_proc", plain)}; target ≥ 50%`);
console.log(`  CPU per request: ${plain.cpu}`);
console.log(`${describe("gateway + EPP (full-duplex ext_proc)", withEpp)}; target ≥ 30%`);
console.log(`  CPU per request: ${withEpp.cpu}`);
const added = (r: typeof direct) =>
  `p50 +${(r.p50 - directUnloaded.p50).toFixed(1)} ms, p99 +${(r.p99 - directUnloaded.p99).toFixed(1)} ms`;
console.log(
  `unloaded (1 connection): direct p50 ${directUnloaded.p50} ms; gateway ${added(plainUnloaded)} (target ≤ 1 ms); gateway + EPP ${added(withEppUnloaded)} (target ≤ 3 ms)`,
);
