import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../src/clock.js";

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
