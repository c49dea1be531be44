// Wall time of the `journey` scenario (the four bugs, three 20–100 request loads): target under 10 s.
// Baseline in the same run: the `01-body-required` scenario (a testbed start, a handful of requests).
import { loadScenario, runScenario } from "@testbed/scenario";
import { median } from "./process-stats.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);

async function wallMs(name: string, subnet: number): Promise<{ ms: number; ok: boolean }> {
  const started = performance.now();
  const report = await runScenario(loadScenario(`scenarios/${name}.yaml`), { subnet });
  return { ms: performance.now() - started, ok: report.summary.ok };
}

const journey: number[] = [];
const baseline: number[] = [];
let allHeld = true;
for (let run = 0; run < RUNS; run++) {
  const short = await wallMs("01-body-required", 180 + run);
  const full = await wallMs("journey", 190 + run);
  baseline.push(short.ms);
  journey.push(full.ms);
  allHeld &&= short.ok && full.ok;
}
console.log(`\njourney scenario, median of ${RUNS} runs`);
console.log(`  wall time              ${(median(journey) / 1000).toFixed(1)} s (target < 10 s)`);
console.log(`baseline: 01-body-required ${(median(baseline) / 1000).toFixed(1)} s`);
console.log(`  ratio                   ${(median(journey) / median(baseline)).toFixed(2)}x`);
console.log(`  every expectation held: ${allHeld ? "yes" : "NO"}`);
