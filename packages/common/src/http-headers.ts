/**
 * Connection-level headers (RFC 9110 §7.6.1, plus the legacy proxy-connection and keep-alive) that a
 * proxy consumes rather than forwards: each hop sets its own framing and connection handling.
 */
export const HOP_BY_HOP_HEADERS: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "upgrade",
  "proxy-connection",
  "te",
  "trailer",
]);
