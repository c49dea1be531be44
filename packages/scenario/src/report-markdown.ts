// The report a support engineer attaches to a ticket (`scenario run … --report md`): the verdict first,
// then each step with the command run, what it printed and each expectation against what was measured.
import { resultCell } from "./report-text.js";
import type { ExpectationResult, ScenarioReport, StepResult } from "./results.js";

const OUTPUT_LINES = 40;

export function markdownReport(report: ScenarioReport, description = ""): string {
  const { scenario, summary } = report;
  const verdict = summary.ok ? "PASSED" : "FAILED";
  const lines = [
    `# ${scenario.title}`,
    "",
    `**${verdict}** — ${summary.held}/${summary.expectations} expectations held` +
      `${summary.failed > 0 ? `, ${summary.failed} failed` : ""}` +
      `${summary.errors > 0 ? `, ${summary.errors} step errors` : ""}; ${summary.steps} steps in ` +
      `${(report.timings.totalMs / 1000).toFixed(1)} s.`,
    "",
    `Scenario \`${scenario.name}\` (\`${scenario.file}\`), Istio ${scenario.istio}, seed ${scenario.seed}, ` +
      `time scale ${scenario.timeScale}.`,
  ];
  if (description) lines.push("", description);
  if (report.setup.length > 0) {
    lines.push("", "## Setup", "");
    for (const result of report.setup) lines.push(`- ${mark(result)} ${result.action ?? result.title}`);
  }
  lines.push("", "## Steps");
  for (const result of report.steps) lines.push("", ...stepMarkdown(result));
  lines.push("", "## Summary", "", "| Step | Result |", "| --- | --- |");
  for (const result of report.steps)
    lines.push(`| ${cell(`${result.index}. ${result.title}`)} | ${resultCell(result)} |`);
  return `${lines.join("\n")}\n`;
}

function stepMarkdown(result: StepResult): string[] {
  const lines = [`### ${result.index}. ${result.title} ${mark(result)}`];
  if (result.note) lines.push("", result.note);
  if (result.action || result.output) {
    lines.push("", "```console");
    if (result.action) lines.push(...result.action.split("\n").map((line) => `$ ${line.replace(/^\$ /, "")}`));
    if (result.output) lines.push(...trimmed(result.output));
    lines.push("```");
  }
  if (result.expectations.length > 0) {
    lines.push("", "| Check | Expected | Measured | |", "| --- | --- | --- | --- |");
    for (const expectation of result.expectations) lines.push(expectationRow(expectation));
  }
  if (result.error) lines.push("", `**Error:** ${result.error}`);
  return lines;
}

function expectationRow(expectation: ExpectationResult): string {
  const { check, expected, measured, ok } = expectation;
  return `| ${cell(check)} | ${cell(expected)} | ${cell(measured)} | ${ok ? "✓" : "✗"} |`;
}

function mark(result: StepResult): string {
  return result.ok ? "✓" : "✗";
}

/** Table cells: one line, pipes escaped, backticks kept readable. */
function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** Fenced output, long outputs cut (the fence itself must not be closed by the output). */
function trimmed(output: string): string[] {
  const lines = output.trimEnd().replace(/```/g, "ʼʼʼ").split("\n");
  if (lines.length <= OUTPUT_LINES) return lines;
  return [...lines.slice(0, OUTPUT_LINES), `… (${lines.length - OUTPUT_LINES} more lines)`];
}
