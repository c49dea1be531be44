// What the kubelet hands llm-d's containers, as a real kubelet does: the downward API
// (valueFrom.fieldRef → INFERENCE_POOL_NAMESPACE, POD_IP, POD_NAME), vLLM's environment
// (VLLM_ALLOW_RUNTIME_LORA_UPDATING), and the pd-sidecar's SSRF protection learning its InferencePool's
// pods through the API (llm-d allowlist.go: the pool's spec.selector entries as a label set; pod IPs
// and names allowed; a v1 pool's {matchLabels: …} prints as map[…], which selects nothing).
import type { KubeObject } from "@testbed/apimachinery";
import { isPodReady } from "@testbed/apimachinery";
import { eventually } from "@testbed/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Kubelet } from "../src/kubelet/kubelet.js";
import type { ObjectStore } from "../src/store/object-store.js";
import { startTestKubelet } from "./fixtures/test-kubelet.js";

const NS = "wiring";
const SIM_IMAGE = "ghcr.io/llm-d/llm-d-inference-sim:v0.4.0";
const SIDECAR_IMAGE = "ghcr.io/llm-d/llm-d-routing-sidecar:v0.2.0";
const WAIT = { timeoutMs: 15_000 };
let store: ObjectStore;
let kubelet: Kubelet;

const fieldRef = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });

function simulatorPod(name: string, app: string, env: object[] = [], extraArgs: string[] = []): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: NS, labels: { app, "llm-d.ai/role": "prefill" } },
    spec: {
      containers: [
        {
          name: "vllm",
          image: SIM_IMAGE,
          args: ["--model", "Qwen/Qwen3-0.6B", "--port", "8000", ...extraArgs],
          env: [fieldRef("POD_NAME", "metadata.name"), ...env],
          readinessProbe: { httpGet: { path: "/health", port: 8000 } },
        },
      ],
    },
  };
}

function decodePod(name: string, sidecarArgs: string[]): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: NS, labels: { app: "qwen-decode", "llm-d.ai/role": "decode" } },
    spec: {
      initContainers: [
        {
          name: "routing-proxy",
          image: SIDECAR_IMAGE,
          restartPolicy: "Always",
          args: ["--port=8000", "--vllm-port=8001", "--secure-proxy=false", ...sidecarArgs],
          env: [fieldRef("INFERENCE_POOL_NAMESPACE", "metadata.namespace")],
        },
      ],
      containers: [
        {
          name: "vllm",
          image: SIM_IMAGE,
          args: ["--model", "Qwen/Qwen3-0.6B", "--port", "8001"],
          readinessProbe: { httpGet: { path: "/health", port: 8001 } },
        },
      ],
    },
  };
}

/** A decode pod with two data-parallel ranks: vLLM on 8200/8201, the sidecar on 8000/8001 keyed on POD_IP. */
function dataParallelPod(name: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: NS, labels: { app: "qwen-dp", "llm-d.ai/role": "decode" } },
    spec: {
      initContainers: [
        {
          name: "routing-proxy",
          image: SIDECAR_IMAGE,
          restartPolicy: "Always",
          args: ["--port=8000", "--vllm-port=8200", "--secure-proxy=false", "--data-parallel-size=2"],
          env: [fieldRef("POD_IP", "status.podIP")],
        },
      ],
      containers: [
        {
          name: "vllm",
          image: SIM_IMAGE,
          args: ["--model", "Qwen/Qwen3-0.6B", "--port", "8200", "--data-parallel-size", "2"],
          env: [fieldRef("POD_NAME", "metadata.name")],
          readinessProbe: { httpGet: { path: "/health", port: 8200 } },
        },
      ],
    },
  };
}

function pool(name: string, apiVersion: string, selector: object): KubeObject {
  return {
    apiVersion,
    kind: "InferencePool",
    metadata: { name, namespace: NS },
    spec: apiVersion.endsWith("v1alpha2")
      ? { selector, targetPortNumber: 8000, extensionRef: { name: "epp" } }
      : { selector, targetPorts: [{ number: 8000 }], endpointPickerRef: { name: "epp", port: { number: 9002 } } },
  };
}

