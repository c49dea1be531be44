// One ext_proc stream from the client's side: opened on the first message, every answer awaited
// under the message timeout on the injected clock, and left in one of a few named states.
import type { Clock } from "@testbed/common";
import type { ProcessingRequest, ProcessingResponse, ProtocolConfiguration } from "@testbed/protocol";
import { ExtProcSession, type ProcessingCall } from "../ext-proc-session.js";
import { ProcessorFailure } from "./processor-failure.js";

/** The counters an exchange moves (Envoy's ext_proc stats of the same names). */
export type ExchangeCounter =
  | "stream_msgs_sent"
  | "stream_msgs_received"
  | "spurious_msgs_received"
  | "rejected_header_mutations";

/** An opened call to the processor, and what its opener wants to hear about its end. */
export interface ProcessorConnection {
  call: ProcessingCall;
  /** The exchange is over for this call: ok = without a processor failure. */
  finished?(outcome: { ok: boolean }): void;
  /** Our side was half-closed: reset the call if the processor does not end its side soon. */
  halfClosed?(): void;
}

export interface ProcessorStreamOptions {
  /** Opens the call on the first message; throws a ProcessorFailure when it cannot. */
  open(): ProcessorConnection;
  clock: Clock;
  /** Envoy's message_timeout: how long each answer may take. */
  messageTimeoutMs: number;
  /** The body modes current Envoy announces on the first message; undefined sends none (older Envoy). */
  protocolConfig(): ProtocolConfiguration | undefined;
  count(counter: ExchangeCounter): void;
}

/**
 * Idle: nothing sent yet, no call open. Open: the exchange runs. Detached: the processor is out of
 * the exchange without a failure (an immediate response, a spurious message). Failed: the stream
 * broke or timed out.
 */
export type ProcessorStreamState = "Idle" | "Open" | "Detached" | "Failed";

export class ProcessorStream {
  private connection: ProcessorConnection | undefined;
  private session: ExtProcSession | undefined;
  private current: ProcessorStreamState = "Idle";
  /** When the last message went out: Envoy re-arms its message timer on every send. */
  private lastSentAt = 0;

  constructor(private readonly options: ProcessorStreamOptions) {}

  get state(): ProcessorStreamState {
    return this.current;
  }

  /** Whether messages still go to the processor and its answers still count. */
  get inExchange(): boolean {
    return this.current === "Idle" || this.current === "Open";
  }

  send(message: ProcessingRequest): void {
    if (!this.session) {
      this.connection = this.options.open();
      this.session = new ExtProcSession(this.connection.call, this.options.clock);
      this.current = "Open";
      const protocol = this.options.protocolConfig();
      if (protocol) message.protocol_config = protocol;
    }
    this.session.send(message);
    this.lastSentAt = this.options.clock.now();
    this.options.count("stream_msgs_sent");
  }

  /** The next answer; a ProcessorFailure when the stream breaks, ends, or stays silent for `timeoutMs`. */
  async next(timeoutMs = this.options.messageTimeoutMs): Promise<ProcessingResponse> {
    if (!this.session) throw new ProcessorFailure(14, "no stream");
    let event: Awaited<ReturnType<ExtProcSession["next"]>>;
    try {
      event = await this.session.next(timeoutMs);
    } catch {
      throw new ProcessorFailure(4, "message timeout", true);
    }
    if (event.kind === "error")
      throw new ProcessorFailure(event.code, `ext_proc stream failed: gRPC ${event.code} ${event.details}`);
    if (event.kind === "end") throw new ProcessorFailure(14, "stream closed by the processor");
    this.options.count("stream_msgs_received");
    return event.response;
  }

  /** next(), with the message timeout counted from the last message sent rather than from now. */
  async nextSinceLastSend(): Promise<ProcessingResponse> {
    const timeoutMs = this.options.messageTimeoutMs;
    const elapsed = () => this.options.clock.now() - this.lastSentAt;
    for (;;) {
      try {
        // Whole milliseconds: timers of one duration share a list in Node.
        return await this.next(Math.max(1, Math.ceil(timeoutMs - elapsed())));
      } catch (error) {
        const stillRunning = elapsed() < timeoutMs;
        if (!(error instanceof ProcessorFailure && error.timeout && stillRunning)) throw error;
      }
    }
  }

  /** next(), but a timeout while `waiting()` still holds is not a failure: keep waiting. */
  async nextWhile(waiting: () => boolean): Promise<ProcessingResponse> {
    for (;;) {
      try {
        return await this.next();
      } catch (error) {
        if (!(error instanceof ProcessorFailure && error.timeout && waiting())) throw error;
      }
    }
  }

  /** The processor failed: drop the stream. */
  fail(): void {
    this.current = "Failed";
    this.connection?.finished?.({ ok: false });
    this.session?.cancel();
  }

  /** Leave the stream without a processor failure (Envoy closes it and goes on without the processor). */
  detach(): void {
    this.current = "Detached";
    this.session?.cancel();
    this.connection?.finished?.({ ok: true });
  }

  /** Stop sending (the processor answered for the upstream); the stream is still closed normally. */
  stopSending(): void {
    if (this.current === "Open") this.current = "Detached";
  }

  /** The upstream broke: reset the stream, whatever state it is in. */
  cancel(): void {
    this.session?.cancel();
  }

  /**
   * The HTTP exchange is over: half-close as Envoy does, and let the opener reset the call if the
   * processor never ends its side. True when an open stream was closed this way.
   */
  complete(): boolean {
    if (!this.session || this.current === "Failed") return false;
    this.session.end();
    this.connection?.halfClosed?.();
    this.connection?.finished?.({ ok: true });
    return true;
  }
}
