import { SimulatedClock } from "@testbed/common";
import { describe, expect, it } from "vitest";
import { ObjectStore, type WatchEvent } from "../src/store/object-store.js";

// The store hands its own objects to readers that only read (peek, peekList, watch events) without
// copying them: they are frozen, so no reader can change the store's state behind its back, and a
// write stores a new object, so what a reader holds never changes under it either.
function storeWithConfigMap(): ObjectStore {
  const store = new ObjectStore(new SimulatedClock(Date.parse("2026-01-01T00:00:00Z")));
  store.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "ns" } });
  store.create({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "cm", namespace: "ns", labels: { app: "a" } },
    data: { key: "one" },
  });
  return store;
}

describe("the store's shared, frozen objects", () => {
  it("refuses a change through peek and peekList, and the store keeps its state", () => {
    const store = storeWithConfigMap();
    const peeked = store.peek("ConfigMap", "ns", "cm");
    expect(peeked?.data).toEqual({ key: "one" });
    expect(() => {
      (peeked?.data as Record<string, string>).key = "changed";
    }).toThrow(TypeError);
    const listed = store.peekList("ConfigMap", { namespace: "ns" });
    expect(() => {
      (listed[0]?.metadata.labels as Record<string, string>).app = "b";
    }).toThrow(TypeError);
    expect(() => {
      (listed[0] as { metadata: unknown }).metadata = {};
    }).toThrow(TypeError);
    expect(store.get("ConfigMap", "ns", "cm")?.data).toEqual({ key: "one" });
    expect(store.get("ConfigMap", "ns", "cm")?.metadata.labels).toEqual({ app: "a" });
  });

  it("still gives get, list and the writes' results as copies the caller may edit", () => {
    const store = storeWithConfigMap();
    const copy = store.get("ConfigMap", "ns", "cm");
    (copy?.data as Record<string, string>).key = "edited";
    expect(store.peek("ConfigMap", "ns", "cm")?.data).toEqual({ key: "one" });
    const [listed] = store.list("ConfigMap");
    (listed?.data as Record<string, string>).key = "edited";
    const updated = store.update({ ...(copy as NonNullable<typeof copy>) });
    (updated.data as Record<string, string>).key = "edited again";
    expect(store.peek("ConfigMap", "ns", "cm")?.data).toEqual({ key: "edited" });
  });

  it("leaves what a reader holds as it was when a write stores a new version", () => {
    const store = storeWithConfigMap();
    const before = store.peek("ConfigMap", "ns", "cm");
    store.updateStatus("ConfigMap", "ns", "cm", { phase: "seen" });
    const after = store.peek("ConfigMap", "ns", "cm");
    expect(before?.status).toBeUndefined();
    expect(after?.status).toEqual({ phase: "seen" });
    expect(Number(after?.metadata.resourceVersion)).toBeGreaterThan(Number(before?.metadata.resourceVersion));
    expect(Object.isFrozen(after?.status)).toBe(true);
    expect(before?.metadata.resourceVersion).not.toBe(after?.metadata.resourceVersion);
  });

  it("does not let a caller's later change to what it wrote reach the store", () => {
    const store = storeWithConfigMap();
    const status = { conditions: [{ type: "Ready", status: "True" }] };
    store.updateStatus("ConfigMap", "ns", "cm", status);
    status.conditions[0] = { type: "Ready", status: "False" };
    expect(store.peek("ConfigMap", "ns", "cm")?.status).toEqual({ conditions: [{ type: "Ready", status: "True" }] });
  });

  it("hands watchers the frozen stored object", async () => {
    const store = storeWithConfigMap();
    await store.settled();
    const events: WatchEvent[] = [];
    store.watch((event) => events.push(event));
    store.updateStatus("ConfigMap", "ns", "cm", { phase: "seen" });
    await store.settled();
    expect(events.map((e) => e.type)).toEqual(["MODIFIED"]);
    const [event] = events;
    expect(event?.object).toBe(store.peek("ConfigMap", "ns", "cm"));
    expect(() => {
      (event?.object.status as Record<string, string>).phase = "changed";
    }).toThrow(TypeError);
  });

  it("keeps a finalized object's deletion mark and frees it once the finalizers go", () => {
    const store = storeWithConfigMap();
    const current = store.get("ConfigMap", "ns", "cm") as NonNullable<ReturnType<ObjectStore["get"]>>;
    store.update({ ...current, metadata: { ...current.metadata, finalizers: ["example.com/hold"] } as never });
    store.delete("ConfigMap", "ns", "cm");
    const marked = store.peek("ConfigMap", "ns", "cm");
    expect(marked?.metadata.deletionTimestamp).toBe("2026-01-01T00:00:00Z");
    const held = store.get("ConfigMap", "ns", "cm") as NonNullable<ReturnType<ObjectStore["get"]>>;
    store.update({ ...held, metadata: { ...held.metadata, finalizers: [] } as never });
    expect(store.peek("ConfigMap", "ns", "cm")).toBeUndefined();
  });
});
