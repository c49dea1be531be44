import { ExtProcSession } from "@testbed/epp-client/client";
import {
  type BodyMutation,
  extProcService,
  fromStruct,
  httpStatusNumber,
  type ProcessingRequest,
  type ProcessingResponse,
  requestBodyMessage,
  requestHeadersMessage,
  responseBodyMessage,
  responseHeadersMessage,
} from "@testbed/protocol";
import type { ProcessingMode } from "../config/envoy-types.js";
import { type FilterRun, type ResponseBodySource, UpstreamResetError } from "../filters/http-filter.js";
import { type EnvoyGrpcStream, lazyMethod } from "../grpc/envoy-grpc-stream.js";
import type { GrpcCall, GrpcClusterClient } from "../grpc/grpc-cluster-client.js";
import type { EffectiveExtProc } from "./ext-proc-merge.js";
import type { ExtProcStats } from "./ext-proc-stats.js";
import { applyHeaderMutation } from "./header-mutations.js";
import { ResponseBodyPump } from "./response-body-pump.js";

/** An open ext_proc stream on a processor cluster. */
interface ProcessorStream {
  session: ExtProcSession;
  grpcStream: EnvoyGrpcStream<ProcessingRequest, ProcessingResponse>;
  call: GrpcCall;
}

/** How long a processor has to end its side once the exchange is over, before the stream is reset. */
const RESET_GRACE_MS = 1000;

/** ExternalProcessor.Process. */
const extProcProcess = lazyMethod<ProcessingRequest, ProcessingResponse>(() => extProcService().definition.Process);

/**
 * One request's run through the ext_proc filter, with Envoy's semantics for every mode:
 *
 * - headers SEND/SKIP; bodies NONE, BUFFERED / BUFFERED_PARTIAL (one message, one answer), STREAMED
 *   (one answer per chunk, each may replace its chunk) and FULL_DUPLEX_STREAMED, where "a copy of
 *   the data is dispatched to the external processor and the original data is drained": upstream
 *   gets only the streamed_response chunks that come back.
 * - failure_mode_allow: when the stream fails (no such cluster, no connection, TLS refused, gRPC
 *   error) or a message times out, either continue with whatever body is still held (fail open —
 *   in FULL_DUPLEX nothing is, which is the seed's Bug 1) or answer 500 / 504 (fail closed).
 * - header mutations under Envoy's default rules, clear_route_cache, `envoy.lb` dynamic metadata,
 *   immediate responses, and response-side mode_override when allowed.
 *
 * The upstream request is held until the request phase is over, so routing reads the final headers.
 */
export interface RequestState {
  /** Request headers, lower-case, with :method, :path, :authority, :scheme. */
  headers: Record<string, string>;
  /** The body to send upstream; null once a full-duplex stream drained it. */
  body: Buffer | null;
  /** Dynamic metadata received from the processor, by namespace. */
  metadata: Record<string, Record<string, unknown>>;
  clearRouteCache: boolean;
}

export interface LocalReply {
  status: number;
  body: string;
  details: string;
  headers?: Record<string, string>;
  /** Response flags for the access log (UAEX, RL, RLSE …). */
  flags?: string[];
}

export type PhaseOutcome = { action: "continue" } | { action: "reply"; reply: LocalReply };

const CONTINUE: PhaseOutcome = { action: "continue" };
const CHUNK_BYTES = 65_536;

class StreamFailure extends Error {
  constructor(
    readonly grpcCode: number,
    message: string,
    readonly timeout = false,
  ) {
    super(message);
  }
}

export class ExtProcFilterRun implements FilterRun {
  private stream: ProcessorStream | undefined;
  private responsePump: ResponseBodyPump | undefined;
  private failed = false;
  /** The processor is out of the exchange without a failure (an immediate response, a spurious message). */
  private detached = false;
  /** When the last message went to the processor: Envoy re-arms its message timer on every send. */
  private lastSentAt = 0;
  private readonly mode: Required<ProcessingMode>;

  constructor(
    private readonly config: EffectiveExtProc,
    private readonly clientFor: (clusterName: string) => GrpcClusterClient | undefined,
    private readonly stats: ExtProcStats,
    /** Envoy's buffer limit (per_connection_buffer_limit_bytes, 1 MiB by default): BUFFERED bodies above it get 413. */
    private readonly bufferLimitBytes = 1024 * 1024,
  ) {
    this.mode = { ...config.mode };
  }

