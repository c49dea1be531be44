// The response phase of an ext_proc exchange: the response headers, then the body in its
// body-mode state — buffered, streamed chunk by chunk, or full duplex with the body pumped into the
// stream as it arrives and the client getting only what comes back.
import { bytesAsBuffer, type ProcessingRequest, responseBodyMessage, responseHeadersMessage } from "@testbed/protocol";
import { withEndOfStream } from "./body-chunks.js";
import { mutatedBody } from "./body-mutation.js";
import { responseBodyState } from "./body-state.js";
import { applyModeOverride, countRejected, type ExchangeSettings, removesContentLength } from "./exchange-settings.js";
import { mutateHeaders } from "./header-mutation.js";
import { CONTINUE, type ExchangeOutcome, errorReply, immediateReply } from "./immediate-response.js";
import { ProcessorFailure } from "./processor-failure.js";
import type { ProcessorStream } from "./processor-stream.js";
import { ResponseBodyPump } from "./response-body-pump.js";

/** The upstream response body, offered with the response headers to an exchange that streams it early. */
export interface BodySource {
  chunks: AsyncIterable<Buffer>;
  contentLength?: number | undefined;
  /** Set by whoever started reading the body: only one may. */
  claimed?: boolean;
}

/**
 * One response through the processor. `onFailureMidResponse` decides what a processor failure does
 * once the response is under way (no local reply is possible then): return to let the rest of the
 * body pass through untouched (fail open), or throw to abort the response.
 */
export class ResponseExchange {
  /** Every response header the processor set (lower-case, final value). */
  readonly setHeaders: Record<string, string> = {};
  private pump: ResponseBodyPump | undefined;

  constructor(
    private readonly stream: ProcessorStream,
    private readonly settings: ExchangeSettings,
    private readonly onFailureMidResponse: (error: unknown) => void,
  ) {}

  /** Whether the body is already being pumped into the stream (it must then pass through here). */
  get pumping(): boolean {
    return this.pump !== undefined;
  }

  /** The upstream body's error, when it broke while being pumped. */
  get upstreamError(): unknown {
    return this.pump?.error;
  }

  /**
   * Response headers through the processor; mutates `headers` in place. In full duplex the body
   * follows at once (see ResponseBodyPump) unless the filter allows a mode_override, which could
   * not apply to chunks already sent. Throws a ProcessorFailure when the stream fails.
   */
  async headers(
    headers: Record<string, string>,
    endOfStream: boolean,
    body?: BodySource,
    /** `attributes` for the first response-side message (response_attributes). */
    attributes?: ProcessingRequest["attributes"],
  ): Promise<ExchangeOutcome> {
    let pump: ResponseBodyPump | undefined;
    const message = responseHeadersMessage(headers, endOfStream);
    if (attributes) message.attributes = attributes;
    this.stream.send(message);
    const mode = this.settings.mode;
    const fullDuplex = mode.response_body_mode === "FULL_DUPLEX_STREAMED";
    if (body && !body.claimed && !endOfStream && fullDuplex && !this.settings.allowModeOverride) {
      pump = this.startPump(body);
    }
    // No message timer while the response body is FULL_DUPLEX_STREAMED.
    const response = await this.stream.next(fullDuplex ? null : undefined);
    if (response.immediate_response) {
      this.stream.stopSending();
      pump?.discard();
      return { action: "reply", reply: immediateReply(response, this.settings.mutationRules) };
    }
    applyModeOverride(this.settings, response);
    // An answer out of order: Envoy counts it and fails open or closed (the filter decides).
    if (response.response !== "response_headers") throw ProcessorFailure.spurious("spurious message");
    const result = mutateHeaders(
      headers,
      response.response_headers?.response?.header_mutation,
      {
        rules: this.settings.mutationRules,
        removeContentLength:
          this.settings.dropContentLength === true &&
          removesContentLength(this.settings.mode.response_body_mode, mode.response_header_mode === "SEND"),
      },
      this.setHeaders,
    );
    countRejected(this.settings, result.rejected);
    if (result.error !== undefined) {
      pump?.discard();
      return errorReply(500, result.error);
    }
    if (
      this.settings.dropContentLength === true &&
      removesContentLength(this.settings.mode.response_body_mode, mode.response_header_mode === "SEND")
    )
      delete headers["content-length"];
    return CONTINUE;
  }