beforeAll(async () => {
  ({ store, kubelet } = startTestKubelet({ namespace: NS, subnet: 78, restartBackoffMs: 50, probePeriodMs: 100 }));
  store.create(pool("qwen-pool", "inference.networking.x-k8s.io/v1alpha2", { app: "qwen-prefill" }));
  store.create(pool("qwen-pool-v1", "inference.networking.k8s.io/v1", { matchLabels: { app: "qwen-prefill" } }));
  store.create(
    simulatorPod(
      "qwen-prefill-0",
      "qwen-prefill",
      [{ name: "VLLM_ALLOW_RUNTIME_LORA_UPDATING", value: "True" }],
      ["--enable-lora"],
    ),
  );
  store.create(simulatorPod("outsider", "other"));
  store.create(
    decodePod("decode-alpha", [
      "--enable-ssrf-protection=true",
      "--pool-group=inference.networking.x-k8s.io",
      "--inference-pool-name=qwen-pool",
    ]),
  );
  store.create(decodePod("decode-v1", ["--enable-ssrf-protection", "--inference-pool=wiring/qwen-pool-v1"]));
  store.create(dataParallelPod("decode-dp"));
  for (const name of ["qwen-prefill-0", "outsider", "decode-alpha", "decode-v1", "decode-dp"]) {
    await eventually(() => {
      const current = store.get("Pod", NS, name);
      return current !== undefined && isPodReady(current);
    }, WAIT);
  }
});
afterAll(async () => {
  await kubelet.shutdown();
});

const ipOf = (name: string) => store.get("Pod", NS, name)?.status?.podIP as string;
const question = { model: "Qwen/Qwen3-0.6B", messages: [{ role: "user", content: "Hi" }], max_tokens: 2 };

async function viaSidecar(decode: string, prefiller: string) {
  const response = await fetch(`http://${ipOf(decode)}:8000/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-prefiller-host-port": prefiller },
    body: JSON.stringify(question),
  });
  return { status: response.status, text: await response.text() };
}

describe("the kubelet's environment for llm-d's containers", () => {
  it("VLLM_ALLOW_RUNTIME_LORA_UPDATING from the container's env reaches vLLM: /v1/load_lora_adapter exists", async () => {
    const load = (pod: string) =>
      fetch(`http://${ipOf(pod)}:8000/v1/load_lora_adapter`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ lora_name: "chat-lora", lora_path: "/models/chat" }),
      });
    const loaded = await load("qwen-prefill-0");
    expect(loaded.status).toBe(200);
    expect(await loaded.text()).toBe("Success: LoRA adapter 'chat-lora' added successfully.");
    expect((await load("outsider")).status).toBe(404);
  });

  it("POD_NAME from the downward API names the simulator's pod in x-inference-pod", async () => {
    const response = await fetch(`http://${ipOf("outsider")}:8000/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(question),
    });
    expect(response.headers.get("x-inference-pod")).toBe("outsider");
    expect(response.headers.get("x-inference-port")).toBe("8000");
  });
});

describe("the pd-sidecar's data parallelism in a pod", () => {
  it("x-data-parallel-host-port with POD_IP (downward API) and port+1 reaches vLLM's rank 1", async () => {
    const ip = ipOf("decode-dp");
    const response = await fetch(`http://${ip}:8000/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-data-parallel-host-port": `${ip}:8001` },
      body: JSON.stringify(question),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-inference-port")).toBe("8201");
  });
});

describe("the pd-sidecar's SSRF protection watches its InferencePool's pods", () => {
  it("allows a pool member by IP or by name, and refuses another pod of the namespace with 403", async () => {
    expect((await viaSidecar("decode-alpha", `${ipOf("qwen-prefill-0")}:8000`)).status).toBe(200);
    const byName = await viaSidecar("decode-alpha", "qwen-prefill-0:8000");
    // The name is allowed; the testbed has no DNS for bare pod names, so the prefill leg fails after.
    expect(byName.status).not.toBe(403);
    expect(await viaSidecar("decode-alpha", `${ipOf("outsider")}:8000`)).toEqual({
      status: 403,
      text: "Forbidden: prefill target not allowed by SSRF protection\n",
    });
  });

  it("follows the pool: a pod relabelled into it is allowed from then on", async () => {
    const outsider = store.get("Pod", NS, "outsider") as KubeObject;
    store.update({ ...outsider, metadata: { ...outsider.metadata, labels: { app: "qwen-prefill" } } });
    await eventually(async () => (await viaSidecar("decode-alpha", `${ipOf("outsider")}:8000`)).status === 200, WAIT);
  });

  it("a v1 pool's {matchLabels} selector selects nothing for the sidecar: every prefill target is refused", async () => {
    expect((await viaSidecar("decode-v1", `${ipOf("qwen-prefill-0")}:8000`)).status).toBe(403);
    expect(kubelet.readLogs(NS, "decode-v1", "routing-proxy").join("\n")).toContain("matchLabels");
  });

  it("without a pool name the sidecar refuses to start, with Options.Validate's message", async () => {
    store.create(decodePod("decode-unnamed", ["--enable-ssrf-protection=true"]));
    const failed = await eventually(() => {
      const status = store.get("Pod", NS, "decode-unnamed")?.status?.initContainerStatuses?.[0];
      return status?.lastState?.terminated !== undefined && status;
    }, WAIT);
    expect(failed.lastState.terminated.message).toContain(
      "--inference-pool, --inference-pool-name, INFERENCE_POOL, or INFERENCE_POOL_NAME environment variable is required",
    );
  });
});
