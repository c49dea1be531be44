import type { Clock } from "@testbed/common";
import {
  type BodySendMode,
  DESTINATION_HEADER,
  fromStruct,
  type HeaderValueOption,
  headerMapToRecord,
  isSystemHeader,
  LB_METADATA_NAMESPACE,
  MAX_CHUNK_BYTES,
  type Metadata,
  type ProcessingRequest,
  type ProcessingResponse,
  REQUEST_ID_HEADER,
  requestBodyResponse,
  requestHeadersResponse,
  requestTrailersResponse,
  responseBodyResponse,
  responseHeadersResponse,
  responseTrailersResponse,
  SUBSET_HINT_KEY,
  SUBSET_HINT_NAMESPACE,
  setHeader,
  streamedBodyChunk,
  toStruct,
  WENT_INTO_RESPONSE_HEADER,
} from "@testbed/protocol";
import type { EppLogger } from "../epp-log.js";
import type { EppMetrics } from "../metrics/epp-metrics.js";
import type { ResponseHeadersPlugin } from "../scheduling/framework.js";
import { InferenceError } from "./inference-error.js";
import { isInferenceError, type RequestRouter, type RoutingDecision } from "./request-router.js";

/** How a direction's messages are answered: all at once after the body (full duplex), or one by one. */
type Exchange = "full-duplex" | "one-reply-per-message";

export interface StreamParts {
  router: RequestRouter;
  metrics: EppMetrics;
  log: EppLogger;
  defaultBodyMode: BodySendMode;
  responseHeaderPlugins: () => ResponseHeadersPlugin[];
  clock: Clock;
}

/** The server's side of ExternalProcessor.Process (a ServerStreamCall; grpc-js's duplex call fits too). */
export interface ProcessCall {
  on(event: "data", listener: (message: ProcessingRequest) => void): unknown;
  on(event: "end" | "error" | "cancelled", listener: () => void): unknown;
  write(response: ProcessingResponse): unknown;
  end(): void;
}

/**
 * One ext_proc stream (= one HTTP request through Envoy), answered the way the real EPP answers.
 *
 * FULL_DUPLEX_STREAMED (the real EPP's only mode since GIE v0.4): nothing is answered until the
 * whole request body has arrived; then a request_headers response carrying the routing header,
 * Content-Length, `envoy.lb` metadata and clear_route_cache, followed by the body streamed back in
 * chunks of at most 62,000 bytes — Envoy forwards upstream only what comes back.
 *
 * BUFFERED / STREAMED (older EPPs): every message gets exactly one answer; the routing header and
 * metadata ride on the answer to the last request_body message.
 *
 * The mode of each direction comes from `protocol_config` on the first message when Envoy sends it
 * (request_body_mode, response_body_mode), else from the EPP's configured default.
 */
export class ExtProcStream {
  private exchange: Exchange | undefined;
  /** The response direction may use another body mode than the request (Envoy sends both in protocol_config). */
  private responseExchange: Exchange | undefined;
  private requestHeaders: Record<string, string> = {};
  private requestId = "";
  private generatedRequestId = false;
  private subsetHint: string[] | undefined;
  private readonly requestChunks: Buffer[] = [];
  private decision: RoutingDecision | undefined;
  private streamingResponse = false;
  private readonly responseChunks: Buffer[] = [];
  private responseBytes = 0;
  private responseTail = "";
  private readonly startedAt: number;
  private finished = false;
  private closed = false;

  constructor(
    private readonly call: ProcessCall,
    private readonly parts: StreamParts,
  ) {
    this.startedAt = parts.clock.monotonicNow();
    call.on("data", (message: ProcessingRequest) => {
      try {
        this.onMessage(message);
      } catch (error) {
        // A malformed message must never take the EPP down: answer it and end this stream only.
        this.fail(
          new InferenceError(
            "Internal",
            `failed to process ${message.request ?? "message"}: ${(error as Error).message}`,
          ),
          "",
        );
      }
    });
    call.on("end", () => this.close());
    call.on("error", () => this.close());
    call.on("cancelled", () => this.close());
  }

