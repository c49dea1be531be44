import autocannon from "autocannon";
import { type ChildServer, startChildServer } from "./child-server.js";
import { traceHookMicros } from "./trace-hook-cost.js";

/**
 * What the routing trace costs (issue 22: ≤ 5% of the gateway's CPU per request). The full data
 * path — gateway with a full-duplex ext_proc exchange with the EPP, then vllm-sim at --time-scale 0 —
 * under the same load with every component's trace ring on and off (TRACE=off), back to back in each
 * of BENCH_ROUNDS rounds (a shared machine drifts, so each round compares its own pair). Prints the
 * CPU each process used per request, with and without, beside each other; the summary is the median.
 */
const DURATION_SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const CONNECTIONS = 16;
const body = JSON.stringify({
  model: "Qwen/Qwen3-0.6B",
  messages: [{ role: "user", content: "Hi" }],
  max_tokens: 4,
  ignore_eos: true,
});

/** The three processes of the path, each with tracing on or off. */
async function startPath(trace: boolean): Promise<Record<string, ChildServer>> {
  const env = { TRACE: trace ? "on" : "off" };
  const pod = await startChildServer("vllm-sim-server.ts", env);
  const podHostPort = pod.url.replace("http://", "");
  const epp = await startChildServer("epp-server.ts", { ...env, ENDPOINTS: podHostPort });
  const gateway = await startChildServer("gateway-server.ts", { ...env, UPSTREAM: podHostPort, EPP: epp.url });
  return { gateway, epp, "vllm-sim": pod };
}

/** µs of CPU per 2xx request for each process during one measured load. */
async function measure(trace: boolean): Promise<Record<string, number>> {
  const servers = await startPath(trace);
  const url = `${servers.gateway?.url}/v1/chat/completions`;
  const run = (duration: number) =>
    autocannon({
      url,
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      connections: CONNECTIONS,
      duration,
    });
  await run(Math.min(3, DURATION_SECONDS));
  const before = Object.values(servers).map((server) => server.cpuSeconds());
  const result = await run(DURATION_SECONDS);
  const requests = Math.max(1, result["2xx"]);
  const micros = Object.fromEntries(
    Object.entries(servers).map(([name, server], i) => [
      name,
      ((server.cpuSeconds() - (before[i] ?? 0)) * 1e6) / requests,
    ]),
  );
  micros["req/s"] = result["2xx"] / DURATION_SECONDS;
  for (const server of Object.values(servers)) await server.stop();
  return micros;
}

const offGateway: number[] = [];
const overheads: number[] = [];
const format = (off: Record<string, number>, on: Record<string, number>, name: string) =>
  `${name} ${Math.round(off[name] ?? 0)} → ${Math.round(on[name] ?? 0)} µs`;
for (let round = 1; round <= ROUNDS; round++) {
  // Alternate which goes first, so a drift within the round does not favour one side.
  const first = round % 2 === 1;
  const a = await measure(!first);
  const b = await measure(first);
  const [off, on] = first ? [a, b] : [b, a];
  const overhead = (((on.gateway ?? 0) - (off.gateway ?? 0)) / (off.gateway ?? 1)) * 100;
  overheads.push(overhead);
  offGateway.push(off.gateway ?? 0);
  console.log(
    `round ${round}/${ROUNDS}: CPU per request, trace off → on: ${format(off, on, "gateway")} (${overhead >= 0 ? "+" : ""}${overhead.toFixed(1)}%), ` +
      `${format(off, on, "epp")}, ${format(off, on, "vllm-sim")}; ${Math.round(off["req/s"] ?? 0)} → ${Math.round(on["req/s"] ?? 0)} req/s`,
  );
}
const middle = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor((values.length - 1) / 2)] ?? 0;
const sorted = [...overheads].sort((x, y) => x - y);
console.log(
  `routing trace, A/B under load: gateway CPU per request ${middle(overheads) >= 0 ? "+" : ""}${middle(overheads).toFixed(1)}% with the trace on ` +
    `(median of ${ROUNDS} rounds, range ${(sorted[0] ?? 0).toFixed(1)}…${(sorted.at(-1) ?? 0).toFixed(1)}%: a shared machine's noise)`,
);
// The hooks' own work, timed alone: the figure a noisy A/B cannot resolve.
const hooks = traceHookMicros();
const gatewayOff = middle(offGateway);
console.log(
  `routing trace, hooks alone: ${hooks.toFixed(1)} µs per request = ${((hooks / gatewayOff) * 100).toFixed(1)}% of the ` +
    `gateway's ${Math.round(gatewayOff)} µs per request without the trace; target ≤ 5%`,
);
