// envoy.filters.http.ext_proc for one request: the shared client-side exchange (@testbed/epp-client)
// plugged into the gateway's filter chain, with Envoy's failure handling and stats.
import {
  CHUNK_BYTES,
  DEFAULT_BUFFER_LIMIT_BYTES,
  type ExchangeSettings,
  errorReply,
  ProcessorFailure,
  ProcessorStream,
  RequestExchange,
  ResponseExchange,
} from "@testbed/epp-client/client";
import { toStruct } from "@testbed/protocol";
import { hopStart } from "@testbed/trace";
import type { ExternalProcessorConfig } from "../config/envoy-types.js";
import { type EnvoyVersion, envoyAtLeast } from "../envoy-version.js";
import type {
  FilterContext,
  FilterRun,
  PhaseOutcome,
  RequestState,
  ResponseBodySource,
} from "../filters/http-filter.js";
import { CONTINUE, UpstreamResetError } from "../filters/http-filter.js";
import { recordExtProc } from "../trace/gateway-trace.js";
import { evaluateAttributes } from "./ext-proc-attributes.js";
import type { EffectiveExtProc } from "./ext-proc-merge.js";
import type { ExtProcStats } from "./ext-proc-stats.js";
import { openProcessorConnection } from "./processor-connection.js";
import { protocolConfiguration } from "./protocol-config.js";

type RunContext = Pick<FilterContext, "grpc" | "clock"> &
  Partial<Pick<FilterContext, "downstream" | "routeName" | "trace">>;

/**
 * One request's run through the ext_proc filter, with Envoy's semantics for every mode (the body
 * modes live in the exchange: RequestExchange, ResponseExchange) and its failure handling
 * (ext_proc.cc onGrpcError, onGrpcClose, onMessageTimeout, onReceiveMessage):
 *
 * - a gRPC error: streams_failed; fail open (failure_mode_allow) closes the stream
 *   (streams_closed, failure_mode_allowed) and goes on with whatever body is still held; fail
 *   closed answers 500 (status_on_error from 1.36) `ext_proc_error_gRPC_error_<code>{<message>}`.
 * - From Envoy 1.36 a FULL_DUPLEX_STREAMED direction that has received body can no longer fail
 *   open (Filter::failureModeAllow, envoyproxy/envoy#41276): the body is in the stream.
 * - the processor closing the stream with OK: streams_closed, go on without it.
 * - a message timeout: message_timeouts; 504 `ext_proc_error_per-message_timeout_exceeded` or fail
 *   open. There is no message timer in FULL_DUPLEX_STREAMED.
 * - a spurious answer: spurious_msgs_received; from 1.35 it fails closed (500 `spurious_message`)
 *   unless failure_mode_allow (runtime guard ext_proc_fail_close_spurious_resp, envoyproxy/envoy#39994);
 *   in 1.34 the stream is always closed and processing goes on.
 */
export class ExtProcFilterRun implements FilterRun {
  private readonly stream: ProcessorStream;
  private readonly response: ResponseExchange;
  private readonly settings: ExchangeSettings;
  private readonly version: EnvoyVersion;
  private requestState: RequestState | undefined;

  constructor(
    private readonly config: EffectiveExtProc,
    private readonly context: RunContext,
    private readonly stats: ExtProcStats,
    /** The filter's own ExternalProcessor: what a route cannot override (rules, timeouts, attributes). */
    private readonly base: ExternalProcessorConfig,
  ) {
    this.version = config.envoyVersion;
    const rules = this.base.mutation_rules;
    this.settings = {
      mode: { ...config.mode },
      allowModeOverride: config.allowModeOverride,
      configuredMode: config.baseMode,
      allowedOverrideModes: this.base.allowed_override_modes ?? [],
      receivingNamespaces: config.receivingNamespaces ?? [],
      ...(rules ? { mutationRules: rules } : {}),
      routeCacheAction: this.base.disable_clear_route_cache ? "RETAIN" : (this.base.route_cache_action ?? "DEFAULT"),
      dropContentLength: true,
      bufferLimitBytes: DEFAULT_BUFFER_LIMIT_BYTES,
      chunkBytes: CHUNK_BYTES,
      count: stats.inc,
    };
    const clusterName = config.clusterName ?? "";
    this.stream = new ProcessorStream({
      open: () => openProcessorConnection(clusterName, context.grpc(clusterName), stats),
      clock: context.clock,
      messageTimeoutMs: config.messageTimeoutSeconds * 1000,
      maxMessageTimeoutMs: (this.base.max_message_timeout ?? 0) * 1000,
      // Envoy tells the processor the body modes on the first message of every stream.
      protocolConfig: () => protocolConfiguration(config, this.version),
      count: stats.inc,
    });
    this.response = new ResponseExchange(this.stream, this.settings, (error) => this.failMidResponse(error));
  }

  get active(): boolean {
    const state = this.stream.state;
    return this.config.enabled && state !== "Failed" && state !== "Closed";
  }

