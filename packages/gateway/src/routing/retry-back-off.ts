// How long Envoy's router waits before a retry (RetryStateImpl with a
// JitteredExponentialBackOffStrategy, source/common/common/backoff_strategy.cc): "full jitter" —
// retry n waits a uniformly random whole number of milliseconds in [0, interval_n), where
// interval_1 is the base interval and each later one doubles until doubling would pass half the
// maximum, after which it is the maximum. The base is retry_policy.retry_back_off.base_interval,
// else the runtime key upstream.base_retry_backoff_ms (25 ms); the maximum is
// retry_back_off.max_interval, else 10 × the base (router docs, retry_back_off in route.proto).
import { GatewayConfigError } from "../config/config-error.js";
import type { RetryPolicy } from "../config/envoy-types.js";

/** upstream.base_retry_backoff_ms's default. */
export const DEFAULT_RETRY_BASE_INTERVAL_MS = 25;

/** A route's retry back-off, in milliseconds. */
export interface RetryBackOff {
  baseMs: number;
  maxMs: number;
}

/** The back-off of a policy; validated as the route proto does (base > 0, max ≥ base). */
export function retryBackOffOf(policy: RetryPolicy | undefined): RetryBackOff {
  const configured = policy?.retry_back_off;
  const baseMs =
    configured?.base_interval !== undefined ? configured.base_interval * 1000 : DEFAULT_RETRY_BASE_INTERVAL_MS;
  const maxMs = configured?.max_interval !== undefined ? configured.max_interval * 1000 : baseMs * 10;
  return { baseMs: Math.max(1, Math.ceil(baseMs)), maxMs: Math.max(1, Math.ceil(maxMs)) };
}

/** Checks retry_back_off at load: the route proto requires base_interval > 0 and max_interval ≥ base_interval. */
export function verifyRetryBackOff(policy: RetryPolicy, path: string): void {
  const backOff = policy.retry_back_off;
  if (backOff === undefined) return;
  if (backOff.base_interval === undefined || backOff.base_interval <= 0)
    throw new GatewayConfigError(`${path}.retry_back_off.base_interval`, "value must be greater than 0s");
  if (backOff.max_interval !== undefined && backOff.max_interval < backOff.base_interval)
    throw new GatewayConfigError(
      `${path}.retry_back_off.max_interval`,
      "max_interval must be greater than or equal to the base_interval",
    );
}

/** The wait before retry `retry` (1 for the first retry), with `random` in [0, 1). */
export function backOffMs(backOff: RetryBackOff, retry: number, random: number): number {
  let interval = backOff.baseMs;
  for (let n = 1; n < retry; n++) interval = interval < backOff.maxMs / 2 ? interval * 2 : backOff.maxMs;
  return Math.floor(random * interval);
}
