// The request phase of an ext_proc exchange: headers, then the body in its body-mode state, each
// answer applied the way Envoy applies it (ext_proc.cc, processor_state.cc, mutation_utils.cc).
import {
  bytesAsBuffer,
  type Metadata,
  type ProcessingRequest,
  type ProcessingResponse,
  requestBodyMessage,
  requestHeadersMessage,
} from "@testbed/protocol";
import { applyAnswer } from "./answer.js";
import { splitBody } from "./body-chunks.js";
import { mutatedBody } from "./body-mutation.js";
import { requestBodyState } from "./body-state.js";
import { applyModeOverride, type ExchangeSettings, removesContentLength } from "./exchange-settings.js";
import { CONTINUE, type ExchangeOutcome } from "./immediate-response.js";
import { ProcessorFailure } from "./processor-failure.js";
import type { ProcessorStream } from "./processor-stream.js";

/** The request as the exchange changes it (the gateway's filters share it as their RequestState). */
export interface ExchangeRequest {
  /** Request headers, lower-case, with :method, :path, :authority, :scheme. */
  headers: Record<string, string>;
  /** The body to send upstream; null once a full-duplex stream drained it. */
  body: Buffer | null;
  /** Dynamic metadata received from the processor, by namespace. */
  metadata: Record<string, Record<string, unknown>>;
  clearRouteCache: boolean;
  /** Set once a full-duplex stream took the body: a failure from then on cannot give it back. */
  bodyMoved?: boolean;
}

/**
 * One request through the processor. Throws a ProcessorFailure when the stream fails; the request
 * is then left as far as the exchange got (in full duplex the body is already drained: Bug 1).
 */
export class RequestExchange {
  /** Every header the processor set (lower-case, final value): what it changed, for a report. */
  readonly setHeaders: Record<string, string> = {};
  /** Sizes of the streamed_response chunks that carried the body back (full duplex). */
  readonly returnedChunkSizes: number[] = [];

  constructor(
    private readonly stream: ProcessorStream,
    private readonly settings: ExchangeSettings,
    /** metadata_context sent with every request-side message (forwarded namespaces, Envoy's subset hint). */
    private readonly metadataContext?: Metadata,
    /** `attributes` sent with the first request-side message (request_attributes). */
    private readonly attributes?: ProcessingRequest["attributes"],
  ) {}

  async run(request: ExchangeRequest): Promise<ExchangeOutcome> {
    const mode = this.settings.mode;
    const body = request.body ?? Buffer.alloc(0);
    const headersSent = mode.request_header_mode === "SEND";
    if (headersSent) {
      // end_of_stream says the HTTP request has no body, whatever the body mode.
      this.send(requestHeadersMessage(request.headers, body.length === 0));
      this.dropContentLength(request, headersSent);
      if (!this.fullDuplex) {
        const reply = this.apply(await this.stream.next(), "request_headers", request);
        if (reply) return reply;
      }
    } else {
      this.dropContentLength(request, headersSent);
    }
    // A mode_override on the headers' answer may have changed the body mode.
    const bodyState = requestBodyState(mode.request_body_mode, body.length, this.settings.bufferLimitBytes);
    switch (bodyState) {
      case "BodyNotSent":
        if (this.fullDuplex && headersSent)
          return this.apply(await this.stream.next(null), "request_headers", request) ?? CONTINUE;
        return CONTINUE;
      case "FullDuplexStreamedBody":
        return this.fullDuplexStreamedBody(request, body, headersSent);
      case "StreamedBody":
        return this.streamedBody(request, body);
      case "BufferedBodyOverLimit":
        return {
          action: "reply",
          reply: { status: 413, body: "Payload Too Large", details: "request_payload_too_large" },
        };
      case "BufferedPartialBody":
        this.send(requestBodyMessage(body.subarray(0, this.settings.bufferLimitBytes), false));
        return this.apply(await this.stream.next(), "request_body", request) ?? CONTINUE;
      case "BufferedBody":
        return this.bufferedBody(request, body);
    }
  }

  private get fullDuplex(): boolean {
    return this.settings.mode.request_body_mode === "FULL_DUPLEX_STREAMED";
  }

  /**
   * Envoy attaches the forwarded metadata namespaces to every ProcessingRequest of the stream, not
   * only the first (the real EPP reads the subset hint from the message that ends the body);
   * request_attributes go with the first.
   */
  private send(message: ProcessingRequest): void {
    if (this.metadataContext) message.metadata_context = this.metadataContext;
    if (this.attributes && !this.attributesSent) {
      this.attributesSent = true;
      message.attributes = this.attributes;
    }
    this.stream.send(message);
  }

