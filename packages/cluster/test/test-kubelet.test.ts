// The kubelet runs real components: a vLLM pod here is vllm-sim on the pod's own loopback address.
import type { KubeObject } from "@testbed/apimachinery";
import { isPodReady } from "@testbed/apimachinery";
import { eventually } from "@testbed/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Kubelet } from "../src/kubelet/kubelet.js";
import type { ObjectStore } from "../src/store/object-store.js";
import { startTestKubelet } from "./fixtures/test-kubelet.js";

const NS = "kubelet-test";
let store: ObjectStore;
let kubelet: Kubelet;

beforeAll(() => {
  ({ store, kubelet } = startTestKubelet({ namespace: NS, subnet: 202, restartBackoffMs: 50, probePeriodMs: 100 }));
});
afterAll(async () => {
  await kubelet.shutdown();
});

function vllmPod(name: string, extraArgs = "", image = "registry.redhat.io/rhaiis/vllm-cuda-rhel9:3.2.5"): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: NS, labels: { app: name } },
    spec: {
      initContainers: [
        {
          name: "storage-initializer",
          image: "quay.io/modh/kserve-storage-initializer:rhoai-3.2",
          args: ["hf://Qwen/Qwen3-0.6B", "/mnt/models"],
        },
      ],
      containers: [
        {
          name: "main",
          image,
          command: ["/bin/bash", "-c"],
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell script, as in KServe's preset.
          args: ['eval "vllm serve /mnt/models --served-model-name qwen --port 8000 ${VLLM_ADDITIONAL_ARGS}"'],
          env: [{ name: "VLLM_ADDITIONAL_ARGS", value: `--max-model-len 4096 ${extraArgs}` }],
          ports: [{ containerPort: 8000, name: "http" }],
          resources: { limits: { "nvidia.com/gpu": "1" } },
          readinessProbe: { httpGet: { path: "/health", port: "http" } },
          volumeMounts: [{ name: "model-cache", mountPath: "/mnt/models" }],
        },
      ],
      volumes: [{ name: "model-cache", emptyDir: {} }],
    },
  };
}

/** Pods start real programs on sockets: wait for what they do, up to 15 s. */
const WAIT = { timeoutMs: 15_000 };

const pod = (name: string) => store.get("Pod", NS, name);
const mainStatus = (name: string) => pod(name)?.status?.containerStatuses?.[0];

