// A route's retry_policy as Envoy's router applies it (source/common/router/retry_state_impl.cc):
// retry_on is a list of conditions — connect-failure (the connection could not be made: refused,
// TLS verification, connect timeout), reset (the exchange broke), 5xx and gateway-error (a reset,
// or a 5xx / 502-503-504 response), retriable-status-codes (a response whose status is in
// retriable_status_codes), retriable-4xx (409), refused-stream (an HTTP/2 REFUSED_STREAM, which
// HTTP/1.1 upstreams never send) and the gRPC ones (cancelled, deadline-exceeded, internal,
// resource-exhausted, unavailable: a response carrying that grpc-status). num_retries defaults
// to 1. Overflow, the route timeout and a client that left are never retried. With the
// previous_hosts predicate a retry looks for a host not tried yet, reselecting up to
// host_selection_retry_max_attempts more times (default 1) before taking the last pick.
// Each retry first waits its back-off (retry-back-off.ts: full jitter, 25 ms base by default).
import type { RetryPolicy } from "../config/envoy-types.js";
import type { UpstreamFailure } from "../upstream/upstream-failure.js";
import { backOffMs, retryBackOffOf } from "./retry-back-off.js";

const GRPC_RETRY_ON: Record<string, string> = {
  "1": "cancelled",
  "4": "deadline-exceeded",
  "8": "resource-exhausted",
  "13": "internal",
  "14": "unavailable",
};

/** The conditions and limits of one route's retry policy. */
export class RouteRetryPolicy {
  private readonly on: Set<string>;
  /** How many retries the route allows (0: no retry policy, or no condition listed). */
  readonly maxRetries: number;
  /** Host picks a retry may make to avoid hosts already tried (0 without previous_hosts). */
  readonly hostReselections: number;
  private readonly statusCodes: Set<number>;

  constructor(private readonly policy: RetryPolicy | undefined) {
    this.on = new Set(
      (policy?.retry_on ?? "")
        .split(",")
        .map((token) => token.trim())
        .filter(Boolean),
    );
    this.maxRetries = this.on.size > 0 ? Number(policy?.num_retries ?? 1) : 0;
    const previousHosts = (policy?.retry_host_predicate ?? []).some(
      (predicate) => predicate.name === "envoy.retry_host_predicates.previous_hosts",
    );
    this.hostReselections = previousHosts ? Number(policy?.host_selection_retry_max_attempts ?? 1) : 0;
    this.statusCodes = new Set((policy?.retriable_status_codes ?? []).map(Number));
  }

  /** The wait before retry `retry` (1 for the first), `random` in [0, 1); read only when a retry happens. */
  backOffMs(retry: number, random: number): number {
    return backOffMs(retryBackOffOf(this.policy), retry, random);
  }

  /** Whether a failed attempt (no response) may be retried. */
  retriesFailure(failure: UpstreamFailure): boolean {
    if (failure.flag === "UF") return this.any("connect-failure", "reset", "5xx", "gateway-error");
    if (failure.flag === "UC") return this.any("reset", "5xx", "gateway-error");
    return false;
  }

  /** Whether a response with these headers may be retried (its body is then discarded). */
  retriesResponse(status: number, headers: Record<string, string | string[] | undefined>): boolean {
    if (this.on.has("5xx") && status >= 500) return true;
    if (this.on.has("gateway-error") && status >= 502 && status <= 504) return true;
    if (this.on.has("retriable-4xx") && status === 409) return true;
    if (this.on.has("retriable-status-codes") && this.statusCodes.has(status)) return true;
    const grpcStatus = headers["grpc-status"];
    const grpcCondition = typeof grpcStatus === "string" ? GRPC_RETRY_ON[grpcStatus] : undefined;
    return grpcCondition !== undefined && this.on.has(grpcCondition);
  }

  private any(...conditions: string[]): boolean {
    return conditions.some((condition) => this.on.has(condition));
  }
}