  private attributesSent = false;

  /** decodeHeaders: in the body modes where the processor may still change the body, Content-Length goes. */
  private dropContentLength(request: ExchangeRequest, headersSent: boolean): void {
    if (!this.settings.dropContentLength || !this.stream.inExchange) return;
    if (removesContentLength(this.settings.mode.request_body_mode, headersSent))
      delete request.headers["content-length"];
  }

  private async bufferedBody(request: ExchangeRequest, body: Buffer): Promise<ExchangeOutcome> {
    this.send(requestBodyMessage(body, true));
    const response = await this.stream.next();
    const reply = this.apply(response, "request_body", request);
    if (reply) return reply;
    request.body = mutatedBody(response.request_body?.response?.body_mutation, body);
    return CONTINUE;
  }

  private async streamedBody(request: ExchangeRequest, body: Buffer): Promise<ExchangeOutcome> {
    const out: Buffer[] = [];
    const chunks = splitBody(body, this.settings.chunkBytes);
    for (const [index, chunk] of chunks.entries()) {
      this.send(requestBodyMessage(chunk, index === chunks.length - 1));
      const response = await this.stream.next();
      const reply = this.apply(response, "request_body", request);
      if (reply) return reply;
      out.push(mutatedBody(response.request_body?.response?.body_mutation, chunk));
    }
    request.body = Buffer.concat(out);
    return CONTINUE;
  }

  /**
   * FULL_DUPLEX_STREAMED: the stream is open first (a stream that cannot start fails here with the
   * body still held), then every chunk is moved into it and the original drained; upstream gets
   * only the streamed_response chunks that come back. No message timer runs in this mode.
   */
  private async fullDuplexStreamedBody(
    request: ExchangeRequest,
    body: Buffer,
    headersSent: boolean,
  ): Promise<ExchangeOutcome> {
    this.stream.open();
    request.body = null;
    request.bodyMoved = true;
    // HTTP/1.1 requests carry no trailers, so the last chunk ends the stream even with trailer mode SEND.
    const chunks = splitBody(body, this.settings.chunkBytes);
    for (const [index, chunk] of chunks.entries()) this.send(requestBodyMessage(chunk, index === chunks.length - 1));
    let headersAnswered = !headersSent;
    const returned: Buffer[] = [];
    for (;;) {
      const response = await this.stream.next(null);
      if (!headersAnswered && !response.immediate_response) {
        const reply = this.apply(response, "request_headers", request);
        if (reply) return reply;
        headersAnswered = true;
        continue;
      }
      const reply = this.apply(response, "request_body", request);
      if (reply) return reply;
      const streamed = response.request_body?.response?.body_mutation?.streamed_response;
      const chunk = bytesAsBuffer(streamed?.body);
      returned.push(chunk);
      this.returnedChunkSizes.push(chunk.length);
      if (streamed?.end_of_stream) break;
    }
    // How many streamed_response chunks come back is the processor's choice: one returned chunk is
    // used as it is; more are joined.
    request.body = returned.length === 1 ? (returned[0] as Buffer) : Buffer.concat(returned);
    return CONTINUE;
  }

  /**
   * Apply an answer to the request; a reply when the processor answered the client itself or a
   * mutation failed. Throws a spurious ProcessorFailure for an answer out of order.
   */
  private apply(
    response: ProcessingResponse,
    phase: "request_headers" | "request_body",
    request: ExchangeRequest,
  ): ExchangeOutcome | undefined {
    if (phase === "request_headers" && !response.immediate_response) applyModeOverride(this.settings, response);
    if (!response.immediate_response) this.checkInOrder(response, phase);
    return applyAnswer(response, phase, request, this.settings, this.setHeaders);
  }

  /** ProcessorState::handleHeadersResponse / handleBodyResponse: the answer must be the one awaited. */
  private checkInOrder(response: ProcessingResponse, phase: "request_headers" | "request_body"): void {
    if (response.response !== phase) throw ProcessorFailure.spurious("spurious message");
    if (phase !== "request_body") return;
    const streamed = response.request_body?.response?.body_mutation?.streamed_response !== undefined;
    if (this.fullDuplex && !streamed)
      throw ProcessorFailure.spurious(
        "spurious message: Normal body mutation response is received while body_mode_ is FULL_DUPLEX_STREAMED",
      );
    if (!this.fullDuplex && streamed)
      throw ProcessorFailure.spurious(
        "spurious message: streamed_response is received while body_mode_ is not FULL_DUPLEX_STREAMED",
      );
  }
}
