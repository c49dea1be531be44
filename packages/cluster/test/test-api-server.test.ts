import { eventually } from "@testbed/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiServerHandle, startApiServer } from "../src/api/api-server.js";
import type { PodAccess } from "../src/api/pod-access.js";
import { ObjectStore } from "../src/store/object-store.js";

const store = new ObjectStore();
let server: ApiServerHandle;
const lines = ["one", "two", "three"];
const followers = new Set<(line: string) => void>();

const podAccess: PodAccess = {
  logs: (_ns, _pod, container, options) => {
    const all = lines.map((l) => `${container}: ${l}`);
    return options.tailLines === undefined ? all : all.slice(-options.tailLines);
  },
  followLogs: (_ns, _pod, _container, onLine) => {
    followers.add(onLine);
    return () => followers.delete(onLine);
  },
  exec: async (_ns, pod, container, command) => ({
    stdout: `${pod}/${container}: ${command.join(" ")}\n`,
    stderr: "",
    exitCode: command[0] === "false" ? 1 : 0,
  }),
};

async function call(method: string, path: string, body?: unknown, contentType = "application/json") {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": contentType },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text.startsWith("{") ? JSON.parse(text) : text };
}

const CM_PATH = "/api/v1/namespaces/my-first-model/configmaps";

beforeAll(async () => {
  store.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "my-first-model" } });
  store.create({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "vllm-0", namespace: "my-first-model", labels: { app: "vllm" } },
    spec: {
      containers: [{ name: "main", image: "vllm" }],
      initContainers: [{ name: "llm-d-routing-sidecar", image: "s" }],
    },
  });
  server = await startApiServer({ store, host: "127.0.0.1", port: 0, podAccess });
});

afterAll(async () => {
  await server.close();
});