  get active(): boolean {
    return this.config.enabled && !this.failed;
  }

  // ---- request phase ----------------------------------------------------------------------------

  async requestPhase(state: RequestState): Promise<PhaseOutcome> {
    if (!this.config.enabled) return CONTINUE;
    const body = state.body ?? Buffer.alloc(0);
    const bodyMode = this.mode.request_body_mode;
    const sendsBody = bodyMode !== "NONE" && body.length > 0;
    try {
      if (this.mode.request_header_mode === "SEND") {
        this.send(requestHeadersMessage(state.headers, !sendsBody));
        if (bodyMode !== "FULL_DUPLEX_STREAMED") {
          const reply = this.apply(await this.next(), "request_headers", state);
          if (reply) return reply;
        }
      }
      if (!sendsBody) {
        if (bodyMode === "FULL_DUPLEX_STREAMED" && this.mode.request_header_mode === "SEND") {
          const reply = this.apply(await this.next(), "request_headers", state);
          if (reply) return reply;
        }
        return CONTINUE;
      }
      if (bodyMode === "FULL_DUPLEX_STREAMED") return await this.fullDuplexRequestBody(state, body);
      if (bodyMode === "STREAMED") return await this.streamedRequestBody(state, body);
      // BUFFERED: the whole body in one message, one answer; BUFFERED_PARTIAL sends what fits.
      if (bodyMode === "BUFFERED" && body.length > this.bufferLimitBytes) {
        return {
          action: "reply",
          reply: { status: 413, body: "Payload Too Large", details: "request_payload_too_large" },
        };
      }
      if (bodyMode === "BUFFERED_PARTIAL" && body.length > this.bufferLimitBytes) {
        this.send(requestBodyMessage(body.subarray(0, this.bufferLimitBytes), false));
        return this.apply(await this.next(), "request_body", state) ?? CONTINUE;
      }
      this.send(requestBodyMessage(body, true));
      const response = await this.next();
      const reply = this.apply(response, "request_body", state);
      if (reply) return reply;
      state.body = replacedBody(response.request_body?.response?.body_mutation, body);
      return CONTINUE;
    } catch (error) {
      return this.fail(error);
    }
  }

  private async streamedRequestBody(state: RequestState, body: Buffer): Promise<PhaseOutcome> {
    const out: Buffer[] = [];
    const chunks = split(body);
    for (const [index, chunk] of chunks.entries()) {
      this.send(requestBodyMessage(chunk, index === chunks.length - 1));
      const response = await this.next();
      const reply = this.apply(response, "request_body", state);
      if (reply) return reply;
      out.push(replacedBody(response.request_body?.response?.body_mutation, chunk));
    }
    state.body = Buffer.concat(out);
    return CONTINUE;
  }

  private async fullDuplexRequestBody(state: RequestState, body: Buffer): Promise<PhaseOutcome> {
    // Drained: from here on, upstream only gets what the processor streams back.
    state.body = null;
    // HTTP/1.1 requests carry no trailers, so the last chunk ends the stream even with trailer mode SEND.
    const chunks = split(body);
    for (const [index, chunk] of chunks.entries()) this.send(requestBodyMessage(chunk, index === chunks.length - 1));
    const returned: Buffer[] = [];
    for (;;) {
      const response = await this.next();
      if (response.response === "request_headers") {
        const reply = this.apply(response, "request_headers", state);
        if (reply) return reply;
        continue;
      }
      const reply = this.apply(response, "request_body", state);
      if (reply) return reply;
      const streamed = response.request_body?.response?.body_mutation?.streamed_response;
      if (streamed) returned.push(Buffer.from(streamed.body ?? []));
      if (streamed?.end_of_stream) break;
    }
    state.body = Buffer.concat(returned);
    return CONTINUE;
  }

  // ---- response phase ---------------------------------------------------------------------------

