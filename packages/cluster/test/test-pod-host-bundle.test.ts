import { type ChildProcess, fork } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { eventually } from "@testbed/common";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FromPodHost, ToPodHost } from "../src/kubelet/process/pod-host-protocol.js";

// The pod host every pod process of `testbed up --isolation process` runs is the compiled bundle
// (scripts/bundle-up.mjs; the global setup builds dist/): one entry file plus chunks beside it, each
// image's program loaded when its container starts. Here it runs a vLLM container as the kubelet
// would drive it, over IPC, on a loopback address of this test's own (127.107.0.0/16).
const PROCESS_DIR = fileURLToPath(new URL("../dist/kubelet/process/", import.meta.url));
const POD_HOST = join(PROCESS_DIR, "pod-host.js");
const POD_IP = "127.107.0.21";

let child: ChildProcess;
let fsRoot: string;
const messages: FromPodHost[] = [];
const send = (message: ToPodHost) => child.send(message);

beforeAll(() => {
  fsRoot = mkdtempSync(join(tmpdir(), "testbed-pod-host-"));
  child = fork(POD_HOST, [], { execArgv: [], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  child.on("message", (message: FromPodHost) => messages.push(message));
  send({
    type: "setup",
    setup: {
      pod: {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "vllm-0", namespace: "models", labels: { "llm-d.ai/role": "decode" } },
        spec: { containers: [{ name: "main", image: "ghcr.io/llm-d/llm-d-inference-sim:v0.6.1" }] },
      },
      node: { name: "worker-0", gpus: 4, gpuProfile: "t4", octet: 107 },
      podIP: POD_IP,
      fsRoot,
      mounts: [],
      timeScale: 0,
      seed: 7,
      envoyVersion: "1.34",
      privilegedPorts: false,
      objects: [],
    },
  });
});

afterAll(() => {
  child?.kill("SIGKILL");
  rmSync(fsRoot, { recursive: true, force: true });
});

describe("the bundled pod host", () => {
  it("is one entry that imports only its own chunks, not the per-file dist/ modules", () => {
    const entry = readFileSync(POD_HOST, "utf8");
    const relative = [...entry.matchAll(/(?:from|import\()\s*"(\.{1,2}\/[^"]+)"/g)].map((match) => match[1]);
    expect(relative.length).toBeGreaterThan(0);
    expect(relative.every((path) => /^\.\/pod-host-[A-Z0-9]+\.js$/.test(path ?? ""))).toBe(true);
    const chunks = readdirSync(PROCESS_DIR).filter((file) => /^pod-host-[A-Z0-9]+\.js$/.test(file));
    for (const path of relative) expect(chunks).toContain(path?.slice(2));
  });

  it("starts a vLLM container that answers on the pod's address, and stops it", async () => {
    send({
      type: "start",
      container: "main",
      spec: { name: "main", image: "ghcr.io/llm-d/llm-d-inference-sim:v0.6.1" },
      argv: ["vllm-sim", "--model", "Qwen/Qwen3-0.6B", "--port", "8000"],
      env: {},
      image: "vllm",
    });
    await eventually(() => messages.some((m) => m.type === "started" || m.type === "failed"), {
      timeoutMs: 20_000,
      intervalMs: 20,
    });
    expect(messages.find((m) => m.type === "failed")).toBeUndefined();
    const logs = messages.flatMap((m) => (m.type === "log" ? [m.line] : []));
    expect(logs).toContainEqual(expect.stringContaining(`Starting vLLM API server 0 on http://${POD_IP}:8000`));
    const models = await request(`http://${POD_IP}:8000/v1/models`);
    expect(models.statusCode).toBe(200);
    expect(((await models.body.json()) as { data: Array<{ id: string }> }).data[0]?.id).toBe("Qwen/Qwen3-0.6B");
    send({ type: "stop", container: "main" });
    await eventually(() => messages.some((m) => m.type === "stopped"), { timeoutMs: 10_000, intervalMs: 20 });
    await expect(request(`http://${POD_IP}:8000/v1/models`)).rejects.toThrow();
  });
});
