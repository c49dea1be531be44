// `testbed up --isolation process`: the same topology with every pod in its own Node process.
import { DEFAULT_TOPOLOGY } from "@testbed/cli";
import { startTestbed, type TestbedHandle } from "@testbed/cluster";
import { eventually } from "@testbed/common";
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let testbed: TestbedHandle;
let gateway = "";
const insecure = new Agent({ connect: { rejectUnauthorized: false } });

beforeAll(async () => {
  testbed = await startTestbed({
    topology: DEFAULT_TOPOLOGY,
    isolation: "process",
    apiPort: 0,
    timeScale: 0,
    subnet: 206,
    restartBackoffMs: 100,
    probePeriodMs: 200,
  });
  await testbed.waitUntilReady(100_000);
  gateway = testbed.store.get("gateway.networking.k8s.io/Gateway", "openshift-ingress", "openshift-ai-inference")
    ?.status.addresses[0].value;
}, 120_000);
afterAll(async () => {
  await testbed?.close();
});

const vllmPods = () =>
  testbed.store.list("Pod", { namespace: "my-first-model" }).filter((p) => p.metadata.labels?.["llm-d.ai/role"]);

async function call(method: "GET" | "POST", path: string) {
  const response = await request(`https://${gateway}/my-first-model/qwen3-0-6b${path}`, {
    method,
    dispatcher: insecure,
    headers: { "content-type": "application/json" },
    ...(method === "POST"
      ? {
          body: JSON.stringify({
            model: "Qwen/Qwen3-0.6B",
            messages: [{ role: "user", content: "Hi" }],
            max_tokens: 5,
          }),
        }
      : {}),
  });
  return { status: response.statusCode, body: await response.body.text() };
}

describe("pods in their own processes", () => {
  it("runs every pod in a separate OS process and behaves as in process (Bug 1 included)", async () => {
    const pids = testbed.store
      .list("Pod")
      .map((p) => testbed.kubelet.podProcessId(p.metadata.namespace ?? "", p.metadata.name));
    expect(pids.every((pid) => typeof pid === "number" && pid !== process.pid)).toBe(true);
    expect(new Set(pids).size).toBe(pids.length);
    expect((await call("GET", "/v1/models")).status).toBe(200);
    const chat = await call("POST", "/v1/chat/completions");
    expect(chat.status).toBe(400);
    expect(chat.body).toContain("Field required");
  });

  it("restarts the containers of a pod whose process dies, and the other pods keep serving", async () => {
    const [victim, bystander] = vllmPods();
    const name = victim?.metadata.name ?? "";
    const pid = testbed.kubelet.podProcessId("my-first-model", name) as number;
    process.kill(pid, "SIGKILL");
    // Another pod, in another process, answers while the victim is down.
    const health = await testbed.kubelet.exec("my-first-model", bystander?.metadata.name ?? "", "main", [
      "curl",
      "-sk",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code}",
      `https://localhost:${bystander?.metadata.labels?.["llm-d.ai/role"] === "decode" ? 8001 : 8000}/health`,
    ]);
    expect(health.exitCode).toBe(0);
    await eventually(
      () => {
        const pod = testbed.store.get("Pod", "my-first-model", name);
        return (pod?.status?.containerStatuses ?? []).every(
          (c: { restartCount: number; ready: boolean }) => c.restartCount >= 1 && c.ready,
        );
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    const newPid = testbed.kubelet.podProcessId("my-first-model", name);
    expect(newPid).toBeDefined();
    expect(newPid).not.toBe(pid);
    expect((await call("GET", "/v1/models")).status).toBe(200);
  });
});
