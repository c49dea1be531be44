// The workshop page's cost at rest: the idle CPU of a `testbed up` process (default topology, no
// requests) over a fixed window, three ways — without the page server (--no-web), with it but no
// page open, and with one page open in headless chromium. The promise (docs/reference/web.md):
// with no page open the idle CPU does not grow; an open page costs one sample a second. Then the
// page under 100 requests/s (`testbed load --rate 100`): the testbed's CPU with the page open and
// closed, and the page's animation frames per second and longest frame gap meanwhile.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { readCpuSeconds } from "./process-stats.js";

const CLI = fileURLToPath(new URL("../packages/cli/bin/testbed.mjs", import.meta.url));
const WINDOW_S = Number(process.env.BENCH_IDLE_SECONDS ?? 10);
const CHROMIUM = process.env.TESTBED_CHROMIUM ?? "/usr/bin/chromium";

interface Running {
  pid: number;
  home: string;
  webUrl: string | undefined;
  stop(): Promise<void>;
}

function up(extra: string[]): Promise<Running> {
  const home = mkdtempSync(join(tmpdir(), "testbed-bench-"));
  const args = ["up", "--api-port", "0", "--subnet", "94", "--time-scale", "0", ...extra];
  const child = spawn(process.execPath, [CLI, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, TESTBED_HOME: home },
  });
  return new Promise((resolve, reject) => {
    let output = "";
    const failed = (code: number | null) => reject(new Error(`testbed up exited with ${code}: ${output}`));
    child.once("exit", failed);
    child.stdout.on("data", (data: Buffer) => {
      output += data;
      if (!output.includes("Ctrl-C stops the testbed.")) return;
      child.off("exit", failed);
      resolve({
        pid: child.pid as number,
        home,
        webUrl: /Workshop page[^:]*: (http:\/\/\S+)/.exec(output)?.[1],
        stop: () =>
          new Promise((done) => {
            child.once("exit", () => {
              rmSync(home, { recursive: true, force: true });
              done();
            });
            child.kill("SIGINT");
          }),
      });
    });
    child.stderr.on("data", (data: Buffer) => {
      output += data;
    });
  });
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** CPU% of the testbed process over the window, after a settling pause. */
async function idleCpu(pid: number): Promise<number> {
  await pause(Number(process.env.BENCH_SETTLE_MS ?? 5_000));
  const before = readCpuSeconds(pid);
  await pause(WINDOW_S * 1000);
  return (100 * (readCpuSeconds(pid) - before)) / WINDOW_S;
}

const LOAD_REQUESTS = Number(process.env.BENCH_PAGE_LOAD_REQUESTS ?? 500);

/** `testbed load` at 100 requests/s against the testbed; resolves with the testbed's CPU% meanwhile. */
function loadAt100(testbed: Running): Promise<number> {
  const args = ["load", "--rate", "100", "--requests", String(LOAD_REQUESTS), "--workload", "random"];
  args.push("--prompt-tokens", "32", "--output-tokens", "4", "--no-cluster");
  const before = readCpuSeconds(testbed.pid);
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, ...args], {
    stdio: "ignore",
    env: { ...process.env, TESTBED_HOME: testbed.home },
  });
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => {
      if (code !== 0) reject(new Error(`testbed load exited with ${code}`));
      const seconds = (performance.now() - started) / 1000;
      resolve((100 * (readCpuSeconds(testbed.pid) - before)) / seconds);
    });
  });
}

/** In the page: animation frames per second and the longest gap between two frames, for `ms`. */
const FRAME_PROBE = (ms: number) => `new Promise((resolve) => {
  let frames = 0, worst = 0, last = performance.now();
  const end = last + ${ms};
  const tick = (t) => {
    frames++; worst = Math.max(worst, t - last); last = t;
    if (t < end) requestAnimationFrame(tick); else resolve({ fps: frames / (${ms} / 1000), worstGapMs: worst });
  };
  requestAnimationFrame(tick);
})`;

const results: [string, number][] = [];
const loadResults: string[] = [];
{
  const testbed = await up(["--no-web"]);
  results.push(["without the page server (--no-web)", await idleCpu(testbed.pid)]);
  await testbed.stop();
}
{
  const testbed = await up(["--web-port", "0"]);
  results.push(["page server on, no page open", await idleCpu(testbed.pid)]);
  const profile = mkdtempSync(join(tmpdir(), "testbed-bench-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run", "--disable-sync"],
  });
  const page = await context.newPage();
  await page.goto(testbed.webUrl as string);
  results.push(["one page open (headless chromium)", await idleCpu(testbed.pid)]);
  const frames = page.evaluate<{ fps: number; worstGapMs: number }>(FRAME_PROBE(Math.floor(LOAD_REQUESTS * 10 * 0.8)));
  const withPage = await loadAt100(testbed);
  const { fps, worstGapMs } = await frames;
  const dots = await page.locator("circle.dot").count();
  await page.close();
  const withoutPage = await loadAt100(testbed);
  loadResults.push(
    `  testbed CPU at 100 requests/s: ${withPage.toFixed(0)}% with the page open, ${withoutPage.toFixed(0)}% without`,
    `  the page meanwhile: ${fps.toFixed(0)} frames/s, longest frame gap ${worstGapMs.toFixed(0)} ms, ${dots} dots drawn at the end`,
  );
  results.push(["page closed again", await idleCpu(testbed.pid)]);
  await context.close();
  rmSync(profile, { recursive: true, force: true });
  await testbed.stop();
}

process.stdout.write(`\npage-idle: testbed up's idle CPU (default topology, no requests), ${WINDOW_S} s windows\n`);
for (const [label, cpu] of results) process.stdout.write(`  ${label.padEnd(40)} ${cpu.toFixed(1)}% of one core\n`);
process.stdout.write(
  `page-idle: ${LOAD_REQUESTS} requests at 100/s (random 32-token prompts, 4 tokens out, Bug 1 as shipped)\n`,
);
for (const line of loadResults) process.stdout.write(`${line}\n`);