  async requestPhase(state: RequestState): Promise<PhaseOutcome> {
    const trace = this.context.trace;
    const start = trace && hopStart(this.context.clock);
    const bodyBytesBefore = state.body?.length ?? 0;
    const headersBefore = trace && { ...state.headers };
    let failure: ProcessorFailure | undefined;
    let exchange: RequestExchange | undefined;
    let outcome = CONTINUE;
    if (this.config.enabled) {
      this.requestState = state;
      exchange = new RequestExchange(
        this.stream,
        this.settings,
        this.forwardedMetadata(state),
        this.attributes(this.base.request_attributes, state.headers),
      );
      try {
        outcome = await exchange.run(state);
      } catch (error) {
        failure = ProcessorFailure.of(error);
        outcome = this.fail(error);
      }
    }
    if (trace && start) {
      recordExtProc(trace, this.context.clock, start, trace.component, {
        config: this.config,
        failureModeAllow: this.failureModeAllow,
        bodyBytesBefore,
        bodyBytesAfter: state.body?.length ?? 0,
        bodyMoved: state.bodyMoved === true,
        outcome,
        ...(failure ? { failure: { details: failure.details, kind: failure.kind } } : {}),
        headersSet: changedHeaders(exchange?.setHeaders, headersBefore),
        metadataSet: state.metadata["envoy.lb"],
      });
    }
    return outcome;
  }

  /** Response headers through the processor; mutates `headers` in place. */
  async responseHeaders(
    headers: Record<string, string>,
    endOfStream: boolean,
    body?: ResponseBodySource,
  ): Promise<PhaseOutcome> {
    if (!this.active || this.settings.mode.response_header_mode !== "SEND") return CONTINUE;
    try {
      const attributes = this.attributes(this.base.response_attributes, this.requestState?.headers ?? {}, headers);
      return await this.response.headers(headers, endOfStream, body, attributes);
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

  /** Filter::failureModeAllow: never once a full-duplex direction has moved body (Envoy ≥ 1.36, see the merge). */
  private get failureModeAllow(): boolean {
    const fullDuplexBodySeen = this.requestState?.bodyMoved === true || this.response.pumping;
    if (this.config.failOpenOnlyBeforeFullDuplexBody && fullDuplexBodySeen) return false;
    return this.config.failureModeAllow;
  }

  private fail(error: unknown): PhaseOutcome {
    const failure = ProcessorFailure.of(error);
    switch (failure.kind) {
      case "closed":
        // onGrpcClose: processing is complete; the request goes on without the processor.
        this.stream.endedByProcessor();
        this.stats.inc("streams_closed");
        return CONTINUE;
      case "timeout":
        this.stats.inc("message_timeouts");
        return this.failOpenOrClosed(() => errorReply(504, "ext_proc_error_per-message_timeout_exceeded"));
      case "spurious":
        this.stats.inc("spurious_msgs_received");
        // Before 1.35 a spurious answer always closed the stream and processing went on.
        if (!envoyAtLeast(this.version, "1.35")) return this.failOpen();
        return this.failOpenOrClosed(() => errorReply(this.statusOnError, failure.details));
      case "error":
        this.stats.inc("streams_failed");
        return this.failOpenOrClosed(() =>
          errorReply(this.statusOnError, `ext_proc_error_gRPC_error_${failure.grpcCode}{${failure.details}}`),
        );
    }
  }

  private failOpenOrClosed(reply: () => PhaseOutcome): PhaseOutcome {
    if (this.failureModeAllow) return this.failOpen();
    if (this.stream.closeLocally()) this.stats.inc("streams_closed");
    this.stream.fail();
    return reply();
  }

  /** Fail open: the stream is closed (onGrpcCloseWithStatus / closeStream count it) and the request goes on. */
  private failOpen(): PhaseOutcome {
    this.stats.inc("failure_mode_allowed");
    this.stats.inc("streams_closed");
    this.stream.fail();
    return CONTINUE;
  }

  private get statusOnError(): number {
    return envoyAtLeast(this.version, "1.36") ? (this.base.status_on_error ?? 500) : 500;
  }

  /** A failure once the response is under way: no local reply is possible any more. */
  private failMidResponse(error: unknown): void {
    const outcome = this.fail(error);
    if (outcome.action === "reply") throw error;
  }

  /** metadata_options.forwarding_namespaces: the request's dynamic metadata of those namespaces. */
  private forwardedMetadata(state: RequestState) {
    const forwarded = this.config.forwardingNamespaces.filter((namespace) => state.metadata[namespace] !== undefined);
    if (forwarded.length === 0) return undefined;
    return {
      filter_metadata: Object.fromEntries(
        forwarded.map((namespace) => [namespace, toStruct(state.metadata[namespace] ?? {})]),
      ),
    };
  }

  /** request_attributes / response_attributes evaluated for this request (response headers once they exist). */
  private attributes(
    names: string[] | undefined,
    requestHeaders: Record<string, string>,
    responseHeaders?: Record<string, string>,
  ) {
    return evaluateAttributes(names, {
      requestHeaders,
      ...(responseHeaders ? { responseHeaders } : {}),
      downstream: this.context.downstream ?? { remoteAddress: "", localAddress: "", tls: false },
      routeName: this.context.routeName ?? "",
    });
  }
}

/** The headers the processor added or changed (an FDS processor may echo every header back unchanged). */
function changedHeaders(
  set: Record<string, string> | undefined,
  before: Record<string, string> | undefined,
): Record<string, string> {
  const changed: Record<string, string> = {};
  for (const [name, value] of Object.entries(set ?? {})) if (before?.[name] !== value) changed[name] = value;
  return changed;
}
