// The EPP holds a request body until its last chunk (it must parse the whole JSON to route), and a
// non-streaming response body until its end. A budget caps what one stream and all streams together
// may hold, so a flood of large bodies is refused instead of growing the heap until the process dies.

/** The bytes every stream of one EPP holds right now, against the per-stream and total limits. */
export class BodyBudget {
  private held = 0;

  constructor(
    readonly perStreamLimit: number,
    readonly totalLimit: number,
  ) {}

  /** Take `bytes` for a stream already holding `streamHeld`; false (nothing taken) when over a limit. */
  take(streamHeld: number, bytes: number): boolean {
    if (streamHeld + bytes > this.perStreamLimit || this.held + bytes > this.totalLimit) return false;
    this.held += bytes;
    return true;
  }

  give(bytes: number): void {
    this.held = Math.max(0, this.held - bytes);
  }

  get total(): number {
    return this.held;
  }
}
