// Scenarios over several Istio releases (`istio: [1.26, 1.27, 1.28, 1.29]`): the same steps run once
// per release, each on its own testbed, with the expectations written for that release
// (`expectIstio:`), and a table compares what each release showed, step by step.
import type { IstioVersion } from "@testbed/cluster";
import { forIstio } from "./for-istio.js";
import type { Scenario } from "./model.js";
import type { ScenarioReport, StepResult } from "./results.js";
import { type RunOptions, runScenario } from "./run-scenario.js";

/** One run per release of the matrix (or the scenario's one release), one after the other. */
export async function runMatrix(
  scenario: Scenario,
  options: RunOptions & { onRelease?: (istio: IstioVersion) => void },
): Promise<ScenarioReport[]> {
  const reports: ScenarioReport[] = [];
  for (const istio of scenario.matrix ?? [scenario.istio]) {
    options.onRelease?.(istio);
    reports.push(await runScenario(forIstio(scenario, istio), options));
  }
  return reports;
}

const CELL_WIDTH = 34;

/** Step × release: what each release measured (the first measurement of each expectation), ✓ or ✗. */
export function matrixText(reports: ScenarioReport[]): string {
  const first = reports[0];
  if (!first) return "";
  const titles = first.steps.map((step) => `${step.index}. ${step.title}`);
  const width = Math.min(60, Math.max(4, ...titles.map((title) => title.length)));
  const header = ["Step".padEnd(width), ...reports.map((r) => `Istio ${r.scenario.istio}`.padEnd(CELL_WIDTH))];
  const lines = [
    "",
    header.join("  ").trimEnd(),
    [width, ...reports.map(() => CELL_WIDTH)].map((n) => "-".repeat(n)).join("  "),
  ];
  first.steps.forEach((_, index) => {
    const cells = reports.map((report) => matrixCell(report.steps[index]).padEnd(CELL_WIDTH));
    lines.push([clip(titles[index] ?? "", width).padEnd(width), ...cells].join("  ").trimEnd());
  });
  const verdicts = reports.map((r) => `Istio ${r.scenario.istio} ${r.summary.ok ? "PASSED" : "FAILED"}`);
  lines.push("", verdicts.join(", "));
  return `${lines.join("\n")}\n`;
}

function matrixCell(result: StepResult | undefined): string {
  if (!result) return "";
  if (result.error) return "✗ error";
  if (result.expectations.length === 0) return "—";
  // A bare present/absent says little without what was looked for.
  const measured = result.expectations
    .map((e) => (/^(present|absent)$/.test(e.measured) ? `${e.expected} ${e.measured}` : e.measured))
    .join("; ");
  return clip(`${result.ok ? "✓" : "✗"} ${measured}`, CELL_WIDTH);
}

function clip(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}
