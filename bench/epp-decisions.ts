import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startChildServer } from "./child-server.js";

/**
 * EPP routing decisions per second and the latency the EPP adds (p50/p99 of one full-duplex
 * request phase) for a ~1 KB chat body, with 4 and with 64 endpoints, beside a trivial ext_proc
 * echo server measured in the same run, driven by two client processes of 8 sessions each.
 * Target (issue 3): ≥ 2,000 decisions/s with 4 endpoints.
 */
const DURATION_MS = Number(process.env.BENCH_SECONDS ?? 5) * 1000;
/** Two load processes × 8 sessions: one client process alone cannot keep an EPP busy on this machine. */
const DRIVERS = 2;
const CONCURRENCY_PER_DRIVER = 8;

function driver(address: string): Promise<{ latencies: number[]; errors: number }> {
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
    p50: quantile(0.5),
    p99: quantile(0.99),
    errors: results.reduce((sum, r) => sum + r.errors, 0),
  };
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
  const cpuBefore = epp.cpuSeconds();
  const result = await drive(epp.url);
  // The drivers' 1 s warm-up is in the CPU interval too: per decision over warm-up + measured decisions.
  const cpuPerDecisionUs = ((epp.cpuSeconds() - cpuBefore) * 1e6) / (result.perSecond * (DURATION_MS / 1000 + 1));
  await epp.stop();
  await pool.stop();
  console.log(
    `EPP, ${size} endpoints: ${result.perSecond.toFixed(0)} decisions/s (${((result.perSecond / baseline.perSecond) * 100).toFixed(0)}% of the echo baseline), ` +
      `p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, errors ${result.errors}, ` +
      `EPP CPU ≈ ${cpuPerDecisionUs.toFixed(0)} µs per decision (scrapes included)` +
      (size === 4 ? "; target ≥ 2000 decisions/s" : ""),
  );
}
