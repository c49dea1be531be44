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
  | "rejected_header_mutations"
  | "clear_route_cache_ignored"
  | "clear_route_cache_disabled"
  | "override_message_timeout_received"
  | "override_message_timeout_ignored";

/** ProcessingResponse.override_message_timeout (field 10), as proto-loader decodes a Duration. */
interface TimeoutOverride {
  override_message_timeout?: { seconds?: string | number; nanos?: number };
}

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
  /** max_message_timeout: the longest override_message_timeout taken (0, Envoy's default: none). */
  maxMessageTimeoutMs?: number;
  /** The body modes current Envoy announces on the first message; undefined sends none (older Envoy). */
  protocolConfig(): ProtocolConfiguration | undefined;
  count(counter: ExchangeCounter): void;
}

/**
 * Idle: nothing sent yet, no call open. Open: the exchange runs. Detached: the processor is out of
 * the exchange without a failure (an immediate response). Closed: the processor ended the stream
 * (OK) or it was closed on our side before the exchange was over. Failed: the stream broke or
 * timed out.
 */
export type ProcessorStreamState = "Idle" | "Open" | "Detached" | "Closed" | "Failed";

export class ProcessorStream {
  private connection: ProcessorConnection | undefined;
  private session: ExtProcSession | undefined;
  private current: ProcessorStreamState = "Idle";
  private protocolSent = false;
  /** The processor's side ended (OK or an error): Envoy's stream_closed_ after onRemoteClose. */
  private remoteClosed = false;

  constructor(private readonly options: ProcessorStreamOptions) {}

  get state(): ProcessorStreamState {
    return this.current;
  }

  /** Whether messages still go to the processor and its answers still count. */
  get inExchange(): boolean {
    return this.current === "Idle" || this.current === "Open";
  }

  /**
   * Open the call now if it is not open yet (Filter::openStream). Envoy opens the stream before it
   * moves a body chunk into it, so a stream that cannot start (no such cluster: gRPC 14 "Cluster
   * not available") fails while the body is still there. Throws a ProcessorFailure.
   */
  open(): void {
    if (this.session) return;
    this.connection = this.options.open();
    this.session = new ExtProcSession(this.connection.call, this.options.clock);
    this.current = "Open";
  }

  send(message: ProcessingRequest): void {
    if (!this.protocolSent) {
      this.open();
      this.protocolSent = true;
      const protocol = this.options.protocolConfig();
      if (protocol) message.protocol_config = protocol;
    }
    this.session?.send(message);
    this.options.count("stream_msgs_sent");
  }

  /**
   * The next answer; a ProcessorFailure when the stream breaks, ends, or stays silent for
   * `timeoutMs` (null: no message timer — Envoy starts none while a direction is in
   * FULL_DUPLEX_STREAMED). An override_message_timeout answer is taken here as Envoy's onNewTimeout
   * does: once per wait, between 1 ms and max_message_timeout, it restarts the timer with the new
   * value; any other is ignored. Either way the message is not an answer.
   */
  async next(timeoutMs: number | null = this.options.messageTimeoutMs): Promise<ProcessingResponse> {
    if (!this.session) throw new ProcessorFailure(14, "no stream");
    const clock = this.options.clock;
    let deadline = timeoutMs === null ? null : clock.now() + timeoutMs;
    let extended = false;
    for (;;) {
      let event: Awaited<ReturnType<ExtProcSession["next"]>>;
      try {
        // Whole milliseconds: timers of one duration share a list in Node.
        event = await this.session.next(deadline === null ? null : Math.max(1, Math.ceil(deadline - clock.now())));
      } catch {
        throw new ProcessorFailure(4, "message timeout", true);
      }
      if (event.kind === "error") {
        this.remoteClosed = true;
        throw new ProcessorFailure(event.code, event.details ?? "", false, true);
      }
      if (event.kind === "end") {
        this.remoteClosed = true;
        throw new ProcessorFailure(0, "stream closed by the processor", false, true);
      }
      const override = (event.response as TimeoutOverride).override_message_timeout;
      if (override === undefined) {
        this.options.count("stream_msgs_received");
        return event.response;
      }
      const overrideMs = Number(override.seconds ?? 0) * 1000 + (override.nanos ?? 0) / 1e6;
      const maxMs = this.options.maxMessageTimeoutMs ?? 0;
      if (deadline !== null && !extended && overrideMs >= 1 && overrideMs <= maxMs) {
        deadline = clock.now() + overrideMs;
        extended = true;
        this.options.count("override_message_timeout_received");
      } else {
        this.options.count("override_message_timeout_ignored");
      }
    }
  }

  /**
   * Close the stream from our side as Envoy's closeStream does; true when that closed an open
   * stream (Envoy counts streams_closed then), false when it was never open or already closed.
   */
  closeLocally(): boolean {
    if (!this.session || this.remoteClosed || this.current === "Failed" || this.current === "Closed") return false;
    this.current = "Closed";
    this.session.cancel();
    this.connection?.finished?.({ ok: true });
    return true;
  }

  /** The processor ended the stream with OK before the exchange was over (Envoy's onGrpcClose). */
  endedByProcessor(): void {
    this.current = "Closed";
    this.session?.cancel();
    this.connection?.finished?.({ ok: true });
  }

  /** The processor failed: drop the stream. */
  fail(): void {
    if (this.current === "Failed") return;
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
    if (!this.session || this.current === "Failed" || this.current === "Closed") return false;
    this.session.end();
    this.connection?.halfClosed?.();
    this.connection?.finished?.({ ok: true });
    return true;
  }
}
