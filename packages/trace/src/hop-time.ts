// The time fields of a hop, measured with the component's Clock.

/** What hop timing needs of a Clock (@testbed/common's Clock has both). */
export interface TraceClock {
  now(): number;
  monotonicNow(): number;
}

/** A hop's start, taken before the work it times. */
export interface HopStart {
  readonly wallStartMs: number;
  readonly monotonicStartMs: number;
}

export function hopStart(clock: TraceClock): HopStart {
  return { wallStartMs: clock.now(), monotonicStartMs: clock.monotonicNow() };
}

/** The hop's time once its work is done; `simulatedMs` where the component models a duration. */
export function hopTime(clock: TraceClock, start: HopStart, simulatedMs?: number) {
  const wallMs = Math.round((clock.monotonicNow() - start.monotonicStartMs) * 1000) / 1000;
  return simulatedMs === undefined
    ? { wallStartMs: start.wallStartMs, wallMs }
    : { wallStartMs: start.wallStartMs, wallMs, simulatedMs };
}
