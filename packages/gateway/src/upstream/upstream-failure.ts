/**
 * How Envoy reports a request it could not complete upstream: the status, the response flag, the
 * response code details and the local reply body — exactly what the access log and the client see.
 */
export interface UpstreamFailure {
  status: number;
  /** UF, UH, UT, UC, UO (URX is added when retries ran out); DC when the client left first. */
  flag: "UF" | "UH" | "UT" | "UC" | "UO" | "DC";
  /** Envoy's reset reason words, e.g. "remote connection failure", "connection termination", "overflow". */
  resetReason: string;
  /** %UPSTREAM_TRANSPORT_FAILURE_REASON%, e.g. TLS_error:|268435581:…CERTIFICATE_VERIFY_FAILED:TLS_error_end. */
  transportFailure?: string;
}

export const TLS_VERIFY_FAILED =
  "TLS_error:|268435581:SSL_routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED:TLS_error_end";
const TLS_WRONG_VERSION = "TLS_error:|268435703:SSL_routines:OPENSSL_internal:WRONG_VERSION_NUMBER:TLS_error_end";

const VERIFY_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_GET_ISSUER_CERT",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_UNTRUSTED",
  "CERT_SIGNATURE_FAILURE",
]);

export type TlsFailureKind = "fail_verify_error" | "fail_verify_san" | "connection_error";

/** Why a connection could not be opened: the ssl.* stat it counts and the transport failure reason. */
export interface ConnectFailure {
  tls?: TlsFailureKind;
  transportFailure?: string;
}

/** Classify a connection error. */
export function classifyConnectError(error: NodeJS.ErrnoException): ConnectFailure {
  const code = error.code ?? "";
  if (VERIFY_CODES.has(code)) return { tls: "fail_verify_error", transportFailure: TLS_VERIFY_FAILED };
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") return { tls: "fail_verify_san", transportFailure: TLS_VERIFY_FAILED };
  if (code === "EPROTO" || /wrong version number|SSL/i.test(error.message)) {
    return { tls: "connection_error", transportFailure: TLS_WRONG_VERSION };
  }
  return {};
}

/** %RESPONSE_CODE_DETAILS% for a failure. */
export function failureDetails(failure: UpstreamFailure): string {
  if (failure.flag === "UH") return "no_healthy_upstream";
  if (failure.flag === "UT") return "upstream_response_timeout";
  if (failure.flag === "DC") return "downstream_remote_disconnect";
  const reason =
    failure.flag === "UO"
      ? "overflow"
      : failure.resetReason === "connection termination"
        ? "connection_termination"
        : "remote_connection_failure";
  return `upstream_reset_before_response_started{${reason}${failure.transportFailure ? `|${failure.transportFailure}` : ""}}`;
}

/** The local reply body Envoy sends for a failure. */
export function failureBody(failure: UpstreamFailure, retried: boolean): string {
  if (failure.flag === "UH") return "no healthy upstream";
  if (failure.flag === "UT") return "upstream request timeout";
  const transport = failure.transportFailure ? `, transport failure reason: ${failure.transportFailure}` : "";
  return retried
    ? `upstream connect error or disconnect/reset before headers. retried and the latest reset reason: ${failure.resetReason}${transport}`
    : `upstream connect error or disconnect/reset before headers. reset reason: ${failure.resetReason}${transport}`;
}
