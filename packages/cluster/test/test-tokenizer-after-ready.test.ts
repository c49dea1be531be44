import { fileURLToPath } from "node:url";
import { eventually } from "@testbed/common";
import { qwen3Tokenizer } from "@testbed/vllm-sim";
import { describe, expect, it } from "vitest";
import { notReady, startTestbed } from "../src/testbed.js";

const TOPOLOGY = fileURLToPath(new URL("../../../topologies/rhoai-3.2", import.meta.url));

// The in-process vLLM pods share one tokenizer (about half a second to load): the cluster becomes
// Ready without it, and the testbed loads it right after, before a first request would need it.
describe("a testbed's shared tokenizer", () => {
  it("is not loaded before the cluster is Ready, and is loaded once it is", async () => {
    const testbed = await startTestbed({ topology: TOPOLOGY, apiPort: 0, subnet: 233, timeScale: 0 });
    try {
      await testbed.waitUntilReady(30_000);
      expect(notReady(testbed.store)).toEqual([]);
      const vllmPods = testbed.store
        .peekList("Pod", { namespace: "my-first-model" })
        .filter((pod) => pod.metadata.name.startsWith("qwen3-0-6b-kserve-") && !pod.metadata.name.includes("router"));
      expect(vllmPods.length).toBe(4);
      expect(qwen3Tokenizer().isLoaded).toBe(false);
      await eventually(() => qwen3Tokenizer().isLoaded, { timeoutMs: 20_000 });
    } finally {
      await testbed.close();
    }
  }, 60_000);
});
