// The workshop page's cost at rest: the idle CPU of a `testbed up` process (default topology, no
// requests) over a fixed window, three ways — without the page server (--no-web), with it but no
// page open, and with one page open in headless chromium. The promise (docs/reference/web.md):
// with no page open the idle CPU does not grow; an open page costs one sample a second.
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

const results: [string, number][] = [];
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
  await page.close();
  results.push(["page closed again", await idleCpu(testbed.pid)]);
  await context.close();
  rmSync(profile, { recursive: true, force: true });
  await testbed.stop();
}

process.stdout.write(`\npage-idle: testbed up's idle CPU (default topology, no requests), ${WINDOW_S} s windows\n`);
for (const [label, cpu] of results) process.stdout.write(`  ${label.padEnd(40)} ${cpu.toFixed(1)}% of one core\n`);