  /**
   * Response headers through the processor; mutates `headers` in place. In full duplex the body
   * follows at once (see ResponseBodyPump) unless the filter allows a mode_override, which could
   * not apply to chunks already sent.
   */
  async responseHeaders(
    headers: Record<string, string>,
    endOfStream: boolean,
    body?: ResponseBodySource,
  ): Promise<PhaseOutcome> {
    if (!this.active || this.mode.response_header_mode !== "SEND") return CONTINUE;
    let pump: ResponseBodyPump | undefined;
    try {
      this.send(responseHeadersMessage(headers, endOfStream));
      if (
        body &&
        !body.claimed &&
        !endOfStream &&
        this.mode.response_body_mode === "FULL_DUPLEX_STREAMED" &&
        !this.config.allowModeOverride
      ) {
        pump = this.startResponsePump(body);
      }
      // A full-duplex processor may hold the headers' answer while the body flows in; the message
      // timeout then counts from the last chunk sent.
      const response = pump ? await this.nextSinceLastSend() : await this.next();
      if (response.immediate_response) {
        this.detached = true;
        pump?.discard();
        return { action: "reply", reply: immediateReply(response) };
      }
      if (pump && response.response !== "response_headers") return this.dropSpurious();
      this.countRejected(applyHeaderMutation(headers, response.response_headers?.response?.header_mutation));
      if (this.config.allowModeOverride && response.mode_override) {
        const override = response.mode_override;
        if (override.response_body_mode) this.mode.response_body_mode = override.response_body_mode;
        if (override.response_trailer_mode) this.mode.response_trailer_mode = override.response_trailer_mode;
      }
      return CONTINUE;
    } catch (error) {
      if (pump?.error) {
        // The upstream broke, not the processor: leave the stream and let the router reset the client.
        this.detach();
        throw new UpstreamResetError(String(pump.error));
      }
      const outcome = this.fail(error);
      if (outcome.action === "reply") pump?.discard();
      return outcome;
    }
  }

  /** Whether the response body must pass through this filter (also once a pump took it over). */
  get processesResponseBody(): boolean {
    return this.responsePump !== undefined || (this.active && this.mode.response_body_mode !== "NONE");
  }

  /**
   * The response body through the processor. `chunks` yields the upstream's body as it arrives;
   * `write` sends to the client. Full duplex and STREAMED forward chunk by chunk (SSE keeps flowing);
   * BUFFERED waits for the whole body.
   */
  async responseBody(
    chunks: AsyncIterable<Buffer>,
    write: (chunk: Buffer) => void,
    contentLength?: number,
  ): Promise<void> {
    if (this.responsePump) return this.fullDuplexResponseBody(this.responsePump, write);
    const bodyMode = this.mode.response_body_mode;
    if (bodyMode === "FULL_DUPLEX_STREAMED") {
      return this.fullDuplexResponseBody(this.startResponsePump({ chunks, contentLength }), write);
    }
    if (bodyMode === "STREAMED") return this.streamedResponseBody(withEndOfStream(chunks, contentLength), write);
    const all: Buffer[] = [];
    for await (const chunk of chunks) all.push(chunk);
    const body = Buffer.concat(all);
    try {
      this.send(responseBodyMessage(body, true));
      write(replacedBody((await this.next()).response_body?.response?.body_mutation, body));
    } catch (error) {
      this.failMidResponse(error);
      write(body);
    }
  }

