import autocannon from "autocannon";
import { startChildServer } from "./child-server.js";

/**
 * What the gateway costs, in the same run and under the same load (32 connections, a small chat
 * completion, vllm-sim at --time-scale 0): client → vllm-sim directly; → gateway without ext_proc;
 * → gateway with the testbed's EPP in a full-duplex ext_proc exchange. Prints throughput ratios and
 * added p50/p99 latency. Targets (issue 4): ≥ 50% of direct throughput without ext_proc, ≥ 30% with;
 * added p50 ≤ 1 ms without and ≤ 3 ms with ext_proc.
 */
const DURATION_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const body = JSON.stringify({
  model: "Qwen/Qwen3-0.6B",
  messages: [{ role: "user", content: "Hi" }],
  max_tokens: 4,
  ignore_eos: true,
});

async function load(url: string) {
  const run = () =>
    autocannon({
      url: `${url}/v1/chat/completions`,
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      connections: 32,
      duration: DURATION_SECONDS,
    });
  await run(); // warm-up
  const result = await run();
  return {
    perSecond: result["2xx"] / DURATION_SECONDS,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.non2xx + result.errors,
  };
}

const pod = await startChildServer("vllm-sim-server.ts");
const podHostPort = pod.url.replace("http://", "");
const direct = await load(pod.url);

const plainGateway = await startChildServer("gateway-server.ts", { UPSTREAM: podHostPort });
const plain = await load(plainGateway.url);
await plainGateway.stop();

const epp = await startChildServer("epp-server.ts", { ENDPOINTS: podHostPort });
const eppGateway = await startChildServer("gateway-server.ts", { UPSTREAM: podHostPort, EPP: epp.url });
const withEpp = await load(eppGateway.url);
await eppGateway.stop();
await epp.stop();
await pod.stop();

const describe = (name: string, r: typeof direct) =>
  `${name}: ${r.perSecond.toFixed(0)} req/s (${((r.perSecond / direct.perSecond) * 100).toFixed(0)}% of direct), ` +
  `p50 ${r.p50} ms (+${(r.p50 - direct.p50).toFixed(1)}), p99 ${r.p99} ms (+${(r.p99 - direct.p99).toFixed(1)}), errors ${r.errors}`;
console.log(
  `direct to vllm-sim: ${direct.perSecond.toFixed(0)} req/s, p50 ${direct.p50} ms, p99 ${direct.p99} ms, errors ${direct.errors}`,
);
console.log(`${describe("gateway, no ext_proc", plain)}; targets ≥ 50%, +≤ 1 ms p50`);
console.log(`${describe("gateway + EPP (full-duplex ext_proc)", withEpp)}; targets ≥ 30%, +≤ 3 ms p50`);
