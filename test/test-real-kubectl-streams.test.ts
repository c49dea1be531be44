// The seed's stream commands with the real kubectl against the whole testbed, through the kubeconfig
// `testbed up` writes (bearer token, HTTPS with the API server's CA): exec into the gateway and a
// vLLM pod, port-forward to the workload Service, and `kubectl run --rm -it` of curlimages/curl.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { request } from "node:https";
import { startTestbed, type TestbedHandle } from "@testbed/cluster";
import { eventually } from "@testbed/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_TOPOLOGY } from "../packages/cli/src/commands/up.js";
import { kubeconfigFor, runClient, startClient } from "../packages/cluster/test/real-kubectl.js";
import { realClientMissing, realClientPath } from "./real-clients.js";

const TOKEN = "seed-stream-token";
const NS = "my-first-model";
const MODELS_URL = "https://qwen3-0-6b-kserve-workload-svc.my-first-model.svc.cluster.local:8000/v1/models";
let testbed: TestbedHandle;
let kubeconfig: string;

describe.skipIf(realClientMissing("kubectl"))("the seed's stream commands with the real kubectl", () => {
  beforeAll(async () => {
    testbed = await startTestbed({
      topology: DEFAULT_TOPOLOGY,
      apiPort: 0,
      apiToken: TOKEN,
      timeScale: 0,
      subnet: 67,
      probePeriodMs: 100,
      restartBackoffMs: 100,
    });
    await testbed.waitUntilReady(20_000);
    kubeconfig = kubeconfigFor(testbed.api, TOKEN);
  }, 30_000);
  afterAll(async () => {
    await testbed?.close();
  });

  const kubectl = (...args: string[]) => runClient("kubectl", kubeconfig, args);
  const podName = (namespace: string, selector: string) =>
    kubectl("get", "pods", "-n", namespace, "-l", selector, "-o", "jsonpath={.items[0].metadata.name}");

  it("kubectl exec $GW_POD -- pilot-agent request GET /clusters", async () => {
    const pod = (await podName("openshift-ingress", "gateway.networking.k8s.io/gateway-name=openshift-ai-inference"))
      .stdout;
    const run = await kubectl(
      "exec",
      "-n",
      "openshift-ingress",
      pod,
      "--",
      "pilot-agent",
      "request",
      "GET",
      "/clusters",
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const direct = await testbed.kubelet.exec("openshift-ingress", pod, "istio-proxy", [
      "pilot-agent",
      "request",
      "GET",
      "/clusters",
    ]);
    expect(run.stdout.split("\n")[0]).toBe(direct.stdout.split("\n")[0]);
  });

  it("kubectl exec $POD -- curl -s localhost:8000/metrics", async () => {
    const pod = (await podName(NS, "llm-d.ai/role=decode")).stdout;
    const run = await kubectl("exec", "-n", NS, pod, "--", "curl", "-s", "localhost:8000/metrics");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("vllm:num_requests_running");
  });

  it("kubectl port-forward svc/qwen3-0-6b-kserve-workload-svc, then curl -sk https://localhost:PORT/v1/models", async () => {
    const forward = startClient("kubectl", kubeconfig, [
      "port-forward",
      "-n",
      NS,
      "svc/qwen3-0-6b-kserve-workload-svc",
      ":8000",
    ]);
    try {
      let port = 0;
      await eventually(() => {
        const match = /Forwarding from 127\.0\.0\.1:(\d+) -> 8000/.exec(forward.output());
        expect(match).not.toBeNull();
        port = Number(match?.[1]);
      });
      const models = await insecureGet(`https://localhost:${port}/v1/models`);
      expect(JSON.parse(models).data[0].id).toBe("Qwen/Qwen3-0.6B");
    } finally {
      forward.stop();
    }
  });

  it("kubectl logs --timestamps, --since, --since-time, and --previous after a restart", async () => {
    const pod = (await podName(NS, "llm-d.ai/role=decode")).stdout;
    const stamped = await kubectl("logs", "-n", NS, pod, "-c", "main", "--timestamps", "--tail=2");
    const lines = stamped.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z /);
    expect((await kubectl("logs", "-n", NS, pod, "-c", "main", "--since=1h")).stdout).not.toBe("");
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await kubectl("logs", "-n", NS, pod, "-c", "main", `--since-time=${future}`)).stdout).toBe("");

    const before = (await kubectl("logs", "-n", NS, pod, "-c", "main")).stdout;
    const noPrevious = await kubectl("logs", "-n", NS, pod, "-c", "main", "--previous");
    expect(noPrevious.stderr).toContain(`previous terminated container "main" in pod "${pod}" not found`);
    await kubectl("exec", "-n", NS, pod, "-c", "main", "--", "kill", "1");
    await eventually(() => {
      const status = testbed.store
        .require("Pod", NS, pod)
        .status?.containerStatuses?.find((s: { name: string }) => s.name === "main");
      expect(status?.restartCount).toBe(1);
      expect(status?.state?.running).toBeDefined();
    });
    const previous = await kubectl("logs", "-n", NS, pod, "-c", "main", "--previous");
    expect(previous.code).toBe(0);
    expect(previous.stdout.startsWith(before)).toBe(true);
    const current = await kubectl("logs", "-n", NS, pod, "-c", "main");
    expect(current.stdout).not.toContain(before);
  }, 60_000);

  it("kubectl exec -i POD -- sh: the seed's commands typed on stdin, pipes into grep, exit N", async () => {
    const pod = (await podName("openshift-ingress", "gateway.networking.k8s.io/gateway-name=openshift-ai-inference"))
      .stdout;
    const typed = 'pilot-agent request GET /clusters | grep "epp.*cx_total"\necho done\nexit 3\n';
    const run = await runClient("kubectl", kubeconfig, ["exec", "-i", "-n", "openshift-ingress", pod, "--", "sh"], {
      stdin: typed,
    });
    expect(run.stdout).toMatch(
      /^outbound\|9002\|\|qwen3-0-6b-epp-service\.my-first-model\.svc\.cluster\.local::[\d.:]+::cx_total::\d+\n/,
    );
    expect(run.stdout.trimEnd().split("\n").at(-1)).toBe("done");
    expect(run.code).toBe(3);
    expect(run.stderr).toBe("command terminated with exit code 3\n");
  });

  it("kubectl exec POD -- sh -c '… | grep -c …' runs the pipeline", async () => {
    const pod = (await podName(NS, "llm-d.ai/role=decode")).stdout;
    const run = await kubectl(
      "exec",
      "-n",
      NS,
      pod,
      "-c",
      "main",
      "--",
      "sh",
      "-c",
      "curl -s localhost:8000/metrics | grep -c '^vllm:num_requests_running'",
    );
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(Number(run.stdout.trim())).toBeGreaterThan(0);
  });

  // A pseudo-terminal from util-linux's `script`: kubectl then runs with -t as on a participant's terminal.
  it.skipIf(!existsSync("/usr/bin/script"))(
    "kubectl exec -it POD -- sh on a terminal: prompt, echo, output, exit",
    async () => {
      const pod = (await podName(NS, "llm-d.ai/role=decode")).stdout;
      const child = spawn(
        "/usr/bin/script",
        ["-qfec", `${realClientPath("kubectl")} exec -it -n ${NS} ${pod} -c main -- sh`, "/dev/null"],
        { env: { PATH: process.env.PATH, HOME: "/tmp", KUBECONFIG: kubeconfig, TERM: "xterm" } },
      );
      let screen = "";
      child.stdout.on("data", (chunk: Buffer) => {
        screen += chunk.toString();
      });
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      try {
        // Each line is typed once the shell shows its prompt, as a person would.
        await eventually(() => expect(screen).toContain("$ "), { timeoutMs: 15_000 });
        child.stdin.write("curl -s localhost:8000/v1/models | grep -o Qwen3-0.6B | head -1\r");
        await eventually(() => expect(screen).toMatch(/Qwen3-0\.6B\r\n\$ $/), { timeoutMs: 15_000 });
        child.stdin.write("exit 4\r");
        expect(await exited).toBe(4);
      } finally {
        child.kill();
      }
      expect(screen).toBe(
        "$ curl -s localhost:8000/v1/models | grep -o Qwen3-0.6B | head -1\r\nQwen3-0.6B\r\n$ exit 4\r\ncommand terminated with exit code 4\r\n",
      );
    },
  );

  it("kubectl run curl-test --rm -it --image=curlimages/curl --restart=Never -- curl -sk …/v1/models", async () => {
    const run = await kubectl(
      "run",
      "curl-test",
      "--rm",
      "-it",
      "--image=curlimages/curl",
      "--restart=Never",
      "--",
      "curl",
      "-sk",
      MODELS_URL,
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('"id":"Qwen/Qwen3-0.6B"');
    expect(run.stdout).toContain('pod "curl-test" deleted');
    expect(testbed.store.get("Pod", "default", "curl-test")).toBeUndefined();
  });
});

function insecureGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { rejectUnauthorized: false }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
      incoming.on("end", () => resolve(Buffer.concat(chunks).toString()));
    });
    outgoing.on("error", reject);
    outgoing.end();
  });
}
