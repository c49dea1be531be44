// A guard for the promise in packages/common/src/clock.ts: component code takes its time from a
// Clock, so a test can drive it with a SimulatedClock. It scans every source file under
// packages/*/src (the CLI aside) for the global timers and clocks.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");

/**
 * The clock itself wraps the globals; the CLI is a shell around the components, not one of them;
 * `oc` is a client, and computes AGE against the user's wall clock as kubectl does (time.Now()).
 */
const OUT_OF_SCOPE = [/^packages\/common\/src\/clock\.ts$/, /^packages\/cli\//, /^packages\/oc\//];

/**
 * Files that may still call a global timer or clock, each with the reason. An entry whose file no
 * longer does fails the test too, so the list only shrinks.
 */
const ALLOWED: Record<string, string> = {
  "packages/common/src/certificate-signing.ts":
    "a certificate's notBefore must be real time: Node's TLS checks validity against the wall clock, never a simulated one",
};

/** Direct uses: a global timer call (not `clock.setTimeout`), Date.now, performance.now, `new Date()`, node:timers. */
const DIRECT_USE = [
  /(?<![.\w])set(Timeout|Interval)\s*\(/,
  /(?<![.\w])Date\.now\s*\(/,
  /(?<![.\w])performance\.now\s*\(/,
  /(?<![.\w])new Date\(\s*\)/,
  /["']node:timers/,
];

function sourceFiles(): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(join(ROOT, "packages"), { recursive: true, encoding: "utf8" })) {
    const path = `packages/${entry.split("\\").join("/")}`;
    if (/^packages\/[^/]+\/src\/.*\.ts$/.test(path) && !OUT_OF_SCOPE.some((pattern) => pattern.test(path))) {
      files.push(path);
    }
  }
  return files.sort();
}

/** `file:line: code` for each line that uses a global timer or clock; comment lines are skipped. */
function directUses(file: string): string[] {
  const lines = readFileSync(join(ROOT, file), "utf8").split("\n");
  const uses: string[] = [];
  lines.forEach((line, index) => {
    const code = line.trim();
    if (code.startsWith("//") || code.startsWith("*") || code.startsWith("/*")) return;
    if (DIRECT_USE.some((pattern) => pattern.test(code))) uses.push(`${file}:${index + 1}: ${code}`);
  });
  return uses;
}

describe("components take their time from a Clock", () => {
  const files = sourceFiles();

  it("finds the component sources it guards", () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files).toContain("packages/cluster/src/kubelet/pod-worker.ts");
  });

  it("no component source calls setTimeout/setInterval or reads Date.now/performance.now directly", () => {
    const offending = files.filter((file) => !(file in ALLOWED)).flatMap(directUses);
    expect(offending, "take a Clock (packages/common/src/clock.ts) instead").toEqual([]);
  });

  it("every allow-listed file still needs its exception", () => {
    const stale = Object.keys(ALLOWED).filter((file) => !files.includes(file) || directUses(file).length === 0);
    expect(stale, "remove these entries from ALLOWED").toEqual([]);
  });

  it("recognises direct uses and lets clock calls and comments through", () => {
    const matches = (code: string) => DIRECT_USE.some((pattern) => pattern.test(code));
    expect(matches("const timer = setTimeout(() => done(), 10);")).toBe(true);
    expect(matches("const deadline = Date.now() + timeoutMs;")).toBe(true);
    expect(matches("const started = performance.now();")).toBe(true);
    expect(matches('import { setTimeout as sleep } from "node:timers/promises";')).toBe(true);
    expect(matches("ts: new Date().toISOString()")).toBe(true);
    expect(matches("this.clock.setTimeout(() => retry(), delayMs);")).toBe(false);
    expect(matches("new Date(clock.now()).toISOString()")).toBe(false);
    expect(matches("clearTimeout(timer);")).toBe(false);
  });
});
