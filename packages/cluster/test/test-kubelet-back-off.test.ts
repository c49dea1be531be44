// The kubelet's CrashLoopBackOff keeps its real schedule (10 s, doubling) and takes it from the
// cluster's clock: on a simulated clock the test moves time instead of waiting 30 s.
import type { KubeObject } from "@testbed/apimachinery";
import { eventually, SimulatedClock } from "@testbed/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Kubelet } from "../src/kubelet/kubelet.js";
import type { ObjectStore } from "../src/store/object-store.js";
import { startTestKubelet } from "./fixtures/test-kubelet.js";

const NS = "back-off-test";
const START = Date.parse("2026-01-01T00:00:00Z");
let clock: SimulatedClock;
let store: ObjectStore;
let kubelet: Kubelet;

beforeAll(() => {
  clock = new SimulatedClock(START);
  ({ store, kubelet } = startTestKubelet({
    namespace: NS,
    subnet: 212,
    clock,
    restartBackoffMs: 10_000,
    probePeriodMs: 2_000,
  }));
});
afterAll(async () => {
  await kubelet.shutdown();
});

/** A vLLM container that exits at once: vLLM rejects `--block-size 7`. */
function crashingPod(name: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: NS },
    spec: {
      containers: [
        {
          name: "main",
          image: "registry.redhat.io/rhaiis/vllm-cuda-rhel9:3.2.5",
          args: ["--model", "Qwen/Qwen3-0.6B", "--block-size", "7"],
        },
      ],
    },
  };
}

const mainStatus = (name: string) => store.get("Pod", NS, name)?.status?.containerStatuses?.[0];

describe("Kubelet back-off on the cluster's clock", () => {
  it("restarts a crashed container after 10 s, then 20 s, of the kubelet's clock", async () => {
    store.create(crashingPod("crasher"));
    const first = await eventually(() => {
      const status = mainStatus("crasher");
      return status?.state.waiting?.reason === "CrashLoopBackOff" && status;
    });
    expect(first.restartCount).toBe(1);
    expect(first.state.waiting.message).toMatch(/^back-off 10s restarting failed container=main/);

    await clock.advanceAsync(9_999);
    await store.settled();
    expect(mainStatus("crasher")?.restartCount).toBe(1);

    await clock.advanceAsync(1);
    const second = await eventually(() => {
      const status = mainStatus("crasher");
      return status?.restartCount === 2 && status.state.waiting?.reason === "CrashLoopBackOff" && status;
    });
    expect(second.state.waiting.message).toMatch(/^back-off 20s restarting failed container=main/);
    expect(second.lastState.terminated.finishedAt).toBe(new Date(START + 10_000).toISOString().replace(/\.\d+Z$/, "Z"));
  });
});
