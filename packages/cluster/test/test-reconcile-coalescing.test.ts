import { SimulatedClock } from "@testbed/common";
import { describe, expect, it } from "vitest";
import { ReconcileQueue } from "../src/controllers/controller.js";

// A write ripples through every watcher as a burst of events; the queue reconciles a key once for
// the whole burst instead of once for its first event and again for the rest.
describe("ReconcileQueue coalescing", () => {
  it("reconciles a key once for a burst of enqueues in the same turn", async () => {
    const reconciled: string[] = [];
    const queue = new ReconcileQueue(
      "test",
      (key) => void reconciled.push(key),
      () => {},
      new SimulatedClock(),
    );
    for (let i = 0; i < 5; i++) queue.enqueue("mesh");
    queue.enqueue("other");
    expect(reconciled).toEqual([]);
    await queue.idle();
    expect(reconciled).toEqual(["mesh", "other"]);
  });

  it("reconciles again for a key enqueued while its reconcile runs", async () => {
    const reconciled: string[] = [];
    const queue = new ReconcileQueue(
      "test",
      (key) => {
        reconciled.push(key);
        if (reconciled.length === 1) queue.enqueue("mesh");
      },
      () => {},
      new SimulatedClock(),
    );
    queue.enqueue("mesh");
    await queue.idle();
    expect(reconciled).toEqual(["mesh", "mesh"]);
  });

  it("does nothing for a burst that arrives after stop", async () => {
    const reconciled: string[] = [];
    const queue = new ReconcileQueue(
      "test",
      (key) => void reconciled.push(key),
      () => {},
      new SimulatedClock(),
    );
    queue.enqueue("mesh");
    queue.stop();
    queue.enqueue("mesh");
    await new Promise((resolve) => setImmediate(resolve));
    await queue.idle();
    expect(reconciled).toEqual([]);
  });
});