  private onMessage(message: ProcessingRequest): void {
    if (this.closed) return;
    this.exchange ??= exchangeFor(message.protocol_config?.request_body_mode ?? this.parts.defaultBodyMode);
    this.responseExchange ??= exchangeFor(message.protocol_config?.response_body_mode ?? this.parts.defaultBodyMode);
    if (this.parts.log.verbosity >= 4) {
      this.parts.log.verbose(4, "ext-proc", "Received message", {
        phase: message.request,
        "x-request-id": this.requestId,
      });
    }
    switch (message.request) {
      case "request_headers":
        this.onRequestHeaders(message);
        return;
      case "request_body":
        this.onRequestBody(asBuffer(message.request_body?.body), message.request_body?.end_of_stream === true);
        return;
      case "request_trailers":
        if (this.exchange === "one-reply-per-message") this.send(requestTrailersResponse());
        return;
      case "response_headers":
        this.onResponseHeaders(
          headerMapToRecord(message.response_headers?.headers),
          message.response_headers?.end_of_stream === true,
        );
        return;
      case "response_body":
        this.onResponseBody(asBuffer(message.response_body?.body), message.response_body?.end_of_stream === true);
        return;
      case "response_trailers":
        this.send(responseTrailersResponse());
        this.finish();
        return;
      default:
        return;
    }
  }

  private onRequestHeaders(message: ProcessingRequest): void {
    this.requestHeaders = headerMapToRecord(message.request_headers?.headers);
    this.requestId = this.parts.router.requestId(this.requestHeaders);
    this.generatedRequestId = this.requestHeaders[REQUEST_ID_HEADER] === undefined;
    this.subsetHint = subsetHintFrom(message.metadata_context);
    if (message.request_headers?.end_of_stream) {
      this.routeAndAnswer(Buffer.alloc(0));
      return;
    }
    if (this.exchange === "one-reply-per-message") this.send(requestHeadersResponse());
  }

  private onRequestBody(chunk: Buffer, endOfStream: boolean): void {
    this.requestChunks.push(chunk);
    if (!endOfStream) {
      if (this.exchange === "one-reply-per-message") this.send(requestBodyResponse());
      return;
    }
    this.routeAndAnswer(Buffer.concat(this.requestChunks));
  }

  private routeAndAnswer(body: Buffer): void {
    const { router, metrics } = this.parts;
    const request = router.parse(this.requestHeaders, body, this.requestId);
    if (isInferenceError(request)) {
      this.fail(request, "");
      return;
    }
    const labels = { model_name: request.targetModel, target_model_name: request.targetModel };
    metrics.requests.inc(labels);
    metrics.requestSizes.observe(labels, body.length);
    const decision = router.route(request, this.subsetHint);
    if (isInferenceError(decision)) {
      this.fail(decision, request.targetModel);
      return;
    }
    this.decision = decision;
    metrics.runningRequests.inc({ model_name: request.targetModel });
    this.streamingResponse = request.body.stream === true;

    const routing: HeaderValueOption[] = [setHeader(DESTINATION_HEADER, decision.destination)];
    for (const [name, value] of Object.entries(decision.headers)) routing.push(setHeader(name, value));
    if (this.generatedRequestId) routing.push(setHeader(REQUEST_ID_HEADER, this.requestId));
    const reply = {
      clearRouteCache: true,
      dynamicMetadata: toStruct({ [LB_METADATA_NAMESPACE]: { [DESTINATION_HEADER]: decision.destination } }),
    };
    if (this.exchange === "one-reply-per-message") {
      // The older exchange: routing rides on the answer to the message that completed the request.
      const answer =
        body.length === 0 && this.requestChunks.length === 0 ? requestHeadersResponse : requestBodyResponse;
      this.send(answer({ ...reply, setHeaders: routing }));
      return;
    }
    const copied = Object.entries(this.requestHeaders)
      .filter(([name]) => !isSystemHeader(name) && !routing.some((h) => h.header.key === name))
      .map(([name, value]) => setHeader(name, value));
    this.send(
      requestHeadersResponse({
        ...reply,
        setHeaders: [...routing, setHeader("Content-Length", String(body.length)), ...copied],
      }),
    );
    if (body.length > 0 || this.requestChunks.length > 0) this.streamBack("request_body", body, true);
  }

  private onResponseHeaders(headers: Record<string, string>, endOfStream: boolean): void {
    if ((headers["content-type"] ?? "").includes("text/event-stream")) this.streamingResponse = true;
    const added: Record<string, string> = { [WENT_INTO_RESPONSE_HEADER]: "true" };
    if (this.decision) {
      for (const plugin of this.parts.responseHeaderPlugins())
        plugin.onResponseHeaders(this.decision.request, this.decision.target, added);
    }
    this.send(responseHeadersResponse({ setHeaders: Object.entries(added).map(([k, v]) => setHeader(k, v)) }));
    if (endOfStream) this.finish();
  }

