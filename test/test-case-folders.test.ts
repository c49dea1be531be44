// Case folders (a support engineer's reproduction of a customer's cluster): a scenario.yaml whose paths
// resolve beside it, a topology that never gets Ready (readiness: settled), expectations on pods, logs
// and events, `scenario init`, and the Markdown report for the ticket.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  CaseFolderExistsError,
  initCase,
  loadScenario,
  markdownReport,
  runScenario,
  type ScenarioReport,
  scenarioFile,
} from "@testbed/scenario";
import { beforeAll, describe, expect, it } from "vitest";

const CASE = fileURLToPath(new URL("./fixtures/customer-cases/llama-on-t4/", import.meta.url));
let report: ScenarioReport;

beforeAll(async () => {
  const file = scenarioFile(CASE);
  if (!file) throw new Error(`no scenario.yaml in ${CASE}`);
  report = await runScenario(loadScenario(file), { subnet: 242 });
}, 60_000);

describe("a case folder", () => {
  it("runs from its folder: a crash-looping pod, its log and its event are the symptom, asserted", () => {
    const failed = report.steps.flatMap((step) => [
      ...(step.error ? [`${step.title}: ${step.error}`] : []),
      ...step.expectations.filter((e) => !e.ok).map((e) => `${step.title}: ${e.check}: ${e.measured}`),
    ]);
    expect(failed).toEqual([]);
    expect(report.scenario.name).toBe("llama-on-t4");
    const checks = report.steps.flatMap((step) => step.expectations.map((e) => e.check));
    expect(checks).toEqual(expect.arrayContaining(["pod STATUS", "pod RESTARTS", "logs contains", "event"]));
  });

  it("makes a Markdown report with the verdict, each command and each expectation", () => {
    const markdown = markdownReport(report);
    expect(markdown.split("\n")[0]).toBe(
      '# Llama-3.1-8B on a T4 crash-loops with "No available memory for the cache blocks"',
    );
    expect(markdown).toMatch(/\*\*PASSED\*\* — 8\/8 expectations held/);
    expect(markdown).toContain("$ oc apply -f manifests/more-gpu-memory.yaml");
    expect(markdown).toContain("| pod STATUS | CrashLoopBackOff |");
    expect(markdown).toContain("| Step | Result |");
  });

  it("finds a path beside the scenario before the repository's, and names what is missing", () => {
    const folder = mkdtempSync(join(tmpdir(), "case-"));
    writeFileSync(join(folder, "scenario.yaml"), "steps:\n  - apply: manifests/08-envoyfilter-fix-extproc-body.yaml\n");
    const shipped = loadScenario(join(folder, "scenario.yaml")).steps[0]?.action;
    expect(shipped).toMatchObject({ kind: "apply", file: "manifests/08-envoyfilter-fix-extproc-body.yaml" });
    expect((shipped as { resolved: string }).resolved).not.toContain(folder);
    writeFileSync(join(folder, "ours.yaml"), "kind: ConfigMap\n");
    writeFileSync(join(folder, "scenario.yaml"), "steps:\n  - apply: ours.yaml\n  - apply: nowhere.yaml\n");
    expect(() => loadScenario(join(folder, "scenario.yaml"))).toThrow(
      /steps\[1\]\.apply.*no such file or directory: nowhere\.yaml \(looked beside the scenario and in the testbed's repository\)/,
    );
  });
});

describe("testbed scenario init", () => {
  it("writes a case folder that loads as it is, starting from its own topology/, and refuses to overwrite one", () => {
    const folder = join(mkdtempSync(join(tmpdir(), "init-")), "acme-1234");
    expect(initCase(folder)).toEqual(["scenario.yaml", "topology/", "manifests/"]);
    const scenario = loadScenario(scenarioFile(folder) ?? "");
    expect(scenario.name).toBe("acme-1234");
    expect(scenario.topology).toEqual([join(folder, "topology")]);
    expect(scenario.readiness).toBe("all");
    expect(() => initCase(folder)).toThrow(CaseFolderExistsError);
  });
});