  /** One answer per chunk; after a fail-open failure the rest passes through untouched. */
  private async streamedResponseBody(
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
        this.send(responseBodyMessage(chunk, last));
        write(replacedBody((await this.next()).response_body?.response?.body_mutation, chunk));
      } catch (error) {
        this.failMidResponse(error);
        passthrough = true;
        write(chunk);
      }
    }
  }

  private startResponsePump(source: ResponseBodySource): ResponseBodyPump {
    source.claimed = true;
    this.responsePump = new ResponseBodyPump(
      withEndOfStream(source.chunks, source.contentLength),
      (chunk, last) => {
        if (this.failed || this.detached) return false;
        this.send(responseBodyMessage(chunk, last));
        return true;
      },
      () => this.stream?.session.cancel(),
    );
    return this.responsePump;
  }

  /**
   * Chunks come back as the processor streams them. The message timeout only runs once everything
   * has been sent (SSE may pause longer between tokens). If the processor fails and failure is
   * allowed, the rest of the body passes through; if the upstream breaks, the error reaches the
   * request handler, which resets the client.
   */
  private async fullDuplexResponseBody(pump: ResponseBodyPump, write: (chunk: Buffer) => void): Promise<void> {
    try {
      // Already out of the exchange (a fail-open failure on the headers): pass the body through.
      while (!this.failed && !this.detached) {
        const response = await this.nextWhile(() => !pump.done);
        const streamed = response.response_body?.response?.body_mutation?.streamed_response;
        if (!streamed) continue;
        const body = Buffer.from(streamed.body ?? []);
        if (body.length > 0) write(body);
        if (streamed.end_of_stream) break;
      }
    } catch (error) {
      if (pump.error) throw pump.error;
      this.failMidResponse(error);
    }
    if (this.failed || this.detached) pump.passThrough(write);
    await pump.finished;
    if (pump.error) throw pump.error;
  }

  /**
   * The HTTP exchange is over: close the stream as Envoy does, half-close then reset (see
   * resetUnlessClosedWithin), so a processor that never ends its side does not keep it open.
   */
  complete(): void {
    if (!this.stream || this.failed) return;
    this.stream.session.end();
    this.stream.grpcStream.resetUnlessClosedWithin(RESET_GRACE_MS);
    this.stream.call.done({ ok: true });
    this.stats.inc("streams_closed");
  }

  // ---- plumbing ---------------------------------------------------------------------------------

  private send(message: ProcessingRequest): void {
    if (!this.stream) {
      this.stream = this.open();
      // Current Envoy tells the processor the body modes on the first message of every stream.
      message.protocol_config = {
        request_body_mode: this.mode.request_body_mode,
        response_body_mode: this.mode.response_body_mode,
      };
    }
    this.stream.session.send(message);
    this.lastSentAt = performance.now();
    this.stats.inc("stream_msgs_sent");
  }

  private open(): ProcessorStream {
    const clusterName = this.config.clusterName ?? "";
    const client = this.clientFor(clusterName);
    if (!client) throw new StreamFailure(14, `cluster ${clusterName} not found`);
    const call = client.open();
    if (!call) throw new StreamFailure(14, `no healthy upstream in ${clusterName}`);
    this.stats.inc("streams_started");
    const grpcStream = call.connection.stream(extProcProcess());
    return { session: new ExtProcSession(grpcStream), grpcStream, call };
  }

  private async next(timeoutMs = this.config.messageTimeoutSeconds * 1000): Promise<ProcessingResponse> {
    if (!this.stream) throw new StreamFailure(14, "no stream");
    let event: Awaited<ReturnType<ExtProcSession["next"]>>;
    try {
      event = await this.stream.session.next(timeoutMs);
    } catch {
      throw new StreamFailure(4, "message timeout", true);
    }
    if (event.kind === "error") throw new StreamFailure(event.code, event.details);
    if (event.kind === "end") throw new StreamFailure(14, "stream closed by the processor");
    this.stats.inc("stream_msgs_received");
    return event.response;
  }

  /** next(), with the message timeout counted from the last message sent rather than from now. */
  private async nextSinceLastSend(): Promise<ProcessingResponse> {
    const timeoutMs = this.config.messageTimeoutSeconds * 1000;
    for (;;) {
      try {
        // Whole milliseconds: timers of one duration share a list in Node.
        return await this.next(Math.max(1, Math.ceil(timeoutMs - (performance.now() - this.lastSentAt))));
      } catch (error) {
        const stillRunning = performance.now() - this.lastSentAt < timeoutMs;
        if (!(error instanceof StreamFailure && error.timeout && stillRunning)) throw error;
      }
    }
  }

  /** A message out of order: Envoy counts it, closes the stream and goes on without the processor. */
  private dropSpurious(): PhaseOutcome {
    this.stats.inc("spurious_msgs_received");
    this.detach();
    return CONTINUE;
  }

  /** Leave the stream without a processor failure. */
  private detach(): void {
    this.detached = true;
    this.stream?.session.cancel();
    this.stream?.call.done({ ok: true });
  }

  /** next(), but a timeout while `waiting()` still holds is not a failure: keep waiting. */
  private async nextWhile(waiting: () => boolean): Promise<ProcessingResponse> {
    for (;;) {
      try {
        return await this.next();
      } catch (error) {
        if (!(error instanceof StreamFailure && error.timeout && waiting())) throw error;
      }
    }
  }

  /** Apply an answer to the request state; a LocalReply when the processor answered the client itself. */
  private apply(
    response: ProcessingResponse,
    phase: "request_headers" | "request_body",
    state: RequestState,
  ): PhaseOutcome | undefined {
    if (response.immediate_response) return { action: "reply", reply: immediateReply(response) };
    const common = response[phase]?.response;
    if (!common && response.response !== phase) this.stats.inc("spurious_msgs_received");
    this.countRejected(applyHeaderMutation(state.headers, common?.header_mutation));
    if (common?.clear_route_cache) state.clearRouteCache = true;
    if (response.dynamic_metadata) {
      for (const [namespace, value] of Object.entries(fromStruct(response.dynamic_metadata))) {
        if (this.receives(namespace)) state.metadata[namespace] = value as Record<string, unknown>;
      }
    }
    if (this.config.allowModeOverride && response.mode_override && phase === "request_headers") {
      const override = response.mode_override;
      if (override.response_header_mode) this.mode.response_header_mode = override.response_header_mode;
      if (override.response_body_mode) this.mode.response_body_mode = override.response_body_mode;
    }
    return undefined;
  }

  private receives(namespace: string): boolean {
    const receiving = this.config.receivingNamespaces;
    return receiving === undefined || receiving.includes(namespace);
  }

  private countRejected(count: number): void {
    for (let i = 0; i < count; i++) this.stats.inc("rejected_header_mutations");
  }

  private fail(error: unknown): PhaseOutcome {
    const failure = error instanceof StreamFailure ? error : new StreamFailure(2, String(error));
    this.failed = true;
    this.stream?.call.done({ ok: false });
    this.stream?.session.cancel();
    // Envoy counts a per-message timeout as message_timeouts, a broken stream as streams_failed.
    this.stats.inc(failure.timeout ? "message_timeouts" : "streams_failed");
    if (this.config.failureModeAllow) {
      this.stats.inc("failure_mode_allowed");
      return CONTINUE;
    }
    if (failure.timeout) {
      return {
        action: "reply",
        reply: { status: 504, body: "", details: "ext_proc_error_per-message_timeout_exceeded" },
      };
    }
    return {
      action: "reply",
      reply: { status: 500, body: "", details: `ext_proc_error_gRPC_error_${failure.grpcCode}` },
    };
  }

  /** A failure once the response is under way: no local reply is possible any more. */
  private failMidResponse(error: unknown): void {
    const outcome = this.fail(error);
    if (outcome.action === "reply") throw error;
  }
}

