/** How a body holds back its connection: pause/resume reading, or abort the exchange. */
export interface BodyFlow {
  pause(): void;
  resume(): void;
  abort(reason: Error): void;
}

/** Past this many queued bytes the connection stops reading until the consumer catches up. */
const HIGH_WATER_BYTES = 64 * 1024;

/** The response body broke or was destroyed before its end. */
export class UpstreamBodyError extends Error {}

/**
 * An upstream response body as it arrives: chunks queue here until the router (or a filter) reads
 * them with `for await`, and the connection stops reading while too much is queued, so a reader
 * that falls behind (a processor taking its time) holds the upstream back. Leaving the loop early
 * destroys the body: the exchange is reset and its connection closed.
 */
export class UpstreamBody implements AsyncIterable<Buffer> {
  private readonly queue: Buffer[] = [];
  private queuedBytes = 0;
  private paused = false;
  private ended = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private readonly closeListeners: Array<() => void> = [];

  constructor(private readonly flow: BodyFlow) {}

  // ---- the connection's side ----

  push(chunk: Buffer): void {
    if (this.ended) return;
    this.queue.push(chunk);
    this.queuedBytes += chunk.length;
    if (!this.paused && this.queuedBytes > HIGH_WATER_BYTES) {
      this.paused = true;
      this.flow.pause();
    }
    this.notify();
  }

  end(): void {
    if (!this.ended) this.close();
  }

  fail(error: Error): void {
    if (this.ended) return;
    this.failure = error;
    this.close();
  }

  // ---- the reader's side ----

  /** The whole body arrived. */
  get complete(): boolean {
    return this.ended && this.failure === undefined;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    try {
      for (;;) {
        const chunk = this.queue.shift();
        if (chunk) {
          this.queuedBytes -= chunk.length;
          if (this.paused && this.queuedBytes <= HIGH_WATER_BYTES / 2) {
            this.paused = false;
            this.flow.resume();
          }
          yield chunk;
          continue;
        }
        if (this.failure) throw this.failure;
        if (this.ended) return;
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      }
    } finally {
      // The reader left before the end: nobody will read the rest.
      if (!this.ended) this.destroy();
    }
  }

  /** Abort the exchange: the connection is closed and the body ends in an error. */
  destroy(): void {
    if (this.ended) return;
    const error = new UpstreamBodyError("upstream response destroyed");
    this.fail(error);
    this.flow.abort(error);
  }

  /** Called once when the body ends, fails or is destroyed. */
  onClose(listener: () => void): void {
    if (this.ended) listener();
    else this.closeListeners.push(listener);
  }

  private close(): void {
    this.ended = true;
    this.notify();
    for (const listener of this.closeListeners.splice(0)) listener();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
