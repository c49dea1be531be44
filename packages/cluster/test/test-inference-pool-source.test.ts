import { SimulatedClock } from "@testbed/common";
import type { EndpointSpec } from "@testbed/epp";
import { describe, expect, it } from "vitest";
import { InferencePoolEndpointSource } from "../src/discovery/inference-pool-source.js";
import { ObjectStore } from "../src/store/object-store.js";
import { countingLists } from "./fixtures/counting-store-view.js";

// The EPP's pool discovery reconciles one pod per Pod event, as the real pod reconciler does
// (gateway-api-inference-extension pkg/epp/controller/pod_reconciler.go), and re-lists the pool's
// pods only when the InferencePool itself changes.
const POOL_KEY = "inference.networking.x-k8s.io/InferencePool";
const POOL_REF = { group: "inference.networking.x-k8s.io", namespace: "models", name: "pool" };

function newStore(): ObjectStore {
  const store = new ObjectStore(new SimulatedClock(Date.parse("2026-01-01T00:00:00Z")));
  for (const name of ["models", "elsewhere"]) store.create({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
  store.create({
    apiVersion: "inference.networking.x-k8s.io/v1alpha2",
    kind: "InferencePool",
    metadata: { name: "pool", namespace: "models" },
    spec: { selector: { app: "vllm" }, targetPortNumber: 8000, extensionRef: { name: "epp" } },
  });
  return store;
}

function createPod(store: ObjectStore, name: string, namespace = "models", app = "vllm"): void {
  store.create({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace, labels: { app } },
    spec: { containers: [{ name: "main", image: "vllm" }] },
  });
}

function setStatus(store: ObjectStore, name: string, podIP: string, ready: boolean, namespace = "models"): void {
  store.updateStatus("Pod", namespace, name, {
    phase: "Running",
    podIP,
    conditions: [{ type: "Ready", status: ready ? "True" : "False" }],
  });
}

const brief = (endpoints: EndpointSpec[]) =>
  endpoints.map((e) => `${e.namespacedName}@${e.address}:${e.port}:${e.ready}`);

describe("the InferencePool's endpoint source", () => {
  it("follows each pod through its events: an endpoint once it has an IP, a candidate once Ready, gone when deleted", async () => {
    const store = newStore();
    const source = new InferencePoolEndpointSource(store, POOL_REF);
    const published: string[][] = [];
    source.onChange((endpoints) => published.push(brief(endpoints)));
    createPod(store, "vllm-b");
    createPod(store, "vllm-a");
    await store.settled();
    expect(source.current()).toEqual([]);
    setStatus(store, "vllm-b", "127.107.0.2", false);
    setStatus(store, "vllm-a", "127.107.0.1", true);
    await store.settled();
    expect(brief(source.current())).toEqual([
      "models/vllm-a@127.107.0.1:8000:true",
      "models/vllm-b@127.107.0.2:8000:false",
    ]);
    setStatus(store, "vllm-b", "127.107.0.2", true);
    store.delete("Pod", "models", "vllm-a");
    await store.settled();
    expect(brief(source.current())).toEqual(["models/vllm-b@127.107.0.2:8000:true"]);
    expect(published).toEqual([
      ["models/vllm-b@127.107.0.2:8000:false"],
      ["models/vllm-a@127.107.0.1:8000:true", "models/vllm-b@127.107.0.2:8000:false"],
      ["models/vllm-a@127.107.0.1:8000:true", "models/vllm-b@127.107.0.2:8000:true"],
      ["models/vllm-b@127.107.0.2:8000:true"],
    ]);
    source.close();
  });

  it("reads each pod as it is now, so events queued behind newer writes never bring an older state back", async () => {
    const store = newStore();
    const source = new InferencePoolEndpointSource(store, POOL_REF);
    const published: string[][] = [];
    source.onChange((endpoints) => published.push(brief(endpoints)));
    // Written before any of their events is delivered: the pool's ADDED event re-lists the pod
    // Ready; the pod's own earlier events (created, then without an IP) follow and change nothing.
    createPod(store, "vllm-a");
    setStatus(store, "vllm-a", "127.107.0.1", true);
    await store.settled();
    expect(published).toEqual([["models/vllm-a@127.107.0.1:8000:true"]]);
    source.close();
  });

  it("ignores pods the selector does not pick, pods of other namespaces, and writes that change nothing it reports", async () => {
    const store = newStore();
    const source = new InferencePoolEndpointSource(store, POOL_REF);
    let changes = 0;
    source.onChange(() => changes++);
    createPod(store, "other-app", "models", "gateway");
    createPod(store, "vllm-x", "elsewhere");
    setStatus(store, "other-app", "127.107.0.3", true);
    setStatus(store, "vllm-x", "127.107.0.4", true, "elsewhere");
    createPod(store, "vllm-a");
    setStatus(store, "vllm-a", "127.107.0.1", true);
    await store.settled();
    expect(changes).toBe(1);
    // A status write that leaves address, labels and readiness as they were.
    store.updateStatus("Pod", "models", "vllm-a", {
      phase: "Running",
      podIP: "127.107.0.1",
      conditions: [{ type: "Ready", status: "True", lastProbeTime: "2026-01-01T00:00:01Z" }],
    });
    await store.settled();
    expect(changes).toBe(1);
    expect(brief(source.current())).toEqual(["models/vllm-a@127.107.0.1:8000:true"]);
    source.close();
  });

  it("lists the pool's pods once at start and again only when the pool changes, not per Pod event", async () => {
    const store = newStore();
    const { view, lists } = countingLists(store);
    for (const name of ["vllm-a", "vllm-b", "vllm-c"]) createPod(store, name);
    await store.settled();
    const source = new InferencePoolEndpointSource(view, POOL_REF);
    expect(lists()).toBe(1);
    for (const [index, name] of ["vllm-a", "vllm-b", "vllm-c"].entries()) {
      setStatus(store, name, `127.107.0.${index + 1}`, false);
      setStatus(store, name, `127.107.0.${index + 1}`, true);
    }
    await store.settled();
    expect(lists()).toBe(1);
    expect(source.current().filter((e) => e.ready)).toHaveLength(3);
    // The pool now selects another label (and another port): the pods are listed anew.
    const pool = store.get(POOL_KEY, "models", "pool");
    store.update({ ...pool!, spec: { ...pool!.spec, selector: { app: "other" }, targetPortNumber: 8200 } });
    await store.settled();
    expect(lists()).toBe(2);
    expect(source.current()).toEqual([]);
    store.delete(POOL_KEY, "models", "pool");
    await store.settled();
    expect(source.current()).toEqual([]);
    source.close();
  });

  it("hands the EPP labels of its own, not the store's frozen ones", async () => {
    const store = newStore();
    createPod(store, "vllm-a");
    setStatus(store, "vllm-a", "127.107.0.1", true);
    const source = new InferencePoolEndpointSource(store, POOL_REF);
    const [endpoint] = source.current();
    endpoint!.labels.extra = "set by the EPP";
    expect(store.peek("Pod", "models", "vllm-a")?.metadata.labels).toEqual({ app: "vllm" });
    source.close();
  });
});
