import type { ApiError } from "@testbed/apimachinery";
import { parseSelector } from "@testbed/apimachinery";
import { SimulatedClock } from "@testbed/common";
import { describe, expect, it } from "vitest";
import { ObjectStore, type WatchEvent } from "../src/store/object-store.js";

function storeWithNamespace(): ObjectStore {
  const store = new ObjectStore(new SimulatedClock(Date.parse("2026-01-01T00:00:00Z")));
  store.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "my-first-model" } });
  return store;
}

const configMap = (name: string, data: Record<string, string>, labels?: Record<string, string>) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "my-first-model", labels },
  data,
});

describe("ObjectStore", () => {
  it("stamps uid, resourceVersion, generation and creation time on create", () => {
    const store = storeWithNamespace();
    const created = store.create(configMap("a", { k: "v" }));
    expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata.generation).toBe(1);
    expect(created.metadata.creationTimestamp).toBe("2026-01-01T00:00:00Z");
    expect(Number(created.metadata.resourceVersion)).toBeGreaterThan(0);
  });

  it("refuses duplicates, unknown kinds, missing namespaces and bad names with Kubernetes reasons", () => {
    const store = storeWithNamespace();
    store.create(configMap("a", {}));
    const reasonOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return (error as ApiError).reason;
      }
      return "none";
    };
    expect(reasonOf(() => store.create(configMap("a", {})))).toBe("AlreadyExists");
    expect(reasonOf(() => store.create({ apiVersion: "v9", kind: "Widget", metadata: { name: "w" } }))).toBe(
      "BadRequest",
    );
    expect(reasonOf(() => store.create({ ...configMap("b", {}), metadata: { name: "b", namespace: "nope" } }))).toBe(
      "NotFound",
    );
    expect(reasonOf(() => store.create(configMap("Bad_Name", {})))).toBe("Invalid");
  });

  it("bumps generation only when the desired state changes, and checks resourceVersion", () => {
    const store = storeWithNamespace();
    const created = store.create(configMap("a", { k: "v" }));
    const relabelled = store.update({ ...created, metadata: { ...created.metadata, labels: { x: "y" } } });
    expect(relabelled.metadata.generation).toBe(1);
    const changed = store.update({ ...relabelled, data: { k: "w" } });
    expect(changed.metadata.generation).toBe(2);
    expect(() => store.update({ ...created, data: { k: "z" } })).toThrow(/has been modified/);
    const status = store.updateStatus("ConfigMap", "my-first-model", "a", { ok: true });
    expect(status.metadata.generation).toBe(2);
    expect(store.get("ConfigMap", "my-first-model", "a")?.status).toEqual({ ok: true });
  });

  it("lists by label selector and deletes dependents through owner references", async () => {
    const store = storeWithNamespace();
    const owner = store.create(configMap("owner", {}, { app: "x" }));
    store.create({
      ...configMap("child", {}, { app: "y" }),
      metadata: {
        name: "child",
        namespace: "my-first-model",
        labels: { app: "y" },
        ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: owner.metadata.uid ?? "" }],
      },
    });
    expect(store.list("ConfigMap", { selector: parseSelector("app in (x,y)") }).map((o) => o.metadata.name)).toEqual([
      "child",
      "owner",
    ]);
    expect(store.list("ConfigMap", { selector: parseSelector("app!=x") }).map((o) => o.metadata.name)).toEqual([
      "child",
    ]);
    await store.settled();
    const events: WatchEvent[] = [];
    store.watch((event) => events.push(event));
    store.delete("ConfigMap", "my-first-model", "owner");
    await store.settled();
    expect(store.list("ConfigMap")).toEqual([]);
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(["DELETED owner", "DELETED child"]);
  });

  it("updates an object in place whatever namespace the body names (none on a namespaced kind, one on a cluster-scoped kind)", () => {
    const store = storeWithNamespace();
    store.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "default" } });
    store.create({ ...configMap("a", { k: "v" }), metadata: { name: "a", namespace: "default" } });
    store.update({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" }, data: { k: "w" } });
    store.update({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "my-first-model", namespace: "elsewhere", labels: { team: "ai" } },
    });
    expect(store.list("ConfigMap").map((c) => [c.metadata.namespace, c.data])).toEqual([["default", { k: "w" }]]);
    const namespaces = store.list("Namespace").filter((n) => n.metadata.name === "my-first-model");
    expect(namespaces).toHaveLength(1);
    expect(namespaces[0]?.metadata.namespace).toBeUndefined();
    expect(namespaces[0]?.metadata.labels).toEqual({ team: "ai" });
  });

  it("holds an object with finalizers until they are removed", () => {
    const store = storeWithNamespace();
    const created = store.create({
      ...configMap("held", {}),
      metadata: { name: "held", namespace: "my-first-model", finalizers: ["testbed.io/kubelet"] } as never,
    });
    const marked = store.delete("ConfigMap", "my-first-model", "held");
    expect(marked.metadata.deletionTimestamp).toBeDefined();
    expect(store.get("ConfigMap", "my-first-model", "held")).toBeDefined();
    store.update({ ...marked, metadata: { ...marked.metadata, finalizers: [] } as never });
    expect(store.get("ConfigMap", "my-first-model", "held")).toBeUndefined();
    expect(created.metadata.uid).toBeDefined();
  });

  it("parses every selector form oc accepts", () => {
    expect(parseSelector("a=b,c!=d,e,!f,g in (x, y),h notin (z)")).toEqual([
      { key: "a", operator: "In", values: ["b"] },
      { key: "c", operator: "NotIn", values: ["d"] },
      { key: "e", operator: "Exists", values: [] },
      { key: "f", operator: "DoesNotExist", values: [] },
      { key: "g", operator: "In", values: ["x", "y"] },
      { key: "h", operator: "NotIn", values: ["z"] },
    ]);
    expect(() => parseSelector("a==")).not.toThrow();
    expect(() => parseSelector("a b c")).toThrow(/unable to parse/);
  });
});

describe("ObjectStore namespaces", () => {
  it("deletes a namespace's objects with it", () => {
    const store = storeWithNamespace();
    store.create(configMap("a", {}));
    store.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "other" } });
    store.create({ ...configMap("b", {}), metadata: { name: "b", namespace: "other" } });
    store.delete("Namespace", undefined, "my-first-model");
    expect(store.list("ConfigMap").map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual(["other/b"]);
  });
});
