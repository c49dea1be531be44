import { spawn } from "node:child_process";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { startChildServer } from "./child-server.js";

/**
 * EPP routing decisions per second and the latency the EPP adds (p50/p99 of one full-duplex
 * request phase) for a ~1 KB chat body, with 4 and with 64 endpoints, beside a trivial ext_proc
 * echo server measured in the same run, driven by two client processes of 8 sessions each.
 * Also in the same run: the EPP's CPU while idle (its scrapes alone: every endpoint every 50 ms),
 * and Node's floor for one exchange — the bare HTTP/2 peer of servers/node-floor-processor.ts,
 * answering the same two messages with two of the same sizes (the client cannot decode its
 * filler bytes, so those exchanges count as errors; its CPU per exchange is the figure).
 * Targets (issues 3, 23): ≥ 2,000 decisions/s with 4 endpoints; EPP CPU per decision ≤ 1.3× the
 * floor's per exchange; at 64 endpoints ≥ 60% of the echo baseline.
 */
const DURATION_MS = Number(process.env.BENCH_SECONDS ?? 5) * 1000;
/** Two load processes × 8 sessions: one client process alone cannot keep an EPP busy on this machine. */
const DRIVERS = 2;
const CONCURRENCY_PER_DRIVER = 8;

/** How long the EPP sits idle before the load: its CPU then is the scrapes' alone. */
const IDLE_MS = 2000;

function driver(address: string): Promise<{ latencies: number[]; errors: number; exchanges: number }> {
  const file = fileURLToPath(new URL("./epp-load-driver.ts", import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--conditions=development", "--import", "tsx", file], {
      env: {
        ...process.env,
        ADDRESS: address,
        DURATION_MS: String(DURATION_MS),
        CONCURRENCY: String(CONCURRENCY_PER_DRIVER),
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let output = "";
    child.stdout.on("data", (data: Buffer) => {
      output += data;
    });
    child.on("error", reject);
    child.on("exit", () => {
      const match = /RESULT (.*)/.exec(output);
      if (match) resolve(JSON.parse(match[1] as string));
      else reject(new Error("load driver printed no result"));
    });
  });
}

async function drive(address: string) {
  const results = await Promise.all(Array.from({ length: DRIVERS }, () => driver(address)));
  const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const quantile = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  return {
    perSecond: latencies.length / (DURATION_MS / 1000),
    exchangesPerSecond: results.reduce((sum, r) => sum + r.exchanges, 0) / (DURATION_MS / 1000),
    p50: quantile(0.5),
    p99: quantile(0.99),
    errors: results.reduce((sum, r) => sum + r.errors, 0),
  };
}

/** CPU µs a server used per exchange of a load, the drivers' 1 s warm-up included at the measured rate. */
function cpuPerExchangeUs(cpuSeconds: number, exchangesPerSecond: number): number {
  return (cpuSeconds * 1e6) / (exchangesPerSecond * (DURATION_MS / 1000 + 1));
}

const loadAverage = () =>
  loadavg()
    .map((one) => one.toFixed(2))
    .join(" ");

const echo = await startChildServer("echo-ext-proc-server.ts");
const baseline = await drive(echo.url);
await echo.stop();
console.log(
  `echo ext_proc baseline: ${baseline.perSecond.toFixed(0)} exchanges/s, p50 ${baseline.p50.toFixed(2)} ms, p99 ${baseline.p99.toFixed(2)} ms (load average ${loadAverage()})`,
);

const floor = await startChildServer("node-floor-processor.ts");
const floorCpuBefore = floor.cpuSeconds();
const floorLoad = await drive(floor.url);
const floorUs = cpuPerExchangeUs(floor.cpuSeconds() - floorCpuBefore, floorLoad.exchangesPerSecond);
await floor.stop();
console.log(
  `Node floor processor (bare HTTP/2 peer, same frames): ${floorLoad.exchangesPerSecond.toFixed(0)} exchanges/s, CPU ≈ ${floorUs.toFixed(0)} µs per exchange`,
);

for (const size of [4, 64]) {
  const pool = await startChildServer("vllm-pool-server.ts", { POOL_SIZE: String(size) });
  const epp = await startChildServer("epp-server.ts", { ENDPOINTS: pool.url });
  await new Promise((resolve) => setTimeout(resolve, 500)); // first metrics scrape
  const idleBefore = epp.cpuSeconds();
  await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
  const scrapeShare = (epp.cpuSeconds() - idleBefore) / (IDLE_MS / 1000);
  const cpuBefore = epp.cpuSeconds();
  const result = await drive(epp.url);
  const cpuSeconds = epp.cpuSeconds() - cpuBefore;
  const cpuPerDecisionUs = cpuPerExchangeUs(cpuSeconds, result.perSecond);
  // The scrapes go on under load: what is left of the CPU is the decisions'.
  const decisionsOnlyUs = cpuPerExchangeUs(cpuSeconds - scrapeShare * (DURATION_MS / 1000 + 1), result.perSecond);
  const busy = cpuSeconds / (DURATION_MS / 1000 + 1);
  await epp.stop();
  await pool.stop();
  console.log(
    `EPP, ${size} endpoints: ${result.perSecond.toFixed(0)} decisions/s (${((result.perSecond / baseline.perSecond) * 100).toFixed(0)}% of the echo baseline), ` +
      `p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, errors ${result.errors}; ` +
      `EPP CPU ≈ ${cpuPerDecisionUs.toFixed(0)} µs per decision with its scrapes, ${decisionsOnlyUs.toFixed(0)} µs without ` +
      `(${(decisionsOnlyUs / floorUs).toFixed(2)}× the Node floor, target ≤ 1.3×); idle (scrapes alone) ${(scrapeShare * 100).toFixed(0)}% of a core, ` +
      `under load ${(busy * 100).toFixed(0)}% (scrapes ${((scrapeShare / busy) * 100).toFixed(0)}% of it); load average ${loadAverage()}` +
      (size === 4 ? "; target ≥ 2000 decisions/s" : "; target ≥ 60% of the echo baseline"),
  );
}
