// The Clock every component takes instead of the global timers: the wall clock in production,
// a simulated one in tests.

/**
 * Time as the testbed sees it. Components never read `Date.now()` / `performance.now()` or call
 * `setTimeout` / `setInterval` directly: they take a Clock, so tests can drive time with a
 * SimulatedClock instead of sleeping (test/test-no-direct-timers.test.ts keeps it so).
 */
export interface Clock {
  /** Milliseconds since the epoch (or since the simulation started). */
  now(): number;
  /**
   * Milliseconds with sub-millisecond resolution on a timeline that never jumps back, for measuring
   * durations (only differences mean something) — `performance.now()` on the wall clock.
   */
  monotonicNow(): number;
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  /** Runs `callback` every `periodMs` until the handle is cleared with `clearTimeout`. */
  setInterval(callback: () => void, periodMs: number): TimerHandle;
  /** Cancels a timeout or an interval; a handle that already fired or was cleared is ignored. */
  clearTimeout(handle: TimerHandle): void;
  /** Resolves after `delayMs` of this clock's time. */
  sleep(delayMs: number): Promise<void>;
}

export interface TimerHandle {
  readonly id: number;
}

/**
 * The wall clock. Timers are unref'd so a pending timer never keeps a process alive on its own: a
 * program whose only work is a `sleep` must hold something else open (a server, a child process).
 */
export class SystemClock implements Clock {
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private nextId = 1;

  now(): number {
    return Date.now();
  }

  monotonicNow(): number {
    return performance.now();
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const id = this.nextId++;
    const timer = setTimeout(() => {
      this.timers.delete(id);
      callback();
    }, delayMs);
    return this.track(id, timer);
  }

  setInterval(callback: () => void, periodMs: number): TimerHandle {
    return this.track(this.nextId++, setInterval(callback, periodMs));
  }

  clearTimeout(handle: TimerHandle): void {
    const timer = this.timers.get(handle.id);
    if (timer) {
      // clearTimeout and clearInterval are interchangeable in Node.
      clearTimeout(timer);
      this.timers.delete(handle.id);
    }
  }

  sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, delayMs));
  }

  private track(id: number, timer: NodeJS.Timeout): TimerHandle {
    timer.unref();
    this.timers.set(id, timer);
    return { id };
  }
}

/** The one wall clock, for code whose time is real by nature (sockets) and for defaults. */
export const systemClock: Clock = new SystemClock();

interface ScheduledTimer {
  id: number;
  dueAt: number;
  /** Set for an interval: it is scheduled again this far after each firing. */
  periodMs?: number;
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

  monotonicNow(): number {
    return this.current;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const timer = { id: this.nextId++, dueAt: this.current + Math.max(0, delayMs), callback };
    this.timers.push(timer);
    return { id: timer.id };
  }

  setInterval(callback: () => void, periodMs: number): TimerHandle {
    // A zero period would fire forever within one advance.
    const period = Math.max(1, periodMs);
    const timer = { id: this.nextId++, dueAt: this.current + period, periodMs: period, callback };
    this.timers.push(timer);
    return { id: timer.id };
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers = this.timers.filter((timer) => timer.id !== handle.id);
  }

  sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, delayMs));
  }

  /** Number of timers waiting to fire. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const next = this.fireNext(target);
      if (!next) break;
    }
    this.current = target;
  }

  /**
   * As `advance`, but lets promise callbacks run after each timer (a `sleep` resuming, a retry
   * awaiting its reconcile), so asynchronous code driven by the clock keeps pace with it.
   */
  async advanceAsync(ms: number): Promise<void> {
    const target = this.current + ms;
    await settlePromises();
    while (this.fireNext(target)) await settlePromises();
    this.current = target;
  }

  /** Fires the earliest timer due by `target`, if any; says whether one fired. */
  private fireNext(target: number): boolean {
    const next = this.earliestDueBy(target);
    if (!next) return false;
    this.current = next.dueAt;
    if (next.periodMs === undefined) this.timers = this.timers.filter((timer) => timer !== next);
    else next.dueAt += next.periodMs;
    next.callback();
    return true;
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

/** One turn of the event loop: every promise callback queued so far has run. */
function settlePromises(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
