// The human report: a header, a block per step, the setup in one line, a final table and a summary.
import type { Scenario } from "./model.js";
import type { ExpectationResult, ScenarioReport, StepResult } from "./results.js";

const OUTPUT_LINES = 20;

export function headerText(scenario: Scenario, seed: number, timeScale: number): string {
  const lines = [`Scenario ${scenario.name}: ${scenario.title}`];
  lines.push(
    `topology ${scenario.topology.join(" + ")}, Istio ${scenario.istio}, seed ${seed}, time scale ${timeScale}`,
  );
  if (scenario.description) lines.push("", scenario.description);
  return `${lines.join("\n")}\n`;
}

/** Setup steps are the state earlier fixes left: one line, unless something went wrong there. */
export function setupText(results: StepResult[]): string {
  if (results.length === 0) return "";
  const actions = results.map((result) => result.action ?? result.title).join("; ");
  const failed = results.filter((result) => !result.ok);
  const line = `\nSetup (state left by the previous fixes): ${actions} ${failed.length === 0 ? "✓" : "✗"}\n`;
  return failed.length === 0 ? line : `${line}${failed.map((result) => stepText(result, "setup ")).join("")}`;
}

export function stepText(result: StepResult, prefix = ""): string {
  const lines = [`\n── ${prefix}${result.index}. ${result.title} ${"─".repeat(Math.max(3, 70 - result.title.length))}`];
  if (result.note) lines.push(...result.note.split("\n").map((line) => `  ${line}`));
  if (result.action) lines.push(...result.action.split("\n").map((line) => `$ ${line.replace(/^\$ /, "")}`));
  if (result.output) lines.push(...trimmed(result.output).map((line) => `  ${line}`));
  for (const expectation of result.expectations) lines.push(expectationLine(expectation));
  if (result.error) lines.push(`  ✗ error: ${result.error}`);
  return `${lines.join("\n")}\n`;
}

function expectationLine(expectation: ExpectationResult): string {
  const mark = expectation.ok ? "✓" : "✗";
  return `  ${mark} ${expectation.check}: expected ${expectation.expected}, measured ${expectation.measured}`;
}

function trimmed(output: string): string[] {
  const lines = output.trimEnd().split("\n");
  if (lines.length <= OUTPUT_LINES) return lines;
  return [...lines.slice(0, OUTPUT_LINES), `… (${lines.length - OUTPUT_LINES} more lines)`];
}

/** Step | Result, then one summary line. */
export function summaryText(report: ScenarioReport): string {
  const rows = report.steps.map((result) => [`${result.index}. ${result.title}`, resultCell(result)]);
  const width = Math.max(4, ...rows.map((row) => row[0]!.length));
  const lines = ["", `${"Step".padEnd(width)}  Result`, `${"-".repeat(width)}  ------`];
  for (const [step, cell] of rows) lines.push(`${step!.padEnd(width)}  ${cell}`);
  const { summary } = report;
  const verdict = summary.ok ? "PASSED" : "FAILED";
  const errors = summary.errors > 0 ? `, ${summary.errors} step error${summary.errors === 1 ? "" : "s"}` : "";
  lines.push(
    "",
    `${verdict}: ${report.scenario.name}: ${summary.steps} steps, ${summary.held}/${summary.expectations} expectations held` +
      `${summary.failed > 0 ? `, ${summary.failed} failed` : ""}${errors} (${(report.timings.totalMs / 1000).toFixed(1)} s)`,
  );
  return `${lines.join("\n")}\n`;
}

/** A step's result in one cell: ✓/✗ held/total, "✗ error", or "—" when it checked nothing. */
export function resultCell(result: StepResult): string {
  if (result.error) return "✗ error";
  const total = result.expectations.length;
  if (total === 0) return "—";
  const held = result.expectations.filter((expectation) => expectation.ok).length;
  return `${held === total ? "✓" : "✗"} ${held}/${total}`;
}