function immediateReply(response: ProcessingResponse): LocalReply {
  const immediate = response.immediate_response ?? {};
  const headers: Record<string, string> = {};
  applyHeaderMutation(headers, immediate.headers);
  return {
    // Envoy answers 200 for a status it cannot use (below 200).
    status: Math.max(200, httpStatusNumber(immediate.status?.code)),
    body: Buffer.from(immediate.body ?? []).toString("utf8"),
    details: immediate.details
      ? `ext_proc_immediate_response{${immediate.details.replace(/\s/g, "_")}}`
      : "ext_proc_immediate_response",
    headers,
  };
}

function replacedBody(mutation: BodyMutation | undefined, original: Buffer): Buffer {
  if (!mutation) return original;
  if (mutation.clear_body) return Buffer.alloc(0);
  if (mutation.body !== undefined) return Buffer.from(mutation.body);
  return original;
}

/**
 * Mark the chunk that ends the body, as Envoy's HTTP/1.1 codec does: with a Content-Length the chunk
 * that completes it carries end_of_stream; otherwise (chunked) an empty chunk follows at the end.
 */
async function* withEndOfStream(
  chunks: AsyncIterable<Buffer>,
  contentLength: number | undefined,
): AsyncIterable<{ chunk: Buffer; last: boolean }> {
  // Never leave the loop early: that would destroy the upstream response and its keep-alive socket.
  let received = 0;
  let ended = false;
  for await (const chunk of chunks) {
    received += chunk.length;
    const last = !ended && contentLength !== undefined && received >= contentLength;
    if (last) ended = true;
    yield { chunk, last };
  }
  if (!ended) yield { chunk: Buffer.alloc(0), last: true };
}

function split(body: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < body.length; offset += CHUNK_BYTES)
    chunks.push(body.subarray(offset, offset + CHUNK_BYTES));
  return chunks;
}
