// envoy.filters.http.ratelimit (global rate limiting, answered by Limitador), with Kuadrant's token limits.
import { rateLimitService } from "@testbed/protocol";
import { type HopStart, hopStart } from "@testbed/trace";
import { duration } from "../config/config-reader.js";
import type { HttpFilter } from "../config/envoy-types.js";
import type { FilterRegistration } from "../filters/filter-registry.js";
import { clusterOf } from "../filters/grpc-service-config.js";
import {
  CONTINUE,
  type FilterContext,
  type FilterRun,
  type HttpFilterFactory,
  type PhaseOutcome,
  type RequestState,
} from "../filters/http-filter.js";
import { lazyMethod } from "../grpc/envoy-grpc-stream.js";
import { recordRateLimit } from "../trace/gateway-trace.js";

export const RATE_LIMIT_FILTER_NAME = "envoy.filters.http.ratelimit";

export interface RateLimitConfig {
  domain: string;
  clusterName: string;
  timeoutMs: number;
  failureModeDeny: boolean;
}

/** Read an http_filters entry's RateLimit (Envoy's defaults: 20 ms, fail open). */
export function readRateLimit(filter: HttpFilter, path: string): RateLimitConfig {
  const typed = (filter.typed_config ?? {}) as Record<string, unknown>;
  const service = (typed.rate_limit_service ?? {}) as Record<string, unknown>;
  return {
    domain: String(typed.domain ?? ""),
    clusterName: clusterOf(service.grpc_service, `${path}.typed_config.rate_limit_service.grpc_service`),
    timeoutMs: typed.timeout !== undefined ? duration(typed.timeout, `${path}.typed_config.timeout`) * 1000 : 20,
    failureModeDeny: typed.failure_mode_deny === true,
  };
}

/**
 * envoy.filters.http.ratelimit (global rate limiting, answered by Limitador): build descriptors from
 * the route's `rate_limits` actions, ask ShouldRateLimit; OVER_LIMIT answers 429 (RL) with the
 * service's X-RateLimit headers; when the service fails, continue — or answer 500 (RLSE) when
 * failure_mode_deny is set.
 *
 * Token limits (Kuadrant's TokenRateLimitPolicy): a `rate_limits` entry with `apply_on_stream_done:
 * true` is checked before the request with hits_addend 0 (Limitador counts it as 1) and, when the
 * response is complete, charged `usage.total_tokens` from the response body — JSON or the SSE usage
 * chunk — so the request after the budget is spent gets 429.
 */
export class RateLimitFilterFactory implements HttpFilterFactory {
  readonly name = RATE_LIMIT_FILTER_NAME;

  constructor(readonly config: RateLimitConfig) {}

  create(context: FilterContext): FilterRun | undefined {
    const rateLimits = (context.route.route as { rate_limits?: RateLimitEntry[] } | undefined)?.rate_limits;
    if (!rateLimits || rateLimits.length === 0) return undefined;
    let responseHeaders: Record<string, string> = {};
    let tokenDescriptors: Descriptor[] = [];
    let tail = "";
    return {
      // Descriptors come from headers and metadata: Envoy asks Limitador at headers time.
      needsRequestBody: false,
      requestPhase: async (state) => {
        tokenDescriptors = rateLimits
          .filter((limit) => limit.apply_on_stream_done)
          .map((limit) => descriptorFor(limit.actions ?? [], state, context))
          .filter((d): d is Descriptor => d !== undefined);
        const outcome = await this.check(state, context, rateLimits);
        responseHeaders = outcome.headers;
        return outcome.phase;
      },
      responseHeaders: async (headers) => {
        Object.assign(headers, responseHeaders);
        return CONTINUE;
      },
      observeResponseChunk: (chunk) => {
        if (tokenDescriptors.length > 0) tail = (tail + chunk.toString("utf8")).slice(-16_384);
      },
      complete: () => this.chargeTokens(context, tokenDescriptors, tail),
    };
  }

  /**
   * After the response: spend the tokens it used against the token limits. A response without
   * usage (a stream without `stream_options.include_usage`, a body that is not JSON) counts as one
   * hit — Kuadrant's "graceful fallback: if token parsing fails, falls back to request counting"
   * (kuadrant-operator doc/overviews/token-rate-limiting.md) — never as free.
   */
  private chargeTokens(context: FilterContext, descriptors: Descriptor[], responseTail: string): void {
    if (descriptors.length === 0) return;
    const tokens = totalTokens(responseTail) ?? REQUEST_COUNTING_FALLBACK;
    if (tokens <= 0) return;
    // A per-descriptor hits_addend marks usage that already happened (Envoy's apply_on_stream_done).
    const request = {
      domain: this.config.domain,
      descriptors: descriptors.map((d) => ({ ...d, hits_addend: { value: tokens } })),
      hits_addend: tokens,
    };
    // Nobody waits for this answer; a failure is counted on the cluster and otherwise dropped.
    context
      .grpc(this.config.clusterName)
      ?.unary(shouldRateLimit(), request, this.config.timeoutMs)
      .catch(() => {});
  }

