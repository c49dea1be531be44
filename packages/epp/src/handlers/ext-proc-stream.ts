// One ext_proc stream of the Endpoint Picker: the request and response phases of one HTTP request
// through Envoy, answered message for message as the real EPP answers them.
import { randomUUID } from "node:crypto";
import type { Clock } from "@testbed/common";
import {
  type BodySendMode,
  bytesAsBuffer,
  DESTINATION_HEADER,
  fromStruct,
  type HeaderValueOption,
  headerMapToRecord,
  immediateResponse,
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
  streamedBodyChunk,
  toStruct,
  WENT_INTO_RESPONSE_HEADER,
} from "@testbed/protocol";
import type { EmulatedVersion } from "../emulation/emulated-version.js";
import type { EppLogger } from "../epp-log.js";
import type { EppMetrics } from "../metrics/epp-metrics.js";
import type { ResponseHeadersPlugin } from "../scheduling/framework.js";
import type { BodyBudget } from "./body-budget.js";
import { eppHeader, isSystemOwnedHeader } from "./epp-headers.js";
import { InferenceError } from "./inference-error.js";
import { upstreamBody } from "./request-body.js";
import { isInferenceError, type RequestRouter, type RoutingDecision } from "./request-router.js";
import { responseBodyBack } from "./response-body.js";
import { usageFrom } from "./response-usage.js";

/** How a direction's messages are answered: all at once after the body (full duplex), or one by one. */
type Exchange = "full-duplex" | "one-reply-per-message";

export interface StreamParts {
  router: RequestRouter;
  metrics: EppMetrics;
  log: EppLogger;
  version: EmulatedVersion;
  /** The version's control headers (emulated-version.ts controlHeaders), never copied back. */
  controlHeaders: ReadonlySet<string>;
  budget: BodyBudget;
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

/** Model names of a routed request: the client's (model_name) and the one sent upstream (target_model_name). */
interface Routed {
  decision: RoutingDecision;
  clientModel: string;
  priority: number;
}

/**
 * One ext_proc stream (= one HTTP request through Envoy), answered the way the real EPP answers.
 *
 * FULL_DUPLEX_STREAMED (the real EPP's only mode since GIE v0.4): nothing is answered until the
 * whole request body has arrived; then a request_headers response carrying the routing header,
 * Content-Length, the request's own headers, `envoy.lb` metadata and clear_route_cache, followed by
 * the body (re-encoded or as sent, per the emulated version) in chunks of at most 62,000 bytes.
 * A request without a body (end_of_stream on its headers) is routed at once to a random endpoint.
 * The subset hint is read from the message that completes the request, as every released EPP does.
 *
 * BUFFERED (GIE before v0.4), or STREAMED set with --ext-proc-body-mode: every message gets exactly
 * one answer; the routing header and metadata ride on the answer to the last request_body message.
 */
export class ExtProcStream {
  private exchange: Exchange | undefined;
  /** The response direction may use another body mode than the request (Envoy sends both in protocol_config). */
  private responseExchange: Exchange | undefined;
  private requestHeaders: Record<string, string> = {};
  private requestId = "";
  private readonly requestChunks: Buffer[] = [];
  private requestHeld = 0;
  private routed: Routed | undefined;
  private streamingResponse = false;
  private readonly responseChunks: Buffer[] = [];
  private responseHeld = 0;
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
    this.exchange ??= exchangeFor(message.protocol_config?.request_body_mode, this.parts.defaultBodyMode);
    this.responseExchange ??= exchangeFor(message.protocol_config?.response_body_mode, this.parts.defaultBodyMode);
    this.parts.log.v(4)?.info("ext-proc", "Received message", {
      phase: message.request,
      "x-request-id": this.requestId,
    });
    switch (message.request) {
      case "request_headers":
        this.onRequestHeaders(message);
        return;
      case "request_body":
        this.onRequestBody(
          bytesAsBuffer(message.request_body?.body),
          message.request_body?.end_of_stream === true,
          message.metadata_context,
        );
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
        this.onResponseBody(bytesAsBuffer(message.response_body?.body), message.response_body?.end_of_stream === true);
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
    if (message.request_headers?.end_of_stream) {
      this.routeWithoutBody();
      return;
    }
    this.requestHeaders = headerMapToRecord(message.request_headers?.headers);
    this.ensureRequestId();
    if (this.exchange === "one-reply-per-message") this.send(requestHeadersResponse());
  }

  /** The real EPP generates a missing x-request-id and, as a request header, it is copied back. */
  private ensureRequestId(): void {
    if (this.requestId) return;
    const sent = this.requestHeaders[REQUEST_ID_HEADER];
    this.requestId = sent || randomUUID();
    if (!sent) this.requestHeaders[REQUEST_ID_HEADER] = this.requestId;
  }

