import { describe, expect, it } from "vitest";
import { SimulatedClock, SystemClock } from "../src/clock.js";

describe("SimulatedClock", () => {
  it("fires timers in due order, with now() at each timer's due time", () => {
    const clock = new SimulatedClock(1000);
    const fired: Array<[string, number]> = [];
    clock.setTimeout(() => fired.push(["late", clock.now()]), 50);
    clock.setTimeout(() => fired.push(["early", clock.now()]), 10);
    clock.advance(30);
    expect(fired).toEqual([["early", 1010]]);
    clock.advance(30);
    expect(fired).toEqual([
      ["early", 1010],
      ["late", 1050],
    ]);
    expect(clock.now()).toBe(1060);
  });

  it("runs timers scheduled by timers within the same advance", () => {
    const clock = new SimulatedClock();
    const fired: number[] = [];
    clock.setTimeout(() => {
      fired.push(clock.now());
      clock.setTimeout(() => fired.push(clock.now()), 5);
    }, 5);
    clock.advance(20);
    expect(fired).toEqual([5, 10]);
  });

  it("does not fire a cleared timer", () => {
    const clock = new SimulatedClock();
    let fired = false;
    const handle = clock.setTimeout(() => {
      fired = true;
    }, 1);
    clock.clearTimeout(handle);
    clock.advance(10);
    expect(fired).toBe(false);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe("SimulatedClock intervals and sleeps", () => {
  it("fires an interval once per period until it is cleared", () => {
    const clock = new SimulatedClock();
    const fired: number[] = [];
    const handle = clock.setInterval(() => fired.push(clock.now()), 10);
    clock.advance(35);
    expect(fired).toEqual([10, 20, 30]);
    clock.clearTimeout(handle);
    clock.advance(50);
    expect(fired).toEqual([10, 20, 30]);
    expect(clock.pendingTimers).toBe(0);
  });

  it("interleaves an interval and a timeout in due order", () => {
    const clock = new SimulatedClock();
    const fired: string[] = [];
    clock.setInterval(() => fired.push(`tick@${clock.now()}`), 10);
    clock.setTimeout(() => fired.push(`once@${clock.now()}`), 15);
    clock.advance(20);
    expect(fired).toEqual(["tick@10", "once@15", "tick@20"]);
  });

  it("resolves a sleep only when the clock is advanced past it", async () => {
    const clock = new SimulatedClock(100);
    let woke: number | undefined;
    const sleeping = clock.sleep(50).then(() => {
      woke = clock.now();
    });
    await clock.advanceAsync(49);
    expect(woke).toBeUndefined();
    await clock.advanceAsync(1);
    await sleeping;
    expect(woke).toBe(150);
  });

  it("lets asynchronous code scheduled by a timer run before the next timer (advanceAsync)", async () => {
    const clock = new SimulatedClock();
    const steps: number[] = [];
    const loop = async () => {
      for (let i = 0; i < 3; i++) {
        await clock.sleep(10);
        steps.push(clock.now());
      }
    };
    const running = loop();
    await clock.advanceAsync(30);
    await running;
    expect(steps).toEqual([10, 20, 30]);
  });

  it("measures durations on its monotonic timeline", () => {
    const clock = new SimulatedClock(5_000);
    const started = clock.monotonicNow();
    clock.advance(250);
    expect(clock.monotonicNow() - started).toBe(250);
  });
});

describe("SystemClock", () => {
  it("runs an interval until it is cleared, and a cleared timeout never", async () => {
    const clock = new SystemClock();
    let ticks = 0;
    let cancelledFired = false;
    const interval = clock.setInterval(() => ticks++, 1);
    const cancelled = clock.setTimeout(() => {
      cancelledFired = true;
    }, 1);
    clock.clearTimeout(cancelled);
    while (ticks < 3) await clock.sleep(2);
    clock.clearTimeout(interval);
    const stopped = ticks;
    await clock.sleep(10);
    expect(ticks).toBe(stopped);
    expect(cancelledFired).toBe(false);
  });
});
