// envoy.filters.http.ext_authz over gRPC, as Kuadrant's AuthPolicy configures it in front of a route.
import {
  authorizationService,
  fromStruct,
  type HeaderValueOption,
  headerValueText,
  httpStatusNumber,
} from "@testbed/protocol";
import { hopStart } from "@testbed/trace";
import type { HttpFilter } from "../config/envoy-types.js";
import type { FilterRegistration } from "../filters/filter-registry.js";
import { clusterOf, timeoutOf } from "../filters/grpc-service-config.js";
import {
  CONTINUE,
  type FilterContext,
  type FilterRun,
  type HttpFilterFactory,
  type PhaseOutcome,
  type RequestState,
} from "../filters/http-filter.js";
import { lazyMethod } from "../grpc/envoy-grpc-stream.js";
import { recordExtAuthz } from "../trace/gateway-trace.js";

export const EXT_AUTHZ_FILTER_NAME = "envoy.filters.http.ext_authz";
export const EXT_AUTHZ_METADATA_NAMESPACE = "envoy.filters.http.ext_authz";

export interface ExtAuthzConfig {
  clusterName: string;
  timeoutMs: number;
  failureModeAllow: boolean;
  statusOnError: number;
  /** with_request_body: buffer the body and send it in the Check; absent = decide on the headers alone. */
  withRequestBody?: { maxRequestBytes: number; allowPartialMessage: boolean; packAsBytes: boolean };
}

/** Envoy's header telling the authorization service whether the body it got was cut at max_request_bytes. */
const PARTIAL_BODY_HEADER = "x-envoy-auth-partial-body";

interface CheckResponse {
  status?: { code?: number; message?: string };
  denied_response?: { status?: { code?: string | number }; headers?: HeaderValueOption[]; body?: string };
  ok_response?: { headers?: HeaderValueOption[]; headers_to_remove?: string[] };
  dynamic_metadata?: Parameters<typeof fromStruct>[0];
}

/** Read an http_filters entry's ExtAuthz (gRPC service; Envoy's defaults: 200 ms, fail closed with 403). */
export function readExtAuthz(filter: HttpFilter, path: string): ExtAuthzConfig {
  const typed = (filter.typed_config ?? {}) as Record<string, unknown>;
  return {
    clusterName: clusterOf(typed.grpc_service, `${path}.typed_config.grpc_service`),
    timeoutMs: timeoutOf(typed.grpc_service, 0.2, `${path}.typed_config.grpc_service.timeout`),
    failureModeAllow: typed.failure_mode_allow === true,
    statusOnError: Number((typed.status_on_error as { code?: number } | undefined)?.code ?? 403),
    ...readWithRequestBody(typed.with_request_body),
  };
}

function readWithRequestBody(value: unknown): Pick<ExtAuthzConfig, "withRequestBody"> {
  if (value === undefined || value === null) return {};
  const body = value as { max_request_bytes?: unknown; allow_partial_message?: unknown; pack_as_bytes?: unknown };
  return {
    withRequestBody: {
      maxRequestBytes: Number(body.max_request_bytes ?? 0),
      allowPartialMessage: body.allow_partial_message === true,
      packAsBytes: body.pack_as_bytes === true,
    },
  };
}

/**
 * envoy.filters.http.ext_authz over gRPC (what Kuadrant's AuthPolicy puts in front of a route,
 * answered by Authorino): ask Check; on OK add its headers and keep its dynamic metadata for the
 * filters after; on a denial answer the client with the denial's status, headers and body (UAEX);
 * if the service cannot be reached, fail open or answer 403 (UAEX), per failure_mode_allow.
 */
export class ExtAuthzFilterFactory implements HttpFilterFactory {
  readonly name = EXT_AUTHZ_FILTER_NAME;

  constructor(readonly config: ExtAuthzConfig) {}

  create(context: FilterContext): FilterRun | undefined {
    const perRoute = context.route.typed_per_filter_config?.[EXT_AUTHZ_FILTER_NAME] as
      | { disabled?: boolean; check_settings?: { context_extensions?: Record<string, string> } }
      | undefined;
    if (perRoute?.disabled) return undefined;
    return {
      needsRequestBody: this.config.withRequestBody !== undefined,
      requestPhase: (state) => {
        const extensions = perRoute?.check_settings?.context_extensions ?? {};
        return context.trace ? this.tracedCheck(context, state, extensions) : this.check(context, state, extensions);
      },
    };
  }

