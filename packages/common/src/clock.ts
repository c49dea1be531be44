/**
 * Time as the testbed sees it. Components never read `Date.now()` or call `setTimeout` directly:
 * they take a Clock, so tests can drive time with a SimulatedClock instead of sleeping.
 */
export interface Clock {
  /** Milliseconds since the epoch (or since the simulation started). */
  now(): number;
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export interface TimerHandle {
  readonly id: number;
}

/** The wall clock. Timers are unref'd so a pending timer never keeps a process alive on its own. */
export class SystemClock implements Clock {
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private nextId = 1;

  now(): number {
    return Date.now();
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const id = this.nextId++;
    const timer = setTimeout(() => {
      this.timers.delete(id);
      callback();
    }, delayMs);
    timer.unref();
    this.timers.set(id, timer);
    return { id };
  }

  clearTimeout(handle: TimerHandle): void {
    const timer = this.timers.get(handle.id);
    if (timer) {
      clearTimeout(timer);
      this.timers.delete(handle.id);
    }
  }
}

interface ScheduledTimer {
  id: number;
  dueAt: number;
  callback: () => void;
}

/**
 * A clock that only moves when told to. `advance(ms)` fires every timer that falls due, in order,
 * with `now()` set to each timer's due time while it runs (as xstate's SimulatedClock does).
 */
export class SimulatedClock implements Clock {
  private current: number;
  private timers: ScheduledTimer[] = [];
  private nextId = 1;

  constructor(startMs = 0) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const timer = { id: this.nextId++, dueAt: this.current + Math.max(0, delayMs), callback };
    this.timers.push(timer);
    return { id: timer.id };
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers = this.timers.filter((timer) => timer.id !== handle.id);
  }

  /** Number of timers waiting to fire. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const next = this.earliestDueBy(target);
      if (!next) break;
      this.timers = this.timers.filter((timer) => timer !== next);
      this.current = next.dueAt;
      next.callback();
    }
    this.current = target;
  }

  private earliestDueBy(target: number): ScheduledTimer | undefined {
    let earliest: ScheduledTimer | undefined;
    for (const timer of this.timers) {
      if (timer.dueAt > target) continue;
      if (!earliest || timer.dueAt < earliest.dueAt || (timer.dueAt === earliest.dueAt && timer.id < earliest.id)) {
        earliest = timer;
      }
    }
    return earliest;
  }
}
