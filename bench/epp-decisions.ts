import { chatBody, EppClient, routeOnce } from "@testbed/epp-client";
import { startChildServer } from "./child-server.js";

/**
 * EPP routing decisions per second and the latency the EPP adds (p50/p99 of one full-duplex
 * request phase) for a ~1 KB chat body, with 4 and with 64 endpoints, beside a trivial ext_proc
 * echo server measured in the same run. Target (issue 3): ≥ 2,000 decisions/s with 4 endpoints.
 */
const DURATION_MS = Number(process.env.BENCH_SECONDS ?? 5) * 1000;
const CONCURRENCY = 16;
const body = chatBody("Summarise the seed's four bugs and their fixes. ".repeat(20)); // ≈ 1 KB

async function drive(address: string) {
  const client = new EppClient({ address });
  const latencies: number[] = [];
  let errors = 0;
  const run = async (until: number, record: boolean) => {
    while (Date.now() < until) {
      const started = performance.now();
      const result = await routeOnce(client, body).catch(() => undefined);
      if (!result?.destination) errors++;
      else if (record) latencies.push(performance.now() - started);
    }
  };
  const warmUntil = Date.now() + 1000;
  await Promise.all(Array.from({ length: CONCURRENCY }, () => run(warmUntil, false)));
  errors = 0;
  const until = Date.now() + DURATION_MS;
  await Promise.all(Array.from({ length: CONCURRENCY }, () => run(until, true)));
  client.close();
  latencies.sort((a, b) => a - b);
  const quantile = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  return { perSecond: latencies.length / (DURATION_MS / 1000), p50: quantile(0.5), p99: quantile(0.99), errors };
}

const echo = await startChildServer("echo-ext-proc-server.ts");
const baseline = await drive(echo.url);
await echo.stop();
console.log(
  `echo ext_proc baseline: ${baseline.perSecond.toFixed(0)} exchanges/s, p50 ${baseline.p50.toFixed(2)} ms, p99 ${baseline.p99.toFixed(2)} ms`,
);

for (const size of [4, 64]) {
  const pool = await startChildServer("vllm-pool-server.ts", { POOL_SIZE: String(size) });
  const epp = await startChildServer("epp-server.ts", { ENDPOINTS: pool.url });
  await new Promise((resolve) => setTimeout(resolve, 500)); // first metrics scrape
  const result = await drive(epp.url);
  await epp.stop();
  await pool.stop();
  console.log(
    `EPP, ${size} endpoints: ${result.perSecond.toFixed(0)} decisions/s (${((result.perSecond / baseline.perSecond) * 100).toFixed(0)}% of the echo baseline), ` +
      `p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, errors ${result.errors}` +
      (size === 4 ? "; target ≥ 2000 decisions/s" : ""),
  );
}
