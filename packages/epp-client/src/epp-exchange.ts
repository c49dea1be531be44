// One HTTP exchange driven through an EPP by the SAME exchange code the gateway's ext_proc filter
// runs (ProcessorStream, RequestExchange, ResponseExchange), reported as what Envoy would do:
// which headers it sets, where it routes, what body goes upstream and back to the client.
import { type Clock, systemClock } from "@testbed/common";
import {
  type BodySendMode,
  DESTINATION_HEADER,
  LB_METADATA_NAMESPACE,
  SUBSET_HINT_KEY,
  SUBSET_HINT_NAMESPACE,
  toStruct,
} from "@testbed/protocol";
import { CHUNK_BYTES } from "./exchange/body-chunks.js";
import { responseBodyState } from "./exchange/body-state.js";
import { DEFAULT_BUFFER_LIMIT_BYTES, type ExchangeSettings } from "./exchange/exchange-settings.js";
import type { ExchangeOutcome } from "./exchange/immediate-response.js";
import { type ExchangeCounter, ProcessorStream } from "./exchange/processor-stream.js";
import { type ExchangeRequest, RequestExchange } from "./exchange/request-exchange.js";
import { ResponseExchange } from "./exchange/response-exchange.js";
import type { ProcessingCall } from "./ext-proc-session.js";

export interface EppExchangeOptions {
  /** The body mode of both directions, as the EPP's own e2e Envoy config sets them. */
  mode: BodySendMode;
  /** Send protocol_config on the first message, as current Envoy does (default true). */
  sendProtocolConfig?: boolean;
  /** How long each answer may take (default 10 s: a contract run waits for slow EPPs). */
  messageTimeoutMs?: number;
  clock?: Clock;
}

export interface RequestPhaseInput {
  headers: Record<string, string>;
  body: Buffer;
  /** Envoy's subset hint: the endpoints allowed for this request. */
  subsetHint?: string[];
  /** Split the body into messages of this size (default: Envoy's 64 KiB reads). */
  chunkBytes?: number;
}

export interface RequestPhaseResult {
  /** The processor answered the client itself (status as Envoy sends it: below 200 becomes 200). */
  immediate?: { status: number; body: string };
  /** Every header the processor set, lower-cased (Envoy's mutation rules applied). */
  setHeaders: Record<string, string>;
  /** x-gateway-destination-endpoint as the processor set it. */
  destination: string | undefined;
  /** `envoy.lb` → `x-gateway-destination-endpoint` in the dynamic metadata. */
  metadataDestination: string | undefined;
  clearRouteCache: boolean;
  /** What Envoy would send upstream. */
  upstreamBody: Buffer;
  /** Sizes of the streamed_response chunks that carried the body back (full duplex). */
  returnedChunkSizes: number[];
}

export interface ResponsePhaseInput {
  headers: Record<string, string>;
  /** The upstream's body as it arrives, chunk by chunk. */
  chunks: Buffer[];
}

export interface ResponsePhaseResult {
  immediate?: { status: number; body: string };
  setHeaders: Record<string, string>;
  /** What the client would get. */
  body: Buffer;
  /** Sizes of the pieces the client got, as they came back. */
  returnedChunkSizes: number[];
  /** For a streamed (SSE) response: each chunk came back before the next one was sent. */
  echoedInOrder: boolean;
}

/** One ext_proc stream to an EPP: a request phase, then optionally a response phase, then end(). */
export class EppExchange {
  /** Envoy's ext_proc counters for this stream (rejected_header_mutations, spurious_msgs_received …). */
  readonly counts: Partial<Record<ExchangeCounter, number>> = {};
  private readonly stream: ProcessorStream;
  private readonly settings: ExchangeSettings;
  private readonly clock: Clock;
  private readonly messageTimeoutMs: number;

  constructor(openCall: () => ProcessingCall, options: EppExchangeOptions) {
    this.clock = options.clock ?? systemClock;
    this.messageTimeoutMs = options.messageTimeoutMs ?? 10_000;
    const trailers = options.mode === "FULL_DUPLEX_STREAMED" ? "SEND" : "SKIP";
    const count = (counter: ExchangeCounter) => {
      this.counts[counter] = (this.counts[counter] ?? 0) + 1;
    };
    this.settings = {
      mode: {
        request_header_mode: "SEND",
        response_header_mode: "SEND",
        request_body_mode: options.mode,
        response_body_mode: options.mode,
        request_trailer_mode: trailers,
        response_trailer_mode: trailers,
      },
      allowModeOverride: false,
      // As Istio configures the filter: Envoy takes only the namespaces it is told to receive.
      receivingNamespaces: [LB_METADATA_NAMESPACE],
      bufferLimitBytes: DEFAULT_BUFFER_LIMIT_BYTES,
      chunkBytes: CHUNK_BYTES,
      count,
    };
    this.stream = new ProcessorStream({
      open: () => ({ call: openCall() }),
      clock: this.clock,
      messageTimeoutMs: this.messageTimeoutMs,
      protocolConfig: () =>
        options.sendProtocolConfig === false
          ? undefined
          : {
              request_body_mode: this.settings.mode.request_body_mode,
              response_body_mode: this.settings.mode.response_body_mode,
            },
      count,
    });
  }

