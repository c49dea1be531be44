// One raw ext_proc stream with an awaitable inbox, over any bidirectional call.
import { type Clock, systemClock } from "@testbed/common";
import type { ProcessingRequest, ProcessingResponse } from "@testbed/protocol";

/**
 * The bidirectional call a session runs on: a grpc-js ClientDuplexStream (the contract suite's
 * client), or the gateway's own gRPC stream on its HTTP/2 connection to the EPP.
 */
export interface ProcessingCall {
  write(message: ProcessingRequest): unknown;
  end(): void;
  cancel(): void;
  on(event: "data", listener: (response: ProcessingResponse) => void): unknown;
  on(event: "end", listener: () => void): unknown;
  on(event: "error", listener: (error: { code: number; details: string }) => void): unknown;
}

/** What the inbox holds: an answer, the end of the stream, or its error. */
export type SessionEvent =
  | { kind: "response"; response: ProcessingResponse }
  | { kind: "end" }
  | { kind: "error"; code: number; details: string };

/**
 * One ext_proc stream from the gateway's side, with an awaitable inbox: send the phases of an HTTP
 * request and read the processor's answers in order. The stream's end and errors arrive through
 * the same inbox, so a caller never misses them.
 */
export class ExtProcSession {
  private readonly inbox: SessionEvent[] = [];
  private waiter: ((event: SessionEvent) => void) | undefined;
  private done = false;

  constructor(
    private readonly call: ProcessingCall,
    /** Times the wait for an answer (next()). */
    private readonly clock: Clock = systemClock,
  ) {
    call.on("data", (response) => this.push({ kind: "response", response }));
    call.on("end", () => this.push({ kind: "end" }));
    call.on("error", (error) => this.push({ kind: "error", code: error.code, details: error.details }));
  }

  send(message: ProcessingRequest): void {
    if (!this.done) this.call.write(message);
  }

  /**
   * The next answer, the end of the stream, or an error; rejects after `timeoutMs` of silence
   * (null: waits without a timer, as Envoy does in FULL_DUPLEX_STREAMED).
   */
  next(timeoutMs: number | null = 10_000): Promise<SessionEvent> {
    const queued = this.inbox.shift();
    if (queued) return Promise.resolve(queued);
    // Without a timer the waiter is the promise's own resolve.
    if (timeoutMs === null)
      return new Promise((resolve) => {
        this.waiter = resolve;
      });
    return new Promise((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`no ext_proc message within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = (event) => {
        this.clock.clearTimeout(timer);
        resolve(event);
      };
    });
  }

  /** Close our side of the stream (Envoy half-closes when the HTTP exchange is over). */
  end(): void {
    if (this.done) return;
    this.done = true;
    this.call.end();
  }

  cancel(): void {
    this.done = true;
    this.call.cancel();
  }

  private push(event: SessionEvent): void {
    if (event.kind !== "response") this.done = true;
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter(event);
    } else {
      this.inbox.push(event);
    }
  }
}