  private onRequestBody(chunk: Buffer, endOfStream: boolean, metadata: Metadata | undefined): void {
    this.ensureRequestId();
    if (chunk.length > 0) {
      if (!this.parts.budget.take(this.requestHeld, chunk.length)) {
        this.refuseTooLarge();
        return;
      }
      this.requestHeld += chunk.length;
      this.requestChunks.push(chunk);
    }
    if (!endOfStream) {
      if (this.exchange === "one-reply-per-message") this.send(requestBodyResponse());
      return;
    }
    const body = Buffer.concat(this.requestChunks);
    this.releaseRequest();
    this.routeAndAnswer(body, subsetHintFrom(metadata));
  }

  /** GIE's fallbackToRandomEndpoint: no body to parse, so any ready endpoint; only the routing header is set. */
  private routeWithoutBody(): void {
    const endpoint = this.parts.router.randomEndpoint();
    if (isInferenceError(endpoint)) {
      this.fail(endpoint, "");
      return;
    }
    const destination = `${endpoint.address}:${endpoint.port}`;
    this.send(
      requestHeadersResponse({
        clearRouteCache: true,
        setHeaders: [eppHeader(DESTINATION_HEADER, destination)],
        dynamicMetadata: destinationMetadata(destination),
      }),
    );
  }

  private routeAndAnswer(body: Buffer, subsetHint: string[] | undefined): void {
    const { router, metrics, version } = this.parts;
    const parsed = router.parse(this.requestHeaders, body, this.requestId);
    if (isInferenceError(parsed)) {
      this.fail(parsed, "");
      return;
    }
    const { request, clientModel } = parsed;
    const priority = 0;
    const labels = this.labels(clientModel, request.targetModel);
    // Labels in Prometheus's (sorted) order, as the Go client prints them.
    const counted = { model_name: clientModel, priority: String(priority), target_model_name: request.targetModel };
    metrics.requests.inc(version.priorityLabel ? counted : labels);
    metrics.requestSizes.observe(labels, body.length);
    const decision = router.route(request, subsetHint, clientModel);
    if (isInferenceError(decision)) {
      this.fail(decision, clientModel, request.targetModel);
      return;
    }
    this.routed = { decision, clientModel, priority };
    metrics.runningRequests.inc({ model_name: clientModel });
    this.streamingResponse = request.body.stream === true;

    const forwarded = upstreamBody(version, body, request.body, clientModel, request.targetModel, priority);
    const routing: HeaderValueOption[] = [eppHeader(DESTINATION_HEADER, decision.destination)];
    for (const [name, value] of Object.entries(decision.headers)) routing.push(eppHeader(name, value));
    const reply = { clearRouteCache: true, dynamicMetadata: destinationMetadata(decision.destination) };
    if (this.exchange === "one-reply-per-message") {
      // The older exchange: routing rides on the answer to the message that completed the request.
      this.send(requestBodyResponse({ ...reply, setHeaders: routing }));
      return;
    }
    // The routing headers, Content-Length, then the request's own headers the EPP does not own.
    const setHeaders = routing.slice();
    if (forwarded.length > 0) setHeaders.push(eppHeader("Content-Length", String(forwarded.length)));
    const control = this.parts.controlHeaders;
    for (const name of Object.keys(this.requestHeaders)) {
      if (isSystemOwnedHeader(name, control) || routing.some((h) => h.header.key === name)) continue;
      setHeaders.push(eppHeader(name, this.requestHeaders[name] as string));
    }
    this.send(requestHeadersResponse({ ...reply, setHeaders }));
    this.streamBack("request_body", forwarded);
  }

  private onResponseHeaders(headers: Record<string, string>, endOfStream: boolean): void {
    if ((headers["content-type"] ?? "").includes("text/event-stream")) this.streamingResponse = true;
    const added: Record<string, string> = { [WENT_INTO_RESPONSE_HEADER]: "true" };
    const decision = this.routed?.decision;
    if (decision) {
      for (const plugin of this.parts.responseHeaderPlugins())
        plugin.onResponseHeaders(decision.request, decision.target, added);
    }
    // The real EPP copies every response header back beside its own (response.go, generateResponseHeaders).
    const echoed = Object.entries(headers).filter(([name]) => !(name in added));
    const setHeaders = [...Object.entries(added), ...echoed].map(([k, v]) => eppHeader(k, v));
    this.send(responseHeadersResponse({ setHeaders }));
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
      if (!this.parts.budget.take(this.responseHeld, chunk.length)) {
        this.refuseTooLarge();
        return;
      }
      this.responseHeld += chunk.length;
      this.responseChunks.push(chunk);
      if (endOfStream) {
        const body = Buffer.concat(this.responseChunks);
        this.releaseResponse();
        const routed = this.routed;
        const models = routed ? { client: routed.clientModel, target: routed.decision.request.targetModel } : undefined;
        this.streamBack("response_body", responseBodyBack(this.parts.version, body, models));
      }
    }
    if (endOfStream) this.finish();
  }

