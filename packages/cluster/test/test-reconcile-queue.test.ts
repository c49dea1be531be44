// The work queue's retry back-off runs on the controller's clock: a simulated one shows the
// 20 ms, 40 ms, 80 ms … schedule without waiting for it.
import { SimulatedClock } from "@testbed/common";
import { describe, expect, it } from "vitest";
import { ReconcileQueue } from "../src/controllers/controller.js";

describe("ReconcileQueue", () => {
  it("retries a failing reconcile with doubling back-off on the controller's clock", async () => {
    const clock = new SimulatedClock();
    const attempts: number[] = [];
    const log: string[] = [];
    const queue = new ReconcileQueue(
      "test",
      () => {
        attempts.push(clock.now());
        if (attempts.length < 4) throw new Error("not yet");
      },
      (line) => log.push(line),
      clock,
    );
    queue.enqueue("ns/a");
    await queue.idle();
    expect(attempts).toEqual([0]);
    await clock.advanceAsync(19);
    expect(attempts).toEqual([0]);
    await clock.advanceAsync(1_000);
    expect(attempts).toEqual([0, 20, 60, 140]);
    expect(log[0]).toBe("test: reconcile ns/a failed (attempt 1, retry in 20ms): not yet");
    expect(clock.pendingTimers).toBe(0);
  });

  it("drops pending retries when stopped", async () => {
    const clock = new SimulatedClock();
    let attempts = 0;
    const queue = new ReconcileQueue(
      "test",
      () => {
        attempts++;
        throw new Error("always");
      },
      () => {},
      clock,
    );
    queue.enqueue("ns/a");
    await queue.idle();
    queue.stop();
    await clock.advanceAsync(10_000);
    expect(attempts).toBe(1);
    expect(clock.pendingTimers).toBe(0);
  });
});