  private async check(
    context: FilterContext,
    state: RequestState,
    contextExtensions: Record<string, string>,
  ): Promise<PhaseOutcome> {
    const tooLarge = this.overBodyLimit(state);
    if (tooLarge) return tooLarge;
    const client = context.grpc(this.config.clusterName);
    if (!client) return this.onError();
    const headers = state.headers;
    const request = {
      attributes: {
        source: { principal: "", service: "" },
        request: {
          http: {
            id: headers["x-request-id"] ?? "",
            method: headers[":method"] ?? "GET",
            headers: this.headersForCheck(headers, state.body),
            path: headers[":path"] ?? "/",
            host: headers[":authority"] ?? "",
            scheme: headers[":scheme"] ?? "http",
            protocol: "HTTP/1.1",
            size: String(state.body?.length ?? 0),
            ...this.bodyForCheck(state.body),
          },
        },
        context_extensions: contextExtensions,
      },
    };
    let response: CheckResponse;
    try {
      response = await client.unary(authorizationCheck(), request, this.config.timeoutMs);
    } catch {
      return this.onError();
    }
    if ((response.status?.code ?? 0) !== 0) {
      const denied = response.denied_response ?? {};
      const replyHeaders: Record<string, string> = {};
      for (const option of denied.headers ?? [])
        replyHeaders[option.header.key.toLowerCase()] = headerValueText(option.header);
      return {
        action: "reply",
        reply: {
          status: httpStatusNumber(denied.status?.code) || 403,
          body: denied.body ?? "",
          headers: replyHeaders,
          details: "ext_authz_denied",
          flags: ["UAEX"],
        },
      };
    }
    for (const option of response.ok_response?.headers ?? [])
      headers[option.header.key.toLowerCase()] = headerValueText(option.header);
    for (const name of response.ok_response?.headers_to_remove ?? []) delete headers[name.toLowerCase()];
    if (response.dynamic_metadata) state.metadata[EXT_AUTHZ_METADATA_NAMESPACE] = fromStruct(response.dynamic_metadata);
    return CONTINUE;
  }

  /** check(), and its decision in the routing trace (only while tracing: an untraced request pays nothing). */
  private async tracedCheck(
    context: FilterContext,
    state: RequestState,
    contextExtensions: Record<string, string>,
  ): Promise<PhaseOutcome> {
    const start = hopStart(context.clock);
    const outcome = await this.check(context, state, contextExtensions);
    if (context.trace) {
      const { clusterName: cluster, failureModeAllow } = this.config;
      const metadata = state.metadata[EXT_AUTHZ_METADATA_NAMESPACE];
      recordExtAuthz(context.trace, context.clock, start, context.trace.component, {
        cluster,
        failureModeAllow,
        outcome,
        metadata,
      });
    }
    return outcome;
  }

  /**
   * Without allow_partial_message the filter caps the request's buffer at max_request_bytes; a body
   * over it ends in Envoy's buffer-overflow local reply, 413 "Payload Too Large", before any Check.
   */
  private overBodyLimit(state: RequestState): PhaseOutcome | undefined {
    const limits = this.config.withRequestBody;
    if (!limits || limits.allowPartialMessage || (state.body?.length ?? 0) <= limits.maxRequestBytes) return undefined;
    return {
      action: "reply",
      reply: { status: 413, body: "Payload Too Large", details: "request_payload_too_large" },
    };
  }

  /** The body the Check carries: up to max_request_bytes, as `body` (UTF-8) or `raw_body` (pack_as_bytes). */
  private bodyForCheck(body: Buffer | null): Record<string, string | Buffer> {
    const limits = this.config.withRequestBody;
    if (!limits || limits.maxRequestBytes <= 0 || !body) return {};
    const sent = body.subarray(0, limits.maxRequestBytes);
    return limits.packAsBytes ? { raw_body: sent } : { body: sent.toString("utf8") };
  }

  /** The request headers, plus x-envoy-auth-partial-body when the body is sent (a client's own is dropped). */
  private headersForCheck(headers: Record<string, string>, body: Buffer | null): Record<string, string> {
    const { [PARTIAL_BODY_HEADER]: _clientValue, ...sent } = headers;
    const limits = this.config.withRequestBody;
    if (!limits || limits.maxRequestBytes <= 0 || !body) return sent;
    return { ...sent, [PARTIAL_BODY_HEADER]: String(body.length > limits.maxRequestBytes) };
  }

  private onError(): PhaseOutcome {
    if (this.config.failureModeAllow) return CONTINUE;
    return {
      action: "reply",
      reply: { status: this.config.statusOnError, body: "", details: "ext_authz_error", flags: ["UAEX"] },
    };
  }
}

/** Authorization.Check. */
const authorizationCheck = lazyMethod<unknown, CheckResponse>(() => authorizationService().definition.Check);

export const EXT_AUTHZ_REGISTRATION: FilterRegistration = {
  name: EXT_AUTHZ_FILTER_NAME,
  typeSuffix: ".ExtAuthz",
  build: (filter, setup) => new ExtAuthzFilterFactory(readExtAuthz(filter, setup.path)),
};
