import { loadScenario, runMatrix, runScenario, type ScenarioReport } from "@testbed/scenario";
import { expect } from "vitest";

/** Run a shipped scenario on its own testbed and subnet; every expectation in it must hold. */
export async function runShipped(name: string, subnet: number, seed?: number): Promise<ScenarioReport> {
  const report = await runScenario(loadScenario(`scenarios/${name}.yaml`), {
    subnet,
    ...(seed === undefined ? {} : { seed }),
  });
  expectAllHeld(report);
  return report;
}

/** Run a shipped matrix scenario once per Istio release (one after the other, on one subnet). */
export async function runShippedMatrix(name: string, subnet: number): Promise<ScenarioReport[]> {
  const reports = await runMatrix(loadScenario(`scenarios/${name}.yaml`), { subnet });
  for (const report of reports) expectAllHeld(report);
  return reports;
}

function expectAllHeld(report: ScenarioReport): void {
  const failed = [...report.setup, ...report.steps].flatMap((step) => [
    ...(step.error ? [`${step.title}: ${step.error}`] : []),
    ...step.expectations
      .filter((e) => !e.ok)
      .map((e) => `${step.title}: ${e.check}: expected ${e.expected}, measured ${e.measured}`),
  ]);
  expect(failed, `Istio ${report.scenario.istio}`).toEqual([]);
  expect(report.summary.ok).toBe(true);
}
