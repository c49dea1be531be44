// `helm install` of charts/vllm-sim into the testbed itself, with the real helm 4 (server-side apply):
// the testbed's kubelet runs the chart's image as vllm-sim, the pods get Ready and answer vLLM's API
// with the labels llm-d's InferencePool selects on; `helm uninstall` removes them.
import { fileURLToPath } from "node:url";
import { startTestbed, type TestbedHandle } from "@testbed/cluster";
import { eventually } from "@testbed/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { helmClient, kubeconfigFor } from "../packages/cluster/test/real-kubectl.js";
import { realClientMissing } from "./real-clients.js";

const CHART = fileURLToPath(new URL("../charts/vllm-sim", import.meta.url));
const TOKEN = "chart-install-token";
let testbed: TestbedHandle;
let kubeconfig: string;

let helm: ReturnType<typeof helmClient>;

const simPods = () =>
  testbed.store
    .list("Pod", { namespace: "default" })
    .filter((pod) => pod.metadata.labels?.["llm-d.ai/inferenceServing"] === "true" && !pod.metadata.deletionTimestamp);

describe.skipIf(realClientMissing("helm"))("charts/vllm-sim installed into the testbed with the real helm", () => {
  beforeAll(async () => {
    testbed = await startTestbed({ topology: undefined, apiPort: 0, apiToken: TOKEN, timeScale: 0, subnet: 243 });
    testbed.store.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "default" } });
    kubeconfig = kubeconfigFor(testbed.api, TOKEN);
    helm = helmClient(kubeconfig);
  }, 30_000);
  afterAll(async () => {
    await testbed?.close();
  });

  it("installs N pods that get Ready and serve the model, labelled for llm-d", async () => {
    const run = await helm("install", "sim", CHART, "--set", "replicaCount=2", "--set", "role=decode");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    await eventually(
      () => {
        const ready = simPods().filter((pod) =>
          pod.status?.conditions?.some(
            (c: { type: string; status: string }) => c.type === "Ready" && c.status === "True",
          ),
        );
        expect(ready).toHaveLength(2);
      },
      { timeoutMs: 20_000 },
    );
    for (const pod of simPods()) {
      expect(pod.metadata.labels).toMatchObject({ "llm-d.ai/role": "decode", "llm-d.ai/model": "qwen3-0-6b" });
      const models = await fetch(`http://${pod.status.podIP}:8000/v1/models`);
      expect(((await models.json()) as { data: Array<{ id: string }> }).data[0]?.id).toBe("Qwen/Qwen3-0.6B");
    }
  }, 40_000);

  it("uninstalls: the Deployment and its pods are gone", async () => {
    const run = await helm("uninstall", "sim");
    expect(run.code).toBe(0);
    await eventually(() => expect(simPods()).toEqual([]), { timeoutMs: 20_000 });
    expect(testbed.store.list("apps/Deployment", { namespace: "default" })).toEqual([]);
  }, 30_000);
});
