// The retry policy Istio puts on every route it generates when nothing configures one: read from
// pilot/pkg/networking/core/route/retry/retry.go DefaultPolicy (1.26.2-redhat, unchanged in
// 1.27–1.29): two retries on connection failures, refused streams, gRPC UNAVAILABLE/CANCELLED and
// a 503 response (retriable-status-codes [503], unless PILOT_EXCLUDE_503_FROM_DEFAULT_RETRIES),
// preferring hosts not tried yet (envoy.retry_host_predicates.previous_hosts) with up to five host
// selection attempts. An HTTPRoute rule's `retry` (Gateway API experimental) replaces the attempts and
// the status codes (pilot/pkg/config/kube/gateway/conversion.go), `attempts: 0` removes the policy.

const PREVIOUS_HOSTS_TYPE = "type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate";
const DEFAULT_RETRY_ON = "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes";
/** What conversion.go sets for a rule with a `retry` stanza, before its status codes. */
const ROUTE_RETRY_ON = ["connect-failure", "refused-stream", "unavailable", "cancelled"];

/** Istio's DefaultPolicy as Envoy JSON. */
export function istioDefaultRetryPolicy(): Record<string, unknown> {
  return {
    retry_on: DEFAULT_RETRY_ON,
    num_retries: 2,
    retry_host_predicate: [
      { name: "envoy.retry_host_predicates.previous_hosts", typed_config: { "@type": PREVIOUS_HOSTS_TYPE } },
    ],
    host_selection_retry_max_attempts: "5",
    retriable_status_codes: [503],
  };
}

/**
 * The route's retry_policy for an HTTPRoute rule: Istio's default without `retry`; with it, the
 * default with the rule's attempts (default 2) and codes; undefined for `attempts: 0`. Durations
 * go through `envoyDuration` (Gateway API's "100ms" → Envoy's "0.1s").
 */
export function ruleRetryPolicy(
  rule: Record<string, unknown>,
  envoyDuration: (value: string) => string,
): Record<string, unknown> | undefined {
  const policy = istioDefaultRetryPolicy();
  const retry = rule.retry as { attempts?: number; codes?: number[]; backoff?: string } | undefined;
  if (!retry) return policy;
  const attempts = retry.attempts ?? 2;
  if (attempts <= 0) return undefined;
  policy.num_retries = attempts;
  const codes = (retry.codes ?? []).map(Number).filter(Number.isInteger);
  // ConvertPolicy: integers in retryOn become retriable_status_codes, and retriable-status-codes is
  // added to retry_on when any were given.
  policy.retry_on = [...ROUTE_RETRY_ON, ...(codes.length > 0 ? ["retriable-status-codes"] : [])].join(",");
  if (codes.length > 0) policy.retriable_status_codes = codes;
  else delete policy.retriable_status_codes;
  if (retry.backoff) policy.retry_back_off = { base_interval: envoyDuration(retry.backoff) };
  return policy;
}