describe("Kubelet", () => {
  it("runs a vLLM pod on its own loopback IP: init container, readiness, logs and exec", async () => {
    store.create(vllmPod("vllm-a"));
    const ready = await eventually(() => {
      const current = pod("vllm-a");
      return current !== undefined && isPodReady(current) && current;
    }, WAIT);
    expect(ready.spec.nodeName).toMatch(/^ip-10-0-4\d-17\.ec2\.internal$/); // a GPU node
    expect(ready.status.podIP).toMatch(/^127\.(129|131|133|135)\.202\.\d+$/);
    expect(ready.status.initContainerStatuses[0].state.terminated.exitCode).toBe(0);
    expect(ready.metadata.finalizers).toContain("testbed.io/kubelet");

    const models = await kubelet.exec(NS, "vllm-a", undefined, ["curl", "-s", "localhost:8000/v1/models"]);
    expect(models.exitCode).toBe(0);
    // The storage initializer put Qwen/Qwen3-0.6B in /mnt/models; vLLM serves it as "qwen".
    expect(JSON.parse(models.stdout).data[0]).toMatchObject({ id: "qwen", root: "Qwen/Qwen3-0.6B" });
    expect(kubelet.readLogs(NS, "vllm-a", "storage-initializer").join("\n")).toContain("hf://Qwen/Qwen3-0.6B");
    expect(kubelet.readLogs(NS, "vllm-a", "main").join("\n")).toMatch(/max_model_len|Starting vLLM API server/);
    expect(() => kubelet.readLogs(NS, "vllm-a", "nope")).toThrow(/container nope is not valid for pod vllm-a/);
  });

  it("a vLLM image serves --data-parallel-size behind its one port (only the simulator's ranks take port+1…)", async () => {
    store.create(vllmPod("vllm-dp", "--data-parallel-size 2"));
    await eventually(() => isPodReady(pod("vllm-dp") as KubeObject), WAIT);
    const served = await kubelet.exec(NS, "vllm-dp", undefined, ["curl", "-s", "localhost:8000/v1/models"]);
    expect(served.exitCode).toBe(0);
    const nextPort = await kubelet.exec(NS, "vllm-dp", undefined, ["curl", "-s", "localhost:8001/v1/models"]);
    expect(nextPort.exitCode).toBe(7);
  });

  it("restarts a killed container and counts the restart", async () => {
    await eventually(() => isPodReady(pod("vllm-a") as KubeObject), WAIT);
    const killed = await kubelet.exec(NS, "vllm-a", "main", ["kill", "-9", "1"]);
    expect(killed.exitCode).toBe(0);
    const restarted = await eventually(() => {
      const status = mainStatus("vllm-a");
      return status?.restartCount === 1 && status.ready === true && status;
    }, WAIT);
    expect(restarted.lastState.terminated.exitCode).toBe(137);
  });

  it("puts a container whose flags vLLM rejects into CrashLoopBackOff", async () => {
    store.create(vllmPod("vllm-bad", "--block-size 7"));
    const crashing = await eventually(() => {
      const status = mainStatus("vllm-bad");
      return status?.restartCount >= 2 && status.state.waiting?.reason === "CrashLoopBackOff" && status;
    }, WAIT);
    expect(crashing.lastState.terminated.exitCode).toBe(2);
    expect(crashing.lastState.terminated.message).toMatch(/block-size/);
    expect(isPodReady(pod("vllm-bad") as KubeObject)).toBe(false);
  });

  it("cannot pull an image it has no program for, offline", async () => {
    store.create(vllmPod("unknown-image", "", "docker.io/library/nginx:latest"));
    const waiting = await eventually(() => {
      const status = mainStatus("unknown-image");
      return status?.state.waiting?.reason === "ImagePullBackOff" && status;
    }, WAIT);
    expect(waiting.ready).toBe(false);
  });

  it("waits for a missing Secret volume, then starts when it appears", async () => {
    const withSecret = vllmPod("needs-secret");
    withSecret.spec.volumes.push({ name: "tls", secret: { secretName: "late-secret" } });
    withSecret.spec.containers[0].volumeMounts.push({ name: "tls", mountPath: "/var/run/kserve/tls" });
    store.create(withSecret);
    await eventually(
      () =>
        store
          .list("Event", { namespace: NS })
          .some((e) => e.reason === "FailedMount" && String(e.message).includes("late-secret")),
      WAIT,
    );
    expect(isPodReady(pod("needs-secret") as KubeObject)).toBe(false);
    store.create({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "late-secret", namespace: NS },
      data: { "a.txt": Buffer.from("hello").toString("base64") },
    });
    await eventually(() => isPodReady(pod("needs-secret") as KubeObject), WAIT);
    const file = await kubelet.exec(NS, "needs-secret", "main", ["cat", "/var/run/kserve/tls/a.txt"]);
    expect(file.stdout).toBe("hello");
  });

  it("binds a pod changed before the kubelet saw it being added, without a watch handler failing", async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on("warning", onWarning);
    try {
      const created = store.create({ ...vllmPod("relabelled", "", "example.com/no-such-image:1") });
      // Both writes land before the ADDED event is delivered, so that event carries a stale copy.
      store.update({ ...created, metadata: { ...created.metadata, labels: { app: "relabelled", tier: "x" } } });
      store.create({ ...vllmPod("short-lived", "", "example.com/no-such-image:1") });
      store.delete("Pod", NS, "short-lived");
      await store.settled();
      await eventually(() => expect(pod("relabelled")?.spec?.nodeName).toBeTruthy(), WAIT);
      await new Promise((resolve) => setImmediate(resolve));
      expect(pod("relabelled")?.metadata.labels).toEqual({ app: "relabelled", tier: "x" });
      expect(pod("short-lived")).toBeUndefined();
      expect(warnings.filter((message) => message.includes("watch handler failed"))).toEqual([]);
    } finally {
      process.off("warning", onWarning);
      store.delete("Pod", NS, "relabelled");
    }
  });

  it("stops a deleted pod, releases its finalizer and frees its address", async () => {
    const ip = pod("vllm-a")?.status.podIP as string;
    store.delete("Pod", NS, "vllm-a");
    await eventually(() => pod("vllm-a") === undefined, WAIT);
    await expect(fetch(`http://${ip}:8000/health`)).rejects.toThrow();
  });
});
