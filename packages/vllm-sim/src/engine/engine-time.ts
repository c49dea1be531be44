import type { Clock } from "@testbed/common";

/**
 * The engine's sense of time, in seconds. With --time-scale s > 0, one simulated second lasts
 * s wall seconds, so simulated time is read off the (injectable) clock. With s = 0 the engine runs
 * as fast as it can and simulated time only moves when a step's modelled duration is added, so
 * latency metrics still report what a T4 would have taken.
 */
export class EngineTime {
  private simulated = 0;
  private readonly wallStart: number;

  constructor(
    private readonly clock: Clock,
    readonly scale: number,
  ) {
    this.wallStart = clock.now();
  }

  now(): number {
    if (this.scale > 0) return (this.clock.now() - this.wallStart) / 1000 / this.scale;
    return this.simulated;
  }

  /** Called when modelled work of `seconds` has been done (only moves time when scale is 0). */
  elapse(seconds: number): void {
    if (this.scale === 0) this.simulated += seconds;
  }

  /** Run `callback` once `seconds` of simulated time have passed. */
  after(seconds: number, callback: () => void): void {
    if (this.scale === 0) {
      setImmediate(() => {
        this.elapse(seconds);
        callback();
      });
    } else {
      this.clock.setTimeout(callback, seconds * this.scale * 1000);
    }
  }
}
