// envoy.filters.http.ext_proc for one request: the shared client-side exchange (@testbed/epp-client)
// plugged into the gateway's filter chain, with Envoy's failure_mode_allow policy and stats.
import {
  CHUNK_BYTES,
  DEFAULT_BUFFER_LIMIT_BYTES,
  type ExchangeSettings,
  ProcessorFailure,
  ProcessorStream,
  RequestExchange,
  ResponseExchange,
} from "@testbed/epp-client/client";
import type {
  FilterContext,
  FilterRun,
  PhaseOutcome,
  RequestState,
  ResponseBodySource,
} from "../filters/http-filter.js";
import { UpstreamResetError } from "../filters/http-filter.js";
import type { EffectiveExtProc } from "./ext-proc-merge.js";
import type { ExtProcStats } from "./ext-proc-stats.js";
import { openProcessorConnection } from "./processor-connection.js";

const CONTINUE: PhaseOutcome = { action: "continue" };

/**
 * One request's run through the ext_proc filter, with Envoy's semantics for every mode (the body
 * modes live in the exchange: RequestExchange, ResponseExchange):
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
export class ExtProcFilterRun implements FilterRun {
  private readonly stream: ProcessorStream;
  private readonly request: RequestExchange;
  private readonly response: ResponseExchange;
  private readonly settings: ExchangeSettings;

  constructor(
    private readonly config: EffectiveExtProc,
    context: Pick<FilterContext, "grpc" | "clock">,
    private readonly stats: ExtProcStats,
    /** Envoy's buffer limit (per_connection_buffer_limit_bytes, 1 MiB by default): BUFFERED bodies above it get 413. */
    bufferLimitBytes = DEFAULT_BUFFER_LIMIT_BYTES,
  ) {
    const count = (name: Parameters<ExchangeSettings["count"]>[0]) => stats.inc(name);
    this.settings = {
      mode: { ...config.mode },
      allowModeOverride: config.allowModeOverride,
      receivingNamespaces: config.receivingNamespaces,
      bufferLimitBytes,
      chunkBytes: CHUNK_BYTES,
      count,
    };
    const clusterName = config.clusterName ?? "";
    this.stream = new ProcessorStream({
      open: () => openProcessorConnection(clusterName, context.grpc(clusterName), stats),
      clock: context.clock,
      messageTimeoutMs: config.messageTimeoutSeconds * 1000,
      // Current Envoy tells the processor the body modes on the first message of every stream.
      protocolConfig: () => ({
        request_body_mode: this.settings.mode.request_body_mode,
        response_body_mode: this.settings.mode.response_body_mode,
      }),
      count,
    });
    this.request = new RequestExchange(this.stream, this.settings);
    this.response = new ResponseExchange(this.stream, this.settings, (error) => this.failMidResponse(error));
  }

  get active(): boolean {
    return this.config.enabled && this.stream.state !== "Failed";
  }

  async requestPhase(state: RequestState): Promise<PhaseOutcome> {
    if (!this.config.enabled) return CONTINUE;
    try {
      return await this.request.run(state);
    } catch (error) {
      return this.fail(error);
    }
  }

  /** Response headers through the processor; mutates `headers` in place. */
  async responseHeaders(
    headers: Record<string, string>,
    endOfStream: boolean,
    body?: ResponseBodySource,
  ): Promise<PhaseOutcome> {
    if (!this.active || this.settings.mode.response_header_mode !== "SEND") return CONTINUE;
    try {
      return await this.response.headers(headers, endOfStream, body);
    } catch (error) {
      if (this.response.upstreamError) {
        // The upstream broke, not the processor: leave the stream and let the router reset the client.
        this.stream.detach();
        throw new UpstreamResetError(String(this.response.upstreamError));
      }
      const outcome = this.fail(error);
      if (outcome.action === "reply") this.response.discardBody();
      return outcome;
    }
  }

  /** Whether the response body must pass through this filter (also once the exchange pumps it). */
  get processesResponseBody(): boolean {
    return this.response.pumping || (this.active && this.settings.mode.response_body_mode !== "NONE");
  }

  responseBody(chunks: AsyncIterable<Buffer>, write: (chunk: Buffer) => void, contentLength?: number): Promise<void> {
    return this.response.body(chunks, write, contentLength);
  }

  /**
   * The HTTP exchange is over: close the stream as Envoy does, half-close then reset (see
   * resetUnlessClosedWithin), so a processor that never ends its side does not keep it open.
   */
  complete(): void {
    if (this.stream.complete()) this.stats.inc("streams_closed");
  }

  private fail(error: unknown): PhaseOutcome {
    const failure = ProcessorFailure.of(error);
    this.stream.fail();
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
