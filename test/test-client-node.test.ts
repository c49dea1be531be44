// The official JavaScript client (@kubernetes/client-node 1.4, Node 20) against the whole testbed
// through the kubeconfig `testbed up` writes: list, read logs, exec and port-forward.
import { Duplex, PassThrough } from "node:stream";
import { finished } from "node:stream/promises";
import { connect as tlsConnect } from "node:tls";
import { CoreV1Api, Exec, KubeConfig, Log, PortForward, type V1Status } from "@kubernetes/client-node";
import { kubeconfigText } from "@testbed/apimachinery";
import { startTestbed, type TestbedHandle } from "@testbed/cluster";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_TOPOLOGY } from "../packages/cli/src/commands/up.js";

const TOKEN = "client-node-token";
const NS = "my-first-model";
let testbed: TestbedHandle;
let config: KubeConfig;

beforeAll(async () => {
  testbed = await startTestbed({
    topology: DEFAULT_TOPOLOGY,
    apiPort: 0,
    apiToken: TOKEN,
    timeScale: 0,
    subnet: 68,
    probePeriodMs: 100,
  });
  await testbed.waitUntilReady(20_000);
  config = new KubeConfig();
  config.loadFromString(kubeconfigText(testbed.api.url, TOKEN, testbed.api.ca));
}, 30_000);
afterAll(async () => {
  await testbed?.close();
});

async function decodePod(): Promise<string> {
  const pods = await config
    .makeApiClient(CoreV1Api)
    .listNamespacedPod({ namespace: NS, labelSelector: "llm-d.ai/role=decode" });
  return pods.items[0]?.metadata?.name ?? "";
}

describe("@kubernetes/client-node", () => {
  it("lists pods across namespaces", async () => {
    const pods = await config.makeApiClient(CoreV1Api).listPodForAllNamespaces();
    const names = pods.items.map((pod) => `${pod.metadata?.namespace}/${pod.metadata?.name}`);
    expect(names).toEqual(testbed.store.list("Pod").map((pod) => `${pod.metadata.namespace}/${pod.metadata.name}`));
  });

  it("reads a container's logs", async () => {
    const pod = await decodePod();
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on("data", (chunk: Buffer) => chunks.push(chunk));
    // log() pipes the answer into the stream and ends it (its `done` callback is never called).
    await new Log(config).log(NS, pod, "main", out, { tailLines: 5 });
    await finished(out);
    const expected = await testbed.kubelet.readLogs(NS, pod, "main", 5);
    expect(Buffer.concat(chunks).toString()).toBe(expected.map((line) => `${line}\n`).join(""));
  });

  it("execs curl in a vLLM pod over WebSocket (v5.channel.k8s.io)", async () => {
    const pod = await decodePod();
    const stdout = new PassThrough();
    let output = "";
    stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const status = await new Promise<V1Status>((resolve) => {
      void new Exec(config).exec(
        NS,
        pod,
        "main",
        ["curl", "-s", "localhost:8000/metrics"],
        stdout,
        null,
        null,
        false,
        resolve,
      );
    });
    expect(status.status).toBe("Success");
    expect(output).toContain("vllm:num_requests_running");
  });

  it("port-forwards to a vLLM pod (v4.channel.k8s.io): GET /v1/models over TLS through the tunnel", async () => {
    const pod = await decodePod();
    const fromPod = new PassThrough();
    const toPod = new PassThrough();
    const socket = await new PortForward(config).portForward(NS, pod, [8000], fromPod, null, toPod);
    try {
      // vLLM serves HTTPS on 8000: TLS runs over the forwarded byte streams.
      const tlsSocket = tlsConnect({
        socket: Duplex.from({ readable: fromPod, writable: toPod }),
        rejectUnauthorized: false,
      });
      const answer = await new Promise<string>((resolve, reject) => {
        let text = "";
        tlsSocket.on("data", (chunk: Buffer) => {
          text += chunk.toString();
          if (text.includes("Qwen/Qwen3-0.6B")) resolve(text);
        });
        tlsSocket.on("error", reject);
        tlsSocket.write("GET /v1/models HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
      });
      expect(answer).toMatch(/^HTTP\/1\.1 200/);
      tlsSocket.destroy();
    } finally {
      (socket as { close(): void }).close();
    }
  });

  it.todo(
    "watches a rolling Deployment and runs an informer (watch is helper 17a's server feature, not in this branch)",
  );
});
