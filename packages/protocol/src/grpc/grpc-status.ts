/** The gRPC status codes the testbed's own gRPC client (gateway) and server (EPP) produce. */
export const GrpcCode = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/**
 * The status of a call whose HTTP response was not gRPC (no grpc-status): the mapping of gRPC's
 * http-grpc-status-mapping.md, which Envoy applies too. This is how a connect failure, answered
 * locally with 503, becomes UNAVAILABLE — the 14 in `ext_proc_error_gRPC_error_14`.
 */
export function grpcCodeForHttpStatus(status: number): number {
  switch (status) {
    case 400:
      return GrpcCode.INTERNAL;
    case 401:
      return GrpcCode.UNAUTHENTICATED;
    case 403:
      return GrpcCode.PERMISSION_DENIED;
    case 404:
      return GrpcCode.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return GrpcCode.UNAVAILABLE;
    default:
      return GrpcCode.UNKNOWN;
  }
}

/** A call that ended with a non-OK status (what `error` events and rejected unary calls carry). */
export class GrpcCallError extends Error {
  constructor(
    readonly code: number,
    readonly details: string,
  ) {
    super(`${code} ${details}`);
  }
}

/** Whether a call failed because its deadline passed (what a cluster counts as rq_timeout). */
export function isDeadlineExceeded(error: unknown): boolean {
  return error instanceof GrpcCallError && error.code === GrpcCode.DEADLINE_EXCEEDED;
}

/**
 * grpc-message is percent-encoded (PROTOCOL-HTTP2.md): every byte outside printable ASCII, and
 * "%" itself, as %XX of its UTF-8 encoding.
 */
export function grpcMessageEncoded(text: string): string {
  let out = "";
  for (const byte of Buffer.from(text, "utf8")) {
    out +=
      byte >= 0x20 && byte <= 0x7e && byte !== 0x25
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** The reverse; a malformed encoding is kept as sent rather than thrown away. */
export function grpcMessageDecoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
