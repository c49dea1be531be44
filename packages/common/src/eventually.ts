// Waiting for a real asynchronous process (a socket, a child process, a pod becoming Ready) in one
// place, instead of a hand-written polling loop in every test.
import { type Clock, systemClock } from "./clock.js";

export interface EventuallyOptions {
  /** How long to keep trying before failing (default 10 s). */
  timeoutMs?: number;
  /** Pause between two tries (default 20 ms). */
  intervalMs?: number;
  /** Whose time the timeout and the pauses are measured in (default the wall clock). */
  clock?: Clock;
}

/**
 * Runs `assertion` until it returns without throwing, and resolves with what it returned. A
 * `false` result counts as not yet, so a plain predicate works too. After `timeoutMs` it rejects
 * with the last failure's message, so a test says what it was waiting for.
 */
export async function eventually<T>(
  assertion: () => T | Promise<T>,
  { timeoutMs = 10_000, intervalMs = 20, clock = systemClock }: EventuallyOptions = {},
): Promise<Exclude<T, false>> {
  const deadline = clock.monotonicNow() + timeoutMs;
  for (;;) {
    let failure: unknown;
    try {
      const result = await assertion();
      if (result !== false) return result as Exclude<T, false>;
      failure = new Error("the condition is still false");
    } catch (error) {
      failure = error;
    }
    if (clock.monotonicNow() >= deadline) {
      const reason = failure instanceof Error ? failure.message : String(failure);
      throw new Error(`not satisfied within ${timeoutMs} ms: ${reason}`, { cause: failure });
    }
    await clock.sleep(intervalMs);
  }
}
