import { describe, expect, it } from "vitest";
import { splitCommandLine } from "../src/command-line.js";
import { ScenarioError } from "../src/fields.js";
import { parseScenario } from "../src/parse-scenario.js";

const FILE = "/tmp/scenario-format/bad.yaml";

function errorOf(text: string): ScenarioError {
  try {
    parseScenario(text, FILE);
  } catch (error) {
    if (error instanceof ScenarioError) return error;
    throw error;
  }
  throw new Error("the scenario parsed");
}

describe("scenario format validation", () => {
  it("names the file, the field path and the line of an unknown step type", () => {
    const error = errorOf("steps:\n  - note: hi\n  - curl: https://example\n");
    expect(error.message).toBe(
      `${FILE}: steps[1].curl (line 3): unknown step type (expected one of: note, apply, patch, delete, wait, oc, exec, request, load, table, phase, expect)`,
    );
  });

  it("reports a missing required field under its step", () => {
    const error = errorOf(
      "steps:\n  - load:\n      gateway: openshift-ai-inference\n      workload: {type: random, promptTokens: 5, outputTokens: 1}\n",
    );
    expect(error.message).toContain(`${FILE}: steps[0].load.requests`);
    expect(error.message).toContain("required field is missing");
  });

  it.each([
    ["rate: 0", "random, promptTokens: 5, outputTokens: 1", "steps[0].load.rate (line 2): must be greater than 0"],
    ["rate: 1", "random, promptTokens: 0, outputTokens: 1", "steps[0].load.workload.promptTokens"],
    ["rate: 1", "random, promptTokens: 5, outputTokens: 0", "steps[0].load.workload.outputTokens"],
    ["rate: 1", "shared-prefix, prefixTokens: 8, suffixTokens: 0, outputTokens: 1", "load.workload.suffixTokens"],
  ])("rejects a load the load generator would refuse (%s, %s)", (pace, workload, field) => {
    const error = errorOf(`steps:\n  - load: {gateway: g, requests: 1, ${pace}, workload: {type: ${workload}}}\n`);
    expect(error.message).toContain(field);
  });

  it("takes one Istio release, or a list of them (a matrix) with expectations per release", () => {
    expect(parseScenario('istio: "1.28"\nsteps:\n  - note: hi\n', FILE)).toMatchObject({ istio: "1.28" });
    const matrix = parseScenario(
      'istio: ["1.26", "1.29"]\nsteps:\n  - oc: get pods\n    expect: {contains: [a]}\n    expectIstio: {"1.29": {contains: [b]}}\n',
      FILE,
    );
    expect(matrix).toMatchObject({ istio: "1.26", matrix: ["1.26", "1.29"] });
    expect(matrix.steps[0]?.expect.contains).toEqual(["a"]);
    expect(matrix.steps[0]?.expectByIstio?.["1.29"]?.contains).toEqual(["b"]);
  });

  it.each([
    ['istio: "1.30"\nsteps: []\n', 'istio (line 1): expected one of 1.26, 1.27, 1.28, 1.29, got "1.30"'],
    [
      'istio: ["1.26", upstream]\nsteps: []\n',
      'istio[1] (line 1): expected one of 1.26, 1.27, 1.28, 1.29, got "upstream"',
    ],
    ["meshProfile: ossm-3.2\nsteps: []\n", "meshProfile (line 1): unknown field"],
    ['steps:\n  - oc: get pods\n    expectIstio: {"2.0": {}}\n', "steps[0].expectIstio.2.0 (line 3): expected one of"],
  ])("rejects an Istio release it does not model (%s)", (text, message) => {
    expect(errorOf(text).message).toContain(message);
  });

  it("accepts an empty shared prefix", () => {
    const scenario = parseScenario(
      "steps:\n  - load: {gateway: g, requests: 1, workload: {type: shared-prefix, prefixTokens: 0, suffixTokens: 4, outputTokens: 1}}\n",
      FILE,
    );
    expect(scenario.steps[0]?.action).toMatchObject({ load: { workload: { prefixTokens: 0, suffixTokens: 4 } } });
  });

  it("rejects a regular expression that does not compile", () => {
    const error = errorOf("steps:\n  - oc: get pods\n    expect: {matches: 'cx_total::(0'}\n");
    expect(error.message).toMatch(/steps\[0\]\.expect\.matches \(line 3\): bad regular expression/);
  });

  it("rejects an expectation the step cannot measure", () => {
    const error = errorOf("steps:\n  - oc: get pods\n    expect: {status: 200}\n");
    expect(error.message).toContain("steps[0].expect.status");
    expect(error.message).toContain("unknown field");
  });

  it("rejects a manifest that does not exist, relative to the repository", () => {
    const error = errorOf("setup:\n  - apply: manifests/no-such-fix.yaml\nsteps: []\n");
    expect(error.message).toContain("setup[0].apply (line 2): no such file or directory: manifests/no-such-fix.yaml");
  });

  it("reports YAML syntax errors with their line", () => {
    const error = errorOf("steps:\n  - oc: get pods -o jsonpath={.a}: {.b}\n");
    expect(error.message).toMatch(/^\/tmp\/scenario-format\/bad\.yaml \(line 2\): YAML: /);
  });

  it("requires steps and rejects unknown top-level fields", () => {
    expect(errorOf("title: x\n").message).toContain(": steps: required field is missing");
    expect(errorOf("steps: []\ntopolgy: rhoai-3.2\n").message).toContain("topolgy (line 2): unknown field");
  });

  it("fills in the defaults and reads every step form", () => {
    const scenario = parseScenario(
      [
        "title: All forms",
        "steps:",
        "  - apply: manifests/07-envoyfilter-fix-extproc-body-route.yaml",
        "  - patch: {resource: llminferenceservice/qwen3-0-6b, namespace: my-first-model, type: json, file: manifests/09-scheduler-tls-patch.json}",
        "  - wait: ready",
        "  - oc: oc get pods -n my-first-model -o 'jsonpath={.items[*].metadata.name}'",
        "  - request: {path: /v1/models, repeat: 2}",
        "    expect: {status: [200, 429], header: {X-Went-Into-Resp-Headers: absent}}",
        "  - title: Bug 4",
        "    note: Unique prompts.",
        "    load: {requests: 10, workload: {type: shared-prefix, prefixTokens: 64, suffixTokens: 8, outputTokens: 2}}",
        "    expect: {status: {200: 10}, distribution: {decode: {maxPodShare: {min: 0.9}}}, cacheHitRate: {min: 0.5}}",
        "  - phase: {name: After, seed: {cacheHits: 86%}}",
      ].join("\n"),
      "/somewhere/all-forms.yaml",
    );
    expect(scenario).toMatchObject({ name: "all-forms", istio: "1.26", seed: 0, timeScale: 0 });
    expect(scenario.steps.map((step) => step.action.kind)).toEqual([
      "apply",
      "patch",
      "wait",
      "oc",
      "request",
      "load",
      "phase",
    ]);
    expect(scenario.steps[3]!.action).toEqual({
      kind: "oc",
      argv: ["get", "pods", "-n", "my-first-model", "-o", "jsonpath={.items[*].metadata.name}"],
      grep: undefined,
    });
    expect(scenario.steps[4]!.action).toMatchObject({ method: "GET", repeat: 2 });
    expect(scenario.steps[4]!.expect.header).toEqual({ "x-went-into-resp-headers": "absent" });
    expect(scenario.steps[5]!.note).toBe("Unique prompts.");
    expect(scenario.steps[5]!.action).toMatchObject({ path: "/my-first-model/qwen3-0-6b/v1/chat/completions" });
    expect(scenario.steps[5]!.expect.statusCounts).toEqual({ "200": 10 });
  });
});

describe("oc command lines", () => {
  it("splits words like a shell, keeping quoted spaces", () => {
    expect(splitCommandLine(`get pods -l "app=a b" -o 'jsonpath={.x}' a\\ b`)).toEqual([
      "get",
      "pods",
      "-l",
      "app=a b",
      "-o",
      "jsonpath={.x}",
      "a b",
    ]);
    expect(() => splitCommandLine("get 'pods")).toThrow("unterminated ' quote");
  });
});