  private async check(state: RequestState, context: FilterContext, rateLimits: RateLimitEntry[]) {
    const descriptors = rateLimits
      .map((limit) => descriptorFor(limit.actions ?? [], state, context))
      .filter((d): d is Descriptor => d !== undefined);
    if (descriptors.length === 0) return { phase: CONTINUE, headers: {} };
    const start = context.trace && hopStart(context.clock);
    const client = context.grpc(this.config.clusterName);
    if (!client) {
      if (start) this.trace(context, start, descriptors, undefined, "Cluster not available");
      return { phase: this.onError(), headers: {} };
    }
    let response: RateLimitResponse;
    try {
      response = await client.unary(
        shouldRateLimit(),
        { domain: this.config.domain, descriptors },
        this.config.timeoutMs,
      );
    } catch (error) {
      if (start) this.trace(context, start, descriptors, undefined, (error as Error).message);
      return { phase: this.onError(), headers: {} };
    }
    if (start) this.trace(context, start, descriptors, response);
    const headers: Record<string, string> = {};
    for (const header of response.response_headers_to_add ?? []) {
      headers[header.key.toLowerCase()] = header.raw_value?.length
        ? Buffer.from(header.raw_value).toString()
        : (header.value ?? "");
    }
    if (response.overall_code === "OVER_LIMIT") {
      return {
        phase: {
          action: "reply",
          // Kuadrant's wasm-shim answers with this body; Envoy marks the reply x-envoy-ratelimited.
          reply: {
            status: 429,
            body: "Too Many Requests\n",
            headers: { ...headers, "x-envoy-ratelimited": "true" },
            details: "request_rate_limited",
            flags: ["RL"],
          },
        } as PhaseOutcome,
        headers,
      };
    }
    return { phase: CONTINUE, headers };
  }

  /** The routing trace's ratelimit hop. */
  private trace(
    context: FilterContext,
    start: HopStart,
    descriptors: Descriptor[],
    response: RateLimitResponse | undefined,
    error?: string,
  ): void {
    if (!context.trace) return;
    recordRateLimit(context.trace, context.clock, start, context.trace.component, {
      cluster: this.config.clusterName,
      domain: this.config.domain,
      descriptors,
      response,
      ...(error !== undefined ? { error } : {}),
    });
  }

  private onError(): PhaseOutcome {
    if (!this.config.failureModeDeny) return CONTINUE;
    return { action: "reply", reply: { status: 500, body: "", details: "rate_limiter_error", flags: ["RLSE"] } };
  }
}

type Descriptor = { entries: Array<{ key: string; value: string }> };

/** What a response whose usage cannot be read is charged: one request. */
const REQUEST_COUNTING_FALLBACK = 1;

interface RateLimitAction {
  generic_key?: { descriptor_key?: string; descriptor_value: string };
  request_headers?: { header_name: string; descriptor_key: string; skip_if_absent?: boolean };
  metadata?: {
    descriptor_key: string;
    metadata_key: { key: string; path: Array<{ key: string }> };
    default_value?: string;
  };
  remote_address?: Record<string, never>;
}

interface RateLimitEntry {
  actions?: RateLimitAction[];
  /** Charge the response's token usage once the stream is done (token limits). */
  apply_on_stream_done?: boolean;
}

interface RateLimitResponse {
  overall_code?: string;
  /** Per descriptor: code, current_limit, limit_remaining (the routing trace reads them). */
  statuses?: unknown[];
  response_headers_to_add?: Array<{ key: string; value?: string; raw_value?: Uint8Array }>;
}

/** One descriptor from a rate_limits entry; undefined when an action cannot produce its entry (Envoy skips it). */
function descriptorFor(
  actions: RateLimitAction[],
  state: RequestState,
  context: FilterContext,
): Descriptor | undefined {
  const entries: Descriptor["entries"] = [];
  for (const action of actions) {
    if (action.generic_key) {
      entries.push({
        key: action.generic_key.descriptor_key ?? "generic_key",
        value: action.generic_key.descriptor_value,
      });
    } else if (action.request_headers) {
      const value = state.headers[action.request_headers.header_name.toLowerCase()];
      if (value === undefined) {
        if (action.request_headers.skip_if_absent) continue;
        return undefined;
      }
      entries.push({ key: action.request_headers.descriptor_key, value });
    } else if (action.metadata) {
      let value: unknown = state.metadata[action.metadata.metadata_key.key];
      for (const step of action.metadata.metadata_key.path)
        value = (value as Record<string, unknown> | undefined)?.[step.key];
      const text = value === undefined || value === null ? action.metadata.default_value : String(value);
      if (text === undefined) return undefined;
      entries.push({ key: action.metadata.descriptor_key, value: text });
    } else if (action.remote_address) {
      entries.push({ key: "remote_address", value: context.downstream.remoteAddress });
    }
  }
  return entries.length > 0 ? { entries } : undefined;
}

/**
 * usage.total_tokens of a response, from the tail of its body: the last `"total_tokens": N` — the
 * usage object of a JSON body, or the usage chunk of an SSE stream (later chunks carry the final count).
 */
export function totalTokens(tail: string): number | undefined {
  const matches = [...tail.matchAll(/"total_tokens"\s*:\s*(\d+)/g)];
  const last = matches.at(-1);
  return last ? Number(last[1]) : undefined;
}

/** RateLimitService.ShouldRateLimit. */
const shouldRateLimit = lazyMethod<unknown, RateLimitResponse>(() => rateLimitService().definition.ShouldRateLimit);

export const RATE_LIMIT_REGISTRATION: FilterRegistration = {
  name: RATE_LIMIT_FILTER_NAME,
  typeSuffix: ".ratelimit.v3.RateLimit",
  build: (filter, setup) => new RateLimitFilterFactory(readRateLimit(filter, setup.path)),
};