  private onResponseBody(chunk: Buffer, endOfStream: boolean): void {
    this.responseBytes += chunk.length;
    this.responseTail = (this.responseTail + chunk.toString("utf8")).slice(-65_536);
    if (this.responseExchange === "one-reply-per-message") {
      this.send(responseBodyResponse());
    } else if (this.streamingResponse) {
      this.send(streamedBodyChunk("response_body", chunk, endOfStream));
    } else {
      this.responseChunks.push(chunk);
      if (endOfStream) this.streamBack("response_body", Buffer.concat(this.responseChunks), true);
    }
    if (endOfStream) this.finish();
  }

  /** A body sent back in FULL_DUPLEX_STREAMED chunks of at most 62,000 bytes. */
  private streamBack(phase: "request_body" | "response_body", body: Buffer, endOfStream: boolean): void {
    if (body.length === 0) {
      this.send(streamedBodyChunk(phase, body, endOfStream));
      return;
    }
    for (let offset = 0; offset < body.length; offset += MAX_CHUNK_BYTES) {
      const last = offset + MAX_CHUNK_BYTES >= body.length;
      this.send(streamedBodyChunk(phase, body.subarray(offset, offset + MAX_CHUNK_BYTES), endOfStream && last));
    }
  }

  private fail(error: InferenceError, model: string): void {
    this.parts.metrics.requestErrors.inc({ model_name: model, target_model_name: model, error_code: error.code });
    this.parts.log.verbose(2, "ext-proc", "Request failed", {
      "x-request-id": this.requestId,
      code: error.code,
      error: error.message,
    });
    this.send(error.toResponse());
    this.closed = true;
    this.call.end();
  }

  /** The response is complete: record its metrics once. */
  private finish(): void {
    if (this.finished || !this.decision) return;
    this.finished = true;
    const model = this.decision.request.targetModel;
    const labels = { model_name: model, target_model_name: model };
    const { metrics } = this.parts;
    metrics.requestDuration.observe(labels, (this.parts.clock.monotonicNow() - this.startedAt) / 1000);
    metrics.responseSizes.observe(labels, this.responseBytes);
    const usage = usageFrom(this.responseTail);
    if (usage) {
      metrics.inputTokens.observe(labels, usage.prompt_tokens);
      metrics.outputTokens.observe(labels, usage.completion_tokens);
    }
    metrics.runningRequests.dec({ model_name: model });
  }

  private send(response: ProcessingResponse): void {
    if (!this.closed) this.call.write(response);
  }

  private close(): void {
    if (this.decision && !this.finished) {
      this.finished = true;
      this.parts.metrics.runningRequests.dec({ model_name: this.decision.request.targetModel });
    }
    if (!this.closed) {
      this.closed = true;
      this.call.end();
    }
  }
}

function exchangeFor(mode: BodySendMode): Exchange {
  return mode === "FULL_DUPLEX_STREAMED" ? "full-duplex" : "one-reply-per-message";
}

function asBuffer(bytes: Buffer | Uint8Array | undefined): Buffer {
  if (!bytes) return Buffer.alloc(0);
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
}

/** Envoy's subset hint: the endpoints the gateway allows for this request. */
function subsetHintFrom(metadata: Metadata | undefined): string[] | undefined {
  const namespace = metadata?.filter_metadata?.[SUBSET_HINT_NAMESPACE];
  if (!namespace) return undefined;
  const value = fromStruct(namespace)[SUBSET_HINT_KEY];
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === "string") return value.split(",").map((s) => s.trim());
  return undefined;
}

/** Token usage from a JSON response or the usage chunk of an SSE stream. */
function usageFrom(text: string): { prompt_tokens: number; completion_tokens: number } | undefined {
  const candidates = text.includes("data: ")
    ? text
        .split("\n")
        .filter((line) => line.startsWith("data: {"))
        .map((line) => line.slice(6))
    : [text];
  for (const candidate of candidates.reverse()) {
    if (!candidate.includes('"usage"')) continue;
    try {
      const usage = (JSON.parse(candidate) as { usage?: { prompt_tokens?: number; completion_tokens?: number } }).usage;
      if (usage && typeof usage.prompt_tokens === "number") {
        return { prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens ?? 0 };
      }
    } catch {
      // a truncated tail; no usage to record
    }
  }
  return undefined;
}
