// The request phase of an ext_proc exchange: headers, then the body in its body-mode state, each
// answer applied the way Envoy applies it (ext_proc.cc, processor_state.cc, mutation_utils.cc).
import {
  fromStruct,
  type Metadata,
  type ProcessingRequest,
  type ProcessingResponse,
  requestBodyMessage,
  requestHeadersMessage,
} from "@testbed/protocol";
import { splitBody } from "./body-chunks.js";
import { mutatedBody } from "./body-mutation.js";
import { requestBodyState } from "./body-state.js";
import { applyModeOverride, countRejected, type ExchangeSettings } from "./exchange-settings.js";
import { applyHeaderMutation } from "./header-mutation.js";
import { CONTINUE, type ExchangeOutcome, immediateReply } from "./immediate-response.js";
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
    /** metadata_context Envoy attaches to every message it sends (e.g. the subset hint). */
    private readonly metadataContext?: Metadata,
  ) {}

  /**
   * Envoy attaches the forwarded metadata namespaces to every ProcessingRequest of the stream, not
   * only the first; the real EPP reads the subset hint from the message that ends the body.
   */
  private send(message: ProcessingRequest): void {
    if (this.metadataContext) message.metadata_context = this.metadataContext;
    this.stream.send(message);
  }

  async run(request: ExchangeRequest): Promise<ExchangeOutcome> {
    const mode = this.settings.mode;
    const body = request.body ?? Buffer.alloc(0);
    const bodyState = requestBodyState(mode.request_body_mode, body.length, this.settings.bufferLimitBytes);
    const headersSent = mode.request_header_mode === "SEND";
    // In full duplex the headers' answer comes after the body (the processor routes on the body).
    const fullDuplex = mode.request_body_mode === "FULL_DUPLEX_STREAMED";
    if (headersSent) {
      this.send(requestHeadersMessage(request.headers, bodyState === "BodyNotSent"));
      if (!fullDuplex) {
        const reply = this.apply(await this.stream.next(), "request_headers", request);
        if (reply) return reply;
      }
    }
    switch (bodyState) {
      case "BodyNotSent":
        if (fullDuplex && headersSent)
          return this.apply(await this.stream.next(), "request_headers", request) ?? CONTINUE;
        return CONTINUE;
      case "FullDuplexStreamedBody":
        return this.fullDuplexStreamedBody(request, body);
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

  private async fullDuplexStreamedBody(request: ExchangeRequest, body: Buffer): Promise<ExchangeOutcome> {
    // Drained: from here on, upstream only gets what the processor streams back.
    request.body = null;
    // HTTP/1.1 requests carry no trailers, so the last chunk ends the stream even with trailer mode SEND.
    const chunks = splitBody(body, this.settings.chunkBytes);
    for (const [index, chunk] of chunks.entries()) this.send(requestBodyMessage(chunk, index === chunks.length - 1));
    const returned: Buffer[] = [];
    for (;;) {
      const response = await this.stream.next();
      if (response.response === "request_headers") {
        const reply = this.apply(response, "request_headers", request);
        if (reply) return reply;
        continue;
      }
      const reply = this.apply(response, "request_body", request);
      if (reply) return reply;
      const streamed = response.request_body?.response?.body_mutation?.streamed_response;
      if (streamed) {
        const chunk = Buffer.from(streamed.body ?? []);
        returned.push(chunk);
        this.returnedChunkSizes.push(chunk.length);
      }
      if (streamed?.end_of_stream) break;
    }
    request.body = Buffer.concat(returned);
    return CONTINUE;
  }

  /** Apply an answer to the request; a reply when the processor answered the client itself. */
  private apply(
    response: ProcessingResponse,
    phase: "request_headers" | "request_body",
    request: ExchangeRequest,
  ): ExchangeOutcome | undefined {
    if (response.immediate_response) return { action: "reply", reply: immediateReply(response) };
    const common = response[phase]?.response;
    if (!common && response.response !== phase) this.settings.count("spurious_msgs_received");
    countRejected(this.settings, applyHeaderMutation(request.headers, common?.header_mutation, this.setHeaders));
    if (common?.clear_route_cache) request.clearRouteCache = true;
    if (response.dynamic_metadata) {
      for (const [namespace, value] of Object.entries(fromStruct(response.dynamic_metadata))) {
        if (this.receives(namespace)) request.metadata[namespace] = value as Record<string, unknown>;
      }
    }
    if (phase === "request_headers")
      applyModeOverride(this.settings, response, ["response_header_mode", "response_body_mode"]);
    return undefined;
  }

  private receives(namespace: string): boolean {
    const receiving = this.settings.receivingNamespaces;
    return receiving === undefined || receiving.includes(namespace);
  }
}
