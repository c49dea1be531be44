import { loadScenario, runScenario, type ScenarioReport } from "@testbed/scenario";
import { expect } from "vitest";

/** Run a shipped scenario on its own testbed and subnet; every expectation in it must hold. */
export async function runShipped(name: string, subnet: number, seed?: number): Promise<ScenarioReport> {
  const report = await runScenario(loadScenario(`scenarios/${name}.yaml`), {
    subnet,
    ...(seed === undefined ? {} : { seed }),
  });
  const failed = [...report.setup, ...report.steps].flatMap((step) => [
    ...(step.error ? [`${step.title}: ${step.error}`] : []),
    ...step.expectations
      .filter((e) => !e.ok)
      .map((e) => `${step.title}: ${e.check}: expected ${e.expected}, measured ${e.measured}`),
  ]);
  expect(failed).toEqual([]);
  expect(report.summary.ok).toBe(true);
  return report;
}