  /** After a local reply: drop the body being pumped. */
  discardBody(): void {
    this.pump?.discard();
  }

  /**
   * The response body through the processor. `chunks` yields the upstream's body as it arrives;
   * `write` sends to the client. Full duplex and STREAMED forward chunk by chunk (SSE keeps flowing);
   * BUFFERED waits for the whole body.
   */
  async body(chunks: AsyncIterable<Buffer>, write: (chunk: Buffer) => void, contentLength?: number): Promise<void> {
    if (this.pump) return this.fullDuplexStreamedBody(this.pump, write);
    switch (responseBodyState(this.settings.mode.response_body_mode)) {
      case "FullDuplexStreamedBody":
        return this.fullDuplexStreamedBody(this.startPump({ chunks, contentLength }), write);
      case "StreamedBody":
        return this.streamedBody(withEndOfStream(chunks, contentLength), write);
      case "BufferedBody":
      case "BodyNotSent":
        return this.bufferedBody(chunks, write);
    }
  }

  private async bufferedBody(chunks: AsyncIterable<Buffer>, write: (chunk: Buffer) => void): Promise<void> {
    const all: Buffer[] = [];
    for await (const chunk of chunks) all.push(chunk);
    const body = Buffer.concat(all);
    try {
      this.stream.send(responseBodyMessage(body, true));
      write(mutatedBody((await this.stream.next()).response_body?.response?.body_mutation, body));
    } catch (error) {
      this.onFailureMidResponse(error);
      write(body);
    }
  }

  /** One answer per chunk; after a fail-open failure the rest passes through untouched. */
  private async streamedBody(
    chunks: AsyncIterable<{ chunk: Buffer; last: boolean }>,
    write: (chunk: Buffer) => void,
  ): Promise<void> {
    let passthrough = false;
    for await (const { chunk, last } of chunks) {
      if (passthrough) {
        write(chunk);
        continue;
      }
      try {
        this.stream.send(responseBodyMessage(chunk, last));
        write(mutatedBody((await this.stream.next()).response_body?.response?.body_mutation, chunk));
      } catch (error) {
        this.onFailureMidResponse(error);
        passthrough = true;
        write(chunk);
      }
    }
  }

  private startPump(source: BodySource): ResponseBodyPump {
    source.claimed = true;
    this.pump = new ResponseBodyPump(
      withEndOfStream(source.chunks, source.contentLength),
      (chunk, last) => {
        if (!this.stream.inExchange) return false;
        this.stream.send(responseBodyMessage(chunk, last));
        return true;
      },
      () => this.stream.cancel(),
    );
    return this.pump;
  }

  /**
   * Chunks come back as the processor streams them. The message timeout only runs once everything
   * has been sent (SSE may pause longer between tokens). If the processor fails and failure is
   * allowed, the rest of the body passes through; if the upstream breaks, its error is thrown.
   */
  private async fullDuplexStreamedBody(pump: ResponseBodyPump, write: (chunk: Buffer) => void): Promise<void> {
    try {
      // Already out of the exchange (a fail-open failure on the headers): pass the body through.
      while (this.stream.inExchange) {
        const response = await this.stream.next(null);
        const streamed = response.response_body?.response?.body_mutation?.streamed_response;
        if (!streamed) continue;
        const body = bytesAsBuffer(streamed.body);
        if (body.length > 0) write(body);
        if (streamed.end_of_stream) break;
      }
    } catch (error) {
      if (pump.error) throw pump.error;
      this.onFailureMidResponse(error);
    }
    if (!this.stream.inExchange) pump.passThrough(write);
    await pump.finished;
    if (pump.error) throw pump.error;
  }
}