describe("API server", () => {
  it("serves /version and discovery", async () => {
    expect((await call("GET", "/version")).body.gitVersion).toBe("v1.33.5");
    const groups = (await call("GET", "/apis")).body.groups.map((g: { name: string }) => g.name);
    expect(groups).toContain("inference.networking.x-k8s.io");
    const core = (await call("GET", "/api/v1")).body.resources.map((r: { name: string }) => r.name);
    expect(core).toContain("pods/log");
  });

  it("creates, gets, lists with label selectors, replaces and deletes", async () => {
    const created = await call("POST", CM_PATH, { metadata: { name: "a", labels: { tier: "x" } }, data: { k: "1" } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      kind: "ConfigMap",
      apiVersion: "v1",
      metadata: { namespace: "my-first-model" },
    });
    await call("POST", CM_PATH, { metadata: { name: "b", labels: { tier: "y" } } });
    const selected = await call("GET", `${CM_PATH}?labelSelector=${encodeURIComponent("tier in (x)")}`);
    expect(selected.body.kind).toBe("ConfigMapList");
    expect(selected.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(["a"]);
    const across = await call("GET", "/api/v1/configmaps?labelSelector=tier");
    expect(across.body.items).toHaveLength(2);
    const replaced = await call("PUT", `${CM_PATH}/a`, { ...created.body, data: { k: "2" } });
    expect(replaced.body.data).toEqual({ k: "2" });
    const stale = await call("PUT", `${CM_PATH}/a`, { ...created.body, data: { k: "3" } });
    expect(stale.body).toMatchObject({ kind: "Status", reason: "Conflict", code: 409 });
    expect((await call("DELETE", `${CM_PATH}/b`)).status).toBe(200);
    const gone = await call("GET", `${CM_PATH}/b`);
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ reason: "NotFound", message: 'configmaps "b" not found' });
  });

  it("serves group resources and cluster-scoped kinds at their Kubernetes paths", async () => {
    const pools = "/apis/inference.networking.x-k8s.io/v1alpha2/namespaces/my-first-model/inferencepools";
    const pool = {
      apiVersion: "inference.networking.x-k8s.io/v1alpha2",
      kind: "InferencePool",
      metadata: { name: "qwen3-0-6b-inference-pool" },
      spec: { selector: { app: "vllm" }, targetPortNumber: 8000, extensionRef: { name: "qwen3-0-6b-epp-service" } },
    };
    expect((await call("POST", pools, pool)).status).toBe(201);
    expect((await call("GET", `${pools}/qwen3-0-6b-inference-pool`)).body.spec.targetPortNumber).toBe(8000);
    const namespace = await call("GET", "/api/v1/namespaces/my-first-model");
    expect(namespace.body.kind).toBe("Namespace");
    const status = await call("PUT", `${pools}/qwen3-0-6b-inference-pool/status`, {
      ...pool,
      status: { parent: [{ conditions: [{ type: "Accepted", status: "True" }] }] },
    });
    expect(status.body.status.parent[0].conditions[0].type).toBe("Accepted");
    expect(status.body.metadata.generation).toBe(1);
  });

  it("applies JSON patches and merge patches, refusing failed tests with 422", async () => {
    await call("POST", CM_PATH, { metadata: { name: "patched" }, data: { a: "1", b: "2" } });
    const json = await call(
      "PATCH",
      `${CM_PATH}/patched`,
      [
        { op: "add", path: "/data/c", value: "3" },
        { op: "remove", path: "/data/a" },
      ],
      "application/json-patch+json",
    );
    expect(json.body.data).toEqual({ b: "2", c: "3" });
    const merge = await call(
      "PATCH",
      `${CM_PATH}/patched`,
      { data: { b: null, d: "4" } },
      "application/merge-patch+json",
    );
    expect(merge.body.data).toEqual({ c: "3", d: "4" });
    const failed = await call(
      "PATCH",
      `${CM_PATH}/patched`,
      [{ op: "test", path: "/data/c", value: "nope" }],
      "application/json-patch+json",
    );
    expect(failed.status).toBe(422);
    expect(failed.body).toMatchObject({ kind: "Status", reason: "Invalid" });
    const missing = await call(
      "PATCH",
      `${CM_PATH}/patched`,
      [{ op: "add", path: "/spec/args/-", value: "x" }],
      "application/json-patch+json",
    );
    expect(missing.status).toBe(422);
    expect(missing.body.details.causes[0].message).toContain('doc is missing path: "/spec/args/-"');
    const invalid = await call("PATCH", `${CM_PATH}/patched`, { data: { x: 5 } }, "application/merge-patch+json");
    expect(invalid.body).toMatchObject({ reason: "Invalid", code: 422 });
    expect(invalid.body.details.causes[0].field).toBe("data[x]");
  });

  it("answers malformed requests with a Status and keeps serving", async () => {
    const malformed = await call("POST", CM_PATH, "{not json");
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ kind: "Status", reason: "BadRequest" });
    const badSelector = await call("GET", `${CM_PATH}?labelSelector=${encodeURIComponent("a in b")}`);
    expect(badSelector.body.reason).toBe("BadRequest");
    const badEscape = await call("GET", "/api/v1/namespaces/%E0%A4%A/configmaps");
    expect(badEscape.status).toBe(400);
    expect(badEscape.body).toMatchObject({ kind: "Status", reason: "BadRequest" });
    const unknown = await call("GET", "/apis/example.com/v1/widgets");
    expect(unknown.status).toBe(404);
    const wrongNamespace = await call("POST", CM_PATH, { metadata: { name: "z", namespace: "other" } });
    expect(wrongNamespace.body.reason).toBe("BadRequest");
    const duplicate = await call("POST", "/api/v1/namespaces", { metadata: { name: "my-first-model" } });
    expect(duplicate.body).toMatchObject({ reason: "AlreadyExists", code: 409 });
    expect((await call("GET", "/version")).status).toBe(200);
  });

  it("serves pod logs (tail, default container, unknown container) and exec", async () => {
    const base = "/api/v1/namespaces/my-first-model/pods/vllm-0";
    expect((await call("GET", `${base}/log?tailLines=2`)).body).toBe("main: two\nmain: three\n");
    expect((await call("GET", `${base}/log?container=llm-d-routing-sidecar`)).body).toContain(
      "llm-d-routing-sidecar: one",
    );
    const wrong = await call("GET", `${base}/log?container=foo`);
    expect(wrong.body).toMatchObject({ reason: "BadRequest", message: "container foo is not valid for pod vllm-0" });
    const exec = await call("POST", `${base}/exec`, { command: ["curl", "-s", "localhost:8000/metrics"] });
    expect(exec.body).toEqual({ stdout: "vllm-0/main: curl -s localhost:8000/metrics\n", stderr: "", exitCode: 0 });
    expect((await call("POST", `${base}/exec`, { command: [] })).status).toBe(400);
  });

  it("streams followed logs until the client hangs up", async () => {
    const controller = new AbortController();
    const response = await fetch(
      `${server.url}/api/v1/namespaces/my-first-model/pods/vllm-0/log?follow=true&tailLines=1`,
      {
        signal: controller.signal,
      },
    );
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = "";
    while (!text.includes("main: three\n")) text += decoder.decode((await reader.read()).value);
    await eventually(() => followers.size > 0);
    for (const follower of followers) follower("four");
    while (!text.includes("four\n")) text += decoder.decode((await reader.read()).value);
    expect(text).toBe("main: three\nfour\n");
    controller.abort();
    await eventually(() => expect(followers.size).toBe(0));
  });
});