  /** A body sent back in FULL_DUPLEX_STREAMED chunks of at most 62,000 bytes, end_of_stream on the last. */
  private streamBack(phase: "request_body" | "response_body", body: Buffer): void {
    if (body.length === 0) {
      this.send(streamedBodyChunk(phase, body, true));
      return;
    }
    for (let offset = 0; offset < body.length; offset += MAX_CHUNK_BYTES) {
      const last = offset + MAX_CHUNK_BYTES >= body.length;
      this.send(streamedBodyChunk(phase, body.subarray(offset, offset + MAX_CHUNK_BYTES), last));
    }
  }

  private labels(model: string, target: string) {
    return { model_name: model, target_model_name: target };
  }

  /** Over the body budget: Envoy's own answer to a body over its buffer limit, 413, and the stream ends. */
  private refuseTooLarge(): void {
    this.parts.log.v(2)?.info("ext-proc", "Request body over the buffer limit", {
      "x-request-id": this.requestId,
      perStreamLimit: this.parts.budget.perStreamLimit,
      totalLimit: this.parts.budget.totalLimit,
    });
    this.releaseRequest();
    this.releaseResponse();
    this.send(immediateResponse(413, "Payload Too Large"));
    this.closed = true;
    this.call.end();
  }

  private releaseRequest(): void {
    this.parts.budget.give(this.requestHeld);
    this.requestHeld = 0;
    this.requestChunks.length = 0;
  }

  private releaseResponse(): void {
    this.parts.budget.give(this.responseHeld);
    this.responseHeld = 0;
    this.responseChunks.length = 0;
  }

  private fail(error: InferenceError, model: string, target = model): void {
    this.parts.metrics.requestErrors.inc({ model_name: model, target_model_name: target, error_code: error.code });
    this.parts.log.v(2)?.info("ext-proc", "Request failed", {
      "x-request-id": this.requestId,
      code: error.code,
      error: error.message,
    });
    this.send(error.toResponse(this.parts.version));
    this.releaseRequest();
    this.releaseResponse();
    this.closed = true;
    this.call.end();
  }

  /** The response is complete: record its metrics once (with empty model labels when no request phase was seen). */
  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    const model = this.routed?.clientModel ?? "";
    const labels = this.labels(model, this.routed?.decision.request.targetModel ?? "");
    const { metrics } = this.parts;
    const usage = usageFrom(this.responseTail);
    if (usage) {
      metrics.inputTokens.observe(labels, usage.prompt_tokens);
      metrics.outputTokens.observe(labels, usage.completion_tokens);
    }
    if (!this.routed) return;
    metrics.requestDuration.observe(labels, (this.parts.clock.monotonicNow() - this.startedAt) / 1000);
    metrics.responseSizes.observe(labels, this.responseBytes);
    metrics.runningRequests.dec({ model_name: model });
  }

  private send(response: ProcessingResponse): void {
    if (!this.closed) this.call.write(response);
  }

  private close(): void {
    this.releaseRequest();
    this.releaseResponse();
    if (this.routed && !this.finished) {
      this.finished = true;
      this.parts.metrics.runningRequests.dec({ model_name: this.routed.clientModel });
    }
    if (!this.closed) {
      this.closed = true;
      this.call.end();
    }
  }
}

/**
 * The exchange a stream speaks. GIE's StreamingServer (v0.4 on, every version `--emulate` offers)
 * never reads protocol_config: it answers full-duplex style whatever Envoy reports — which matters
 * because Envoy 1.34 reports the BASE filter's body modes, e.g. the seed's HTTP_FILTER patch's
 * STREAMED while the pool route's override runs FULL_DUPLEX_STREAMED. Only a BUFFERED report picks
 * the older buffered exchange (GIE before v0.4, deployed with a BUFFERED filter); with no report the
 * testbed-only `--ext-proc-body-mode` decides.
 */
function exchangeFor(reported: BodySendMode | undefined, fallback: BodySendMode): Exchange {
  if (reported === undefined) return fallback === "FULL_DUPLEX_STREAMED" ? "full-duplex" : "one-reply-per-message";
  return reported === "BUFFERED" || reported === "BUFFERED_PARTIAL" ? "one-reply-per-message" : "full-duplex";
}

function destinationMetadata(destination: string) {
  return toStruct({ [LB_METADATA_NAMESPACE]: { [DESTINATION_HEADER]: destination } });
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
