// One run of a small scenario against the real rhoai-3.2 topology (Bug 1, then the HTTP_ROUTE
// EnvoyFilter), through `testbed scenario run FILE --json`; the report is inspected afterwards.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ScenarioReport, stepText, summaryText } from "@testbed/scenario";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scenarioCommand } from "../src/commands/scenario.js";
import { captureOutput } from "./command-runs.js";

const CHAT = "/my-first-model/qwen3-0-6b/v1/chat/completions";
const EPP_CLUSTER = "outbound|9002||qwen3-0-6b-epp-service.my-first-model.svc.cluster.local";
const SCENARIO = `
name: runner-test
title: The runner against the as-shipped cluster
seed: 3
steps:
  - oc: get pods -n my-first-model -l llm-d.ai/role
    expect: {exitCode: 0, contains: [Running], notContains: [CrashLoopBackOff]}
  - title: "Bug 1: the body disappears"
    request:
      path: ${CHAT}
      body: {model: Qwen/Qwen3-0.6B, messages: [{role: user, content: Hi}], max_tokens: 5}
    expect: {status: 400, bodyContains: Field required}
  - apply: manifests/07-envoyfilter-fix-extproc-body-route.yaml
  - request:
      path: ${CHAT}
      body: {model: Qwen/Qwen3-0.6B, messages: [{role: user, content: Hi}], max_tokens: 5}
      repeat: 2
    expect: {status: 200, header: {x-went-into-resp-headers: absent}}
  - load: {requests: 8, workload: {type: random, promptTokens: 32, outputTokens: 2}}
    expect:
      status: {200: 8}
      distribution: {all: {pods: 4, minShare: 0.25, maxShare: 0.25}}
      throughEpp: {max: 0}
  - phase: {name: Before all fixes, seed: {distribution: "25 / 25 / 25 / 25", cacheHits: "0%", epp: "Dead (dummy cluster)"}}
  - expect:
      # One connection, Bug 1's: the route's override sent that POST to the EPP (TLS failed); none since.
      clusters: {gateway: openshift-ai-inference, cluster: "${EPP_CLUSTER}", stat: cx_total, equals: 1}
  - title: A deliberately wrong expectation
    request: {path: /my-first-model/qwen3-0-6b/v1/models}
    expect: {status: 503}
  - table: before-after
`;

let directory: string;
let exitCode: number;
let report: ScenarioReport;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), "scenario-run-"));
  writeFileSync(join(directory, "runner-test.yaml"), SCENARIO);
  const run = await captureOutput(() =>
    scenarioCommand.run(["run", join(directory, "runner-test.yaml"), "--json", "--subnet", "223"]),
  );
  exitCode = run.code;
  report = JSON.parse(run.stdout) as ScenarioReport;
}, 30_000);

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

const step = (index: number) => report.steps[index - 1]!;

describe("testbed scenario run on the rhoai-3.2 topology", () => {
  it("runs an oc step through testbed oc and checks its output", () => {
    expect(step(1).action).toBe("oc get pods -n my-first-model -l llm-d.ai/role");
    expect(step(1).output).toMatch(/qwen3-0-6b-kserve-prefill-\S+\s+1\/1\s+Running/);
    expect(step(1).expectations.map((e) => [e.check, e.ok])).toEqual([
      ["exitCode", true],
      ["contains", true],
      ["notContains", true],
    ]);
  });

  it("sees Bug 1's 400 Field required, then 200 once the HTTP_ROUTE EnvoyFilter is applied", () => {
    expect(step(2)).toMatchObject({ title: "Bug 1: the body disappears", ok: true });
    expect(step(2).measurements).toEqual({ statuses: [400], throughEpp: 0, cutShort: 0 });
    expect(step(3).output).toBe("envoyfilter.networking.istio.io/fix-extproc-body-mode created");
    expect(step(4).expectations).toEqual([
      { check: "status", expected: "200", measured: "200 ×2", ok: true },
      { check: "header x-went-into-resp-headers", expected: "absent", measured: "absent ×2", ok: true },
    ]);
  });

  it("measures a load run per pod: round robin over the four pods, none through the EPP", () => {
    expect(step(5).ok).toBe(true);
    const pods = step(5).measurements!.pods as { role: string; requests: number }[];
    expect(pods.map((pod) => pod.requests)).toEqual([2, 2, 2, 2]);
    expect(pods.map((pod) => pod.role).sort()).toEqual(["decode", "decode", "prefill", "prefill"]);
    expect(report.phases).toEqual([
      {
        name: "Before all fixes",
        distribution: "25 / 25 / 25 / 25",
        cacheHits: "0%",
        epp: "Dead",
        seed: { distribution: "25 / 25 / 25 / 25", cacheHits: "0%", epp: "Dead (dummy cluster)" },
      },
    ]);
  });

  it("reads the EPP cluster's cx_total from pilot-agent's /clusters", () => {
    expect(step(7).action).toContain("pilot-agent request GET /clusters");
    expect(step(7).expectations).toEqual([
      expect.objectContaining({ check: "clusters cx_total", measured: "1", ok: true }),
    ]);
  });

  it("reports a failing expectation with expected and measured values, and exits 1", () => {
    expect(step(8).expectations).toEqual([{ check: "status", expected: "503", measured: "200", ok: false }]);
    expect(stepText(step(8))).toContain("✗ status: expected 503, measured 200");
    expect(report.summary).toEqual({ steps: 9, expectations: 15, held: 14, failed: 1, errors: 0, ok: false });
    expect(exitCode).toBe(1);
    expect(summaryText(report)).toMatch(/8\. A deliberately wrong expectation\s+✗ 0\/1/);
  });

  it("prints the before-after table with the seed's figures beside the measured ones", () => {
    const rows = step(9).output!.split("\n");
    expect(rows[0]).toMatch(
      /^\| Phase\s+\| Pod distribution \(measured\) \| Seed\s+\| Cache hits \(measured\) \| Seed/,
    );
    expect(rows[2]).toMatch(
      /^\| Before all fixes \| 25 \/ 25 \/ 25 \/ 25\s+\| 25 \/ 25 \/ 25 \/ 25\s+\| 0%.*\| Dead\s+\| Dead \(dummy cluster\) \|$/,
    );
  });

  it("prints one JSON document whose only wall-clock values are under timings", () => {
    expect(Object.keys(report).sort()).toEqual(["phases", "scenario", "setup", "steps", "summary", "timings"]);
    expect(report.scenario).toMatchObject({ name: "runner-test", seed: 3, timeScale: 0, istio: "1.26" });
    expect(report.timings.stepsMs).toHaveLength(9);
    expect(Object.keys(report.timings.load ?? {})).toEqual(["5"]);
    expect(JSON.stringify(report.steps)).not.toMatch(/durationMs|requestsPerSecond/);
  });
});

describe("testbed scenario run, before anything runs", () => {
  it("exits 2 naming the file and field of a malformed scenario", async () => {
    const file = join(directory, "broken.yaml");
    writeFileSync(file, "steps:\n  - request: {path: /v1/models}\n    expect: {status: 200, bodyMatches: x}\n");
    const run = await captureOutput(() => scenarioCommand.run(["run", file]));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`broken.yaml: steps[0].expect.bodyMatches (line 3): unknown field`);
    expect(run.stdout).toBe("");
  });

  it("exits 2 for a scenario that does not exist", async () => {
    const run = await captureOutput(() => scenarioCommand.run(["run", "no-such-scenario"]));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no scenario "no-such-scenario"');
  });
});
