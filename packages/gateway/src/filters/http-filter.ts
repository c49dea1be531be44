// The gateway's HTTP filter contract: what a filter in the connection manager's chain is given,
// what it returns, and how its request and response phases are run.
import type { Clock } from "@testbed/common";
import type { ExchangeReply, ExchangeRequest } from "@testbed/epp-client/client";
import type { PartRecorder } from "@testbed/trace";
import type { Route } from "../config/envoy-types.js";
import type { GrpcClusterClient } from "../grpc/grpc-cluster-client.js";

/**
 * One request on its way through the filters to the router: headers, the body (null once a
 * full-duplex ext_proc stream drained it), dynamic metadata by namespace (ext_proc's `envoy.lb`,
 * ext_authz's) and whether routing must match again. The ext_proc exchange works on this very shape.
 */
export type RequestState = ExchangeRequest;

/** The answer a filter sends the client itself instead of going upstream (Envoy's local reply). */
export interface LocalReply extends ExchangeReply {
  /** Response flags for the access log (UAEX, RL, RLSE …). */
  flags?: string[];
}

/** What a filter's phase decided: let the request go on, or answer the client now. */
export type PhaseOutcome = { action: "continue" } | { action: "reply"; reply: LocalReply };

/** The outcome of a phase that lets the request go on: one shared value, no filter changes it. */
export const CONTINUE: PhaseOutcome = { action: "continue" };

/** The upstream response body, offered with the response headers to a filter that streams it early. */
export interface ResponseBodySource {
  chunks: AsyncIterable<Buffer>;
  contentLength?: number | undefined;
  /** Set by the filter that started reading the body: only one may. */
  claimed?: boolean;
}

/** The upstream response broke while a filter held its headers: Envoy resets the client (UC). */
export class UpstreamResetError extends Error {}

/**
 * A filter's run for one request. The request phase runs in chain order before the router;
 * response phases run in reverse order, as Envoy's encoder filters do. ext_authz → ratelimit →
 * ext_proc is the chain a Kuadrant-protected InferencePool route sees.
 */
export interface FilterRun {
  /**
   * False when the request phase decides on the headers alone (ext_authz without with_request_body,
   * ratelimit): the gateway then runs it before reading the body. Default: the body is read first.
   */
  readonly needsRequestBody?: boolean;
  requestPhase(state: RequestState): Promise<PhaseOutcome>;
  responseHeaders?(
    headers: Record<string, string>,
    endOfStream: boolean,
    body?: ResponseBodySource,
  ): Promise<PhaseOutcome>;
  /** True when the response body must pass through this filter. */
  readonly processesResponseBody?: boolean;
  responseBody?(chunks: AsyncIterable<Buffer>, write: (chunk: Buffer) => void, contentLength?: number): Promise<void>;
  /** Each chunk of the response body on its way to the client (filters that count usage read it). */
  observeResponseChunk?(chunk: Buffer): void;
  /** The exchange is over. */
  complete?(outcome: { status: number }): void;
}

/** What a filter may use for one request: its route, the downstream connection, gRPC clients, the clock. */
export interface FilterContext {
  route: Route;
  routeName: string;
  downstream: { remoteAddress: string; localAddress: string; tls: boolean };
  /** gRPC calls to a service cluster of this config (ext_proc, ext_authz, ratelimit); undefined if it has none of that name. */
  grpc(clusterName: string): GrpcClusterClient | undefined;
  clock: Clock;
  /** This request's routing trace, while tracing is on: filters record their decision in it. */
  trace?: PartRecorder | undefined;
}

/** An http_filters entry, made once per config version; create() makes its run for one request. */
export interface HttpFilterFactory {
  readonly name: string;
  /** undefined: the filter has nothing to do on this route. */
  create(context: FilterContext): FilterRun | undefined;
}
