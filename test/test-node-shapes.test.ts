// Node shapes from a topology: the customer's Node manifests become the cluster's nodes, with
// nvidia.com/gpu capacity the scheduler enforces, so pods that do not fit stay Pending with
// kube-scheduler's FailedScheduling message (test/fixtures/customer-cases/gpus-do-not-fit).
import { fileURLToPath } from "node:url";
import { DEFAULT_TOPOLOGY } from "@testbed/cli";
import { startTestbed, type TestbedHandle } from "@testbed/cluster";
import { captureOc } from "@testbed/oc";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

const NODES = fileURLToPath(new URL("./fixtures/customer-cases/gpus-do-not-fit/topology", import.meta.url));
const WORKLOAD = "app.kubernetes.io/name=qwen3-0-6b,kserve.io/component=workload";
const FIT_ERROR =
  "0/4 nodes are available: 4 Insufficient nvidia.com/gpu. preemption: 0/4 nodes are available: 4 No preemption victims found for incoming pod.";
let testbed: TestbedHandle;
const oc = (...argv: string[]) => captureOc(testbed.api.url, argv);

beforeAll(async () => {
  testbed = await startTestbed({
    topology: [DEFAULT_TOPOLOGY, NODES],
    apiPort: 0,
    timeScale: 0,
    subnet: 89,
    restartBackoffMs: 100,
    probePeriodMs: 100,
  });
  // Two of the four GPU pods can never be Ready; wait for the two that can.
  await vi.waitFor(
    async () => {
      const pods = await oc("get", "pods", "-n", "my-first-model", "-l", WORKLOAD);
      if (pods.out.match(/(\d)\/\1\s+Running/g)?.length !== 2) throw new Error(pods.out);
    },
    { timeout: 20_000, interval: 100 },
  );
}, 30_000);

afterAll(async () => {
  await testbed?.close();
});

describe("node shapes from a topology", () => {
  it("serves the topology's nodes with their nvidia.com/gpu capacity and allocatable", async () => {
    const nodes = await oc(
      "get",
      "nodes",
      "-o",
      'jsonpath={range .items[*]}{.metadata.name} {.status.allocatable.nvidia\\.com/gpu}{"\\n"}{end}',
    );
    expect(nodes.code).toBe(0);
    expect(nodes.out.trim().split("\n")).toEqual([
      "ip-10-0-20-11.ec2.internal ",
      "ip-10-0-21-11.ec2.internal ",
      "ip-10-0-40-17.ec2.internal 1",
      "ip-10-0-41-17.ec2.internal 1",
    ]);
  });

  it("prints the nodes as oc get nodes does", async () => {
    const nodes = await oc("get", "nodes");
    expect(nodes.out.split("\n")[0]).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION$/);
    expect(nodes.out).toMatch(/ip-10-0-40-17\.ec2\.internal\s+Ready\s+worker\s+\S+\s+v1\.33\.5/);
  });

  it("leaves the GPU pods that do not fit Pending, unbound, with PodScheduled False", async () => {
    const pods = await oc("get", "pods", "-n", "my-first-model", "-l", WORKLOAD, "-o", "wide");
    const pending = pods.out.split("\n").filter((line) => /\sPending\s/.test(line));
    expect(pending).toHaveLength(2);
    for (const line of pending) expect(line).toMatch(/<none>/);
    const name = pending[0]?.split(/\s+/)[0] ?? "";
    const condition = await oc(
      "get",
      "pod",
      name,
      "-n",
      "my-first-model",
      "-o",
      "jsonpath={.status.conditions[0].reason}: {.status.conditions[0].message}",
    );
    expect(condition.out).toBe(`Unschedulable: ${FIT_ERROR}`);
  });

  it("records kube-scheduler's FailedScheduling event, shown by oc get events and oc describe", async () => {
    const events = await oc("get", "events", "-n", "my-first-model");
    expect(events.out).toContain("FailedScheduling");
    expect(events.out).toContain(FIT_ERROR);
    const pods = await oc("get", "pods", "-n", "my-first-model", "-l", WORKLOAD);
    const pending =
      pods.out
        .split("\n")
        .find((line) => /\sPending\s/.test(line))
        ?.split(/\s+/)[0] ?? "";
    const describe = await oc("describe", "pod", pending, "-n", "my-first-model");
    expect(describe.out).toMatch(
      /Warning\s+FailedScheduling\s+.*default-scheduler\s+0\/4 nodes are available: 4 Insufficient nvidia\.com\/gpu\./,
    );
  });

  it("schedules a Pending pod once a GPU is free", async () => {
    const nodeOfPod = 'jsonpath={range .items[*]}{.metadata.name} {.spec.nodeName}{"\\n"}{end}';
    const pods = await oc("get", "pods", "-n", "my-first-model", "-l", WORKLOAD, "-o", nodeOfPod);
    const bound = pods.out
      .trim()
      .split("\n")
      .map((line) => line.split(" "))
      .filter(([, node]) => node);
    expect(bound).toHaveLength(2);
    await oc("delete", "pod", bound[0]?.[0] ?? "", "-n", "my-first-model", "--wait=false");
    // The deleted pod's GPU goes to a waiting pod; its Deployment's replacement waits in turn.
    await expect
      .poll(
        async () => {
          const now = await oc("get", "pods", "-n", "my-first-model", "-l", WORKLOAD, "-o", nodeOfPod);
          return now.out.split("\n").filter((line) => line.split(" ")[1]?.startsWith("ip-10-0-4")).length;
        },
        { timeout: 15_000 },
      )
      .toBe(2);
    const waiting = await oc("get", "pods", "-n", "my-first-model", "-l", WORKLOAD, "-o", nodeOfPod);
    expect(
      waiting.out
        .split("\n")
        .filter((line) => line.split(" ")[1] === "")
        .map((l) => l.split(" ")[0]),
    ).not.toContain(bound[1]?.[0]);
  });
});
