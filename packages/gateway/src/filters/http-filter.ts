import type { Route } from "../config/envoy-types.js";
import type { LocalReply, PhaseOutcome, RequestState } from "../ext-proc/ext-proc-filter.js";
import type { GatewayRuntime } from "../gateway-runtime.js";

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
 * An HTTP filter in the connection manager's chain, as the gateway runs it: a factory per
 * http_filters entry (made once per config), and a run per request. The request phase runs in
 * chain order before the router; response phases run in reverse order, as Envoy's encoder filters do.
 * ext_authz → ratelimit → ext_proc is the chain a Kuadrant-protected InferencePool route sees.
 */
export interface FilterRun {
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

export interface FilterContext {
  runtime: GatewayRuntime;
  route: Route;
  routeName: string;
  downstream: { remoteAddress: string; localAddress: string; tls: boolean };
}

export interface HttpFilterFactory {
  readonly name: string;
  create(context: FilterContext): FilterRun | undefined;
}

export type { LocalReply, PhaseOutcome, RequestState };