  /** The request phase; rejects with a ProcessorFailure when the stream fails. */
  async request(input: RequestPhaseInput): Promise<RequestPhaseResult> {
    this.settings.chunkBytes = input.chunkBytes ?? CHUNK_BYTES;
    const hint = input.subsetHint
      ? { filter_metadata: { [SUBSET_HINT_NAMESPACE]: toStruct({ [SUBSET_HINT_KEY]: input.subsetHint }) } }
      : undefined;
    const exchange = new RequestExchange(this.stream, this.settings, hint);
    const request: ExchangeRequest = {
      headers: { ...input.headers },
      body: input.body,
      metadata: {},
      clearRouteCache: false,
    };
    const outcome = await exchange.run(request);
    const lb = request.metadata[LB_METADATA_NAMESPACE];
    return {
      ...immediateOf(outcome),
      setHeaders: exchange.setHeaders,
      destination: exchange.setHeaders[DESTINATION_HEADER],
      metadataDestination: lb?.[DESTINATION_HEADER] === undefined ? undefined : String(lb[DESTINATION_HEADER]),
      clearRouteCache: request.clearRouteCache,
      upstreamBody: request.body ?? Buffer.alloc(0),
      returnedChunkSizes: exchange.returnedChunkSizes,
    };
  }

  /**
   * The response phase. A streamed (SSE) upstream sends its next chunk only once the previous one
   * reached the client, or after the message timeout (then echoedInOrder is false).
   */
  async response(input: ResponsePhaseInput): Promise<ResponsePhaseResult> {
    const exchange = new ResponseExchange(this.stream, this.settings, (error) => {
      throw error;
    });
    const client = new ClientSide(this.clock, this.messageTimeoutMs);
    // Only where each chunk's answer comes back on its own (BUFFERED answers once, at the end).
    const bodyMode = this.settings.mode.response_body_mode;
    const streaming =
      (input.headers["content-type"] ?? "").includes("text/event-stream") &&
      (bodyMode === "FULL_DUPLEX_STREAMED" || bodyMode === "STREAMED");
    const source = {
      chunks: streaming ? client.paced(input.chunks) : listed(input.chunks),
      contentLength: input.chunks.reduce((sum, chunk) => sum + chunk.length, 0),
    };
    const headers = { ...input.headers };
    const outcome = await exchange.headers(headers, input.chunks.length === 0, source);
    const result = { ...immediateOf(outcome), setHeaders: exchange.setHeaders, echoedInOrder: true };
    if (outcome.action === "continue" && input.chunks.length > 0) {
      const passes = exchange.pumping || responseBodyState(this.settings.mode.response_body_mode) !== "BodyNotSent";
      if (passes) await exchange.body(source.chunks, (chunk) => client.write(chunk), source.contentLength);
      else for (const chunk of input.chunks) client.write(chunk);
    }
    return {
      ...result,
      body: Buffer.concat(client.received),
      returnedChunkSizes: client.received.map((chunk) => chunk.length),
      echoedInOrder: client.inOrder,
    };
  }

  /** Close our side of the stream, as Envoy does once the HTTP exchange is over. */
  end(): void {
    this.stream.complete();
  }
}

function immediateOf(outcome: ExchangeOutcome): { immediate?: { status: number; body: string } } {
  return outcome.action === "reply" ? { immediate: { status: outcome.reply.status, body: outcome.reply.body } } : {};
}

async function* listed(chunks: Buffer[]): AsyncIterable<Buffer> {
  for (const chunk of chunks) yield chunk;
}

/** The client end of a response: what it received, and an upstream that waits for each echo. */
class ClientSide {
  readonly received: Buffer[] = [];
  inOrder = true;
  private receivedBytes = 0;
  private wake: (() => void) | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly waitMs: number,
  ) {}

  write(chunk: Buffer): void {
    this.received.push(chunk);
    this.receivedBytes += chunk.length;
    this.wake?.();
  }

  /** Yield each chunk once everything before it came back (or the wait ran out). */
  async *paced(chunks: Buffer[]): AsyncIterable<Buffer> {
    let sent = 0;
    for (const chunk of chunks) {
      yield chunk;
      sent += chunk.length;
      // Once a chunk did not come back in time, the rest go without waiting: the verdict is in.
      if (this.inOrder && !(await this.receivedAtLeast(sent))) this.inOrder = false;
    }
    if (!Buffer.concat(this.received).equals(Buffer.concat(chunks).subarray(0, this.receivedBytes)))
      this.inOrder = false;
  }

  private receivedAtLeast(bytes: number): Promise<boolean> {
    if (this.receivedBytes >= bytes) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => {
        this.wake = undefined;
        resolve(false);
      }, this.waitMs);
      this.wake = () => {
        if (this.receivedBytes < bytes) return;
        this.clock.clearTimeout(timer);
        this.wake = undefined;
        resolve(true);
      };
    });
  }
}
