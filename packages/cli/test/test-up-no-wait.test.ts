// `testbed up --no-wait`: a cluster whose pods never get Ready (an 8B model on a T4) still gives its
// banner at once, so a support engineer can look at the crash-looping pod instead of waiting 30 s.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runTestbed } from "./command-runs.js";

const TOPOLOGY = `apiVersion: v1
kind: Namespace
metadata: {name: my-first-model}
---
apiVersion: serving.kserve.io/v1alpha1
kind: LLMInferenceService
metadata: {name: llama-3-1-8b, namespace: my-first-model}
spec:
  model: {uri: hf://meta-llama/Llama-3.1-8B-Instruct, name: meta-llama/Llama-3.1-8B-Instruct}
  replicas: 1
  template:
    containers:
      - name: main
        resources: {limits: {nvidia.com/gpu: "1"}, requests: {nvidia.com/gpu: "1"}}
`;

describe("testbed up --no-wait", () => {
  it("prints the banner without waiting for pods that will never be Ready", async () => {
    const topology = mkdtempSync(join(tmpdir(), "no-wait-topology-"));
    writeFileSync(join(topology, "llama.yaml"), TOPOLOGY);
    const run = await runTestbed(
      ["up", "--no-wait", "--topology", topology, "--api-port", "0", "--subnet", "210", "--time-scale", "0"],
      { env: { TESTBED_HOME: mkdtempSync(join(tmpdir(), "no-wait-home-")) }, readyWhen: /testbed is up in/ },
    );
    expect(run.stderr).toContain("not waiting for the pods (--no-wait)");
    expect(run.stderr).not.toContain("warning: still starting");
    expect(`${run.stdout}${run.stderr}`).toMatch(/testbed is up in \d+\.\d s/);
  }, 30_000);
});
