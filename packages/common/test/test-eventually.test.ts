import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../src/clock.js";
import { eventually } from "../src/eventually.js";

describe("eventually", () => {
  it("retries an assertion until it passes, and resolves with its value", async () => {
    let calls = 0;
    const value = await eventually(
      () => {
        calls++;
        expect(calls).toBeGreaterThanOrEqual(3);
        return `after ${calls}`;
      },
      { intervalMs: 1 },
    );
    expect(value).toBe("after 3");
  });

  it("treats a false result as not yet", async () => {
    let calls = 0;
    await eventually(() => ++calls === 4, { intervalMs: 1 });
    expect(calls).toBe(4);
  });

  it("waits for an asynchronous assertion", async () => {
    let ready = false;
    setImmediate(() => {
      ready = true;
    });
    await expect(eventually(async () => ready, { intervalMs: 1 })).resolves.toBe(true);
  });

  it("rejects after the timeout with the last failure's message", async () => {
    let calls = 0;
    const waiting = eventually(
      () => {
        calls++;
        throw new Error(`pod not Ready (try ${calls})`);
      },
      { timeoutMs: 100, intervalMs: 10, clock: new SimulatedClockDriver().clock },
    );
    await expect(waiting).rejects.toThrow(/not satisfied within 100 ms: pod not Ready \(try 11\)/);
  });

  it("measures its timeout and pauses on the clock it is given", async () => {
    const clock = new SimulatedClock();
    let calls = 0;
    const waiting = eventually(() => ++calls === 3, { timeoutMs: 1_000, intervalMs: 100, clock });
    await clock.advanceAsync(100);
    expect(calls).toBe(2);
    await clock.advanceAsync(100);
    await expect(waiting).resolves.toBe(true);
    expect(clock.now()).toBe(200);
  });
});

/** A simulated clock that advances by itself whenever something sleeps on it, so a timeout elapses without real waiting. */
class SimulatedClockDriver {
  readonly clock = new SimulatedClock();

  constructor() {
    const sleep = this.clock.sleep.bind(this.clock);
    this.clock.sleep = (delayMs: number) => {
      const sleeping = sleep(delayMs);
      this.clock.advance(delayMs);
      return sleeping;
    };
  }
}
