// The official JavaScript client (@kubernetes/client-node 1.4, Node 20) against the whole testbed
// through the kubeconfig `testbed up` writes: list, read logs, exec, port-forward, watch and an informer.
import { Duplex, PassThrough } from "node:stream";
import { finished } from "node:stream/promises";
import { connect as tlsConnect } from "node:tls";
import {
  AppsV1Api,
  CoreV1Api,
  Exec,
  KubeConfig,
  Log,
  makeInformer,
  PortForward,
  type V1Deployment,
  type V1Status,
  Watch,
} from "@kubernetes/client-node";
import { kubeconfigText } from "@testbed/apimachinery";
import { startTestbed, type TestbedHandle } from "@testbed/cluster";
import { eventually } from "@testbed/common";
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
    // The pod keeps writing (an access line per EPP scrape, 20 a second), so its tail has moved on
    // by the time the test reads it: the answer must be 5 whole lines, in the container's order.
    const text = Buffer.concat(chunks).toString();
    expect(text.endsWith("\n")).toBe(true);
    const received = text.slice(0, -1).split("\n");
    expect(received).toHaveLength(5);
    const written = await testbed.kubelet.readLogs(NS, pod, "main", 2000);
    expect(isRunIn(written, received)).toBe(true);
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

  it("watches a Deployment roll out, and an informer's cache follows it", async () => {
    const name = "qwen3-0-6b-kserve-router-scheduler";
    const path = `/apis/apps/v1/namespaces/${NS}/deployments`;
    const apps = config.makeApiClient(AppsV1Api);
    const informer = makeInformer(config, path, () => apps.listNamespacedDeployment({ namespace: NS }));
    const informed: number[] = [];
    informer.on("update", (deployment: V1Deployment) => {
      if (deployment.metadata?.name === name) informed.push(deployment.metadata?.generation ?? 0);
    });
    await informer.start();
    const watched: Array<{ type: string; generation: number; updated: number }> = [];
    const request = await new Watch(config).watch(
      path,
      { fieldSelector: `metadata.name=${name}` },
      (type, deployment: V1Deployment) =>
        watched.push({
          type,
          generation: deployment.metadata?.generation ?? 0,
          updated: deployment.status?.updatedReplicas ?? 0,
        }),
      () => {},
    );
    try {
      const before = testbed.store.get("apps/Deployment", NS, name)?.metadata.generation ?? 0;
      // The seed's scheduler TLS patch: KServe rolls the scheduler's Deployment.
      const service = testbed.store.get("serving.kserve.io/LLMInferenceService", NS, "qwen3-0-6b");
      if (!service) throw new Error("no LLMInferenceService");
      service.spec.router.scheduler.template.containers[0].args.push("--cert-path", "/var/run/kserve/tls");
      testbed.store.update(service);
      await eventually(() => {
        const last = watched.at(-1);
        expect(last?.generation).toBeGreaterThan(before);
        expect(last?.updated).toBe(1);
      });
      expect(watched[0]?.type).toBe("ADDED");
      expect(watched.some((event) => event.type === "MODIFIED" && event.generation > before)).toBe(true);
      await eventually(() => expect(Math.max(...informed)).toBeGreaterThan(before));
      const cached = informer.list(NS).find((deployment) => deployment.metadata?.name === name);
      expect(cached?.metadata?.generation).toBe(testbed.store.get("apps/Deployment", NS, name)?.metadata.generation);
    } finally {
      request.abort();
      await informer.stop();
    }
  });
});

/** Whether `run` appears in `lines` as consecutive entries. */
function isRunIn(lines: string[], run: string[]): boolean {
  for (let start = 0; start + run.length <= lines.length; start++)
    if (run.every((line, i) => lines[start + i] === line)) return true;
  return false;
}
