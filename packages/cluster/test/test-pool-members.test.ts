import type { KubeObject } from "@testbed/apimachinery";
import { SimulatedClock } from "@testbed/common";
import { describe, expect, it } from "vitest";
import { PoolMembersWatch } from "../src/discovery/pool-members.js";
import { ObjectStore } from "../src/store/object-store.js";
import { countingLists } from "./fixtures/counting-store-view.js";

// The pd-sidecar's SSRF allow-list (llm-d pkg/sidecar/proxy/allowlist.go): the pool's spec.selector
// entries as a label set, the matching pods of the pool's namespace by IP and name; a selector value
// that is no label value makes the pod LIST fail as the API server's selector parser refuses it
// (apimachinery labels/selector.go validateLabelValue).
const POOL_REF = { group: "inference.networking.x-k8s.io", namespace: "models", name: "pool" };

function newStore(selector: object): ObjectStore {
  const store = new ObjectStore(new SimulatedClock(Date.parse("2026-01-01T00:00:00Z")));
  for (const name of ["models", "elsewhere"]) store.create({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
  store.create({
    apiVersion: "inference.networking.x-k8s.io/v1alpha2",
    kind: "InferencePool",
    metadata: { name: "pool", namespace: "models" },
    spec: { selector, targetPortNumber: 8000, extensionRef: { name: "epp" } },
  });
  return store;
}

function runningPod(store: ObjectStore, name: string, podIP: string, app: string, namespace = "models"): void {
  store.create({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace, labels: { app } },
    spec: { containers: [{ name: "main", image: "vllm" }] },
  });
  store.updateStatus("Pod", namespace, name, { phase: "Running", podIP });
}

describe("PoolMembersWatch", () => {
  it("allows the IP and name of each pod of the namespace that matches the selector", async () => {
    const store = newStore({ app: "vllm" });
    runningPod(store, "member", "127.0.0.2", "vllm");
    runningPod(store, "other", "127.0.0.3", "other");
    runningPod(store, "elsewhere", "127.0.0.4", "vllm", "elsewhere");
    const watch = new PoolMembersWatch(store, POOL_REF, () => {});
    expect([...watch.current()].sort()).toEqual(["127.0.0.2", "member"]);
    runningPod(store, "late", "127.0.0.5", "vllm");
    await store.settled();
    expect([...watch.current()].sort()).toEqual(["127.0.0.2", "127.0.0.5", "late", "member"]);
    watch.close();
  });

  it("logs the API server's refusal of a selector value that is no label value, with every problem IsValidLabelValue names", () => {
    const store = newStore({ matchLabels: { app: "a".repeat(60) } });
    runningPod(store, "member", "127.0.0.2", "vllm");
    const lines: string[] = [];
    const watch = new PoolMembersWatch(store, POOL_REF, (line) => lines.push(line));
    expect(watch.current().size).toBe(0);
    const value = `map[app:${"a".repeat(60)}]`;
    expect(lines).toEqual([
      `E reflector.go: "Failed to watch" err="failed to list *unstructured.Unstructured: unable to parse requirement: values[0][matchLabels]: Invalid value: \\"${value}\\": must be no more than 63 characters; a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"`,
    ]);
    watch.close();
  });

  it("re-lists on events of pods the pool selects (or selected), not on the namespace's other pods", async () => {
    const store = newStore({ app: "vllm" });
    runningPod(store, "member", "127.0.0.2", "vllm");
    await store.settled();
    const { view, lists } = countingLists(store);
    const watch = new PoolMembersWatch(view, POOL_REF, () => {});
    expect(lists()).toBe(1);
    runningPod(store, "other", "127.0.0.3", "other");
    runningPod(store, "elsewhere", "127.0.0.4", "vllm", "elsewhere");
    await store.settled();
    expect(lists()).toBe(1);
    // Relabelled out of the pool: the informer sees it leave.
    const member = store.get("Pod", "models", "member") as KubeObject;
    store.update({ ...member, metadata: { ...member.metadata, labels: { app: "other" } } });
    await store.settled();
    expect(lists()).toBe(2);
    expect(watch.current().size).toBe(0);
    watch.close();
  });
});
