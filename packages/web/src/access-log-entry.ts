// One line of Istio's default TEXT access log (the gateway pod's istio-proxy output), read back into
// the fields the page draws: which route, which upstream host, what status, which x-request-id.
// The format is ISTIO_ACCESS_LOG_FORMAT in cluster/src/controllers/mesh/access-log.ts.

/** A request as the gateway logged it. */
export interface AccessLogEntry {
  startTime: string;
  method: string;
  path: string;
  status: number;
  responseFlags: string;
  responseCodeDetails: string;
  upstreamTransportFailure: string;
  durationMs: number;
  requestId: string;
  /** host:port the gateway sent the request to, or undefined ("-"). */
  upstreamHost: string | undefined;
  upstreamCluster: string | undefined;
  routeName: string | undefined;
}

const ISTIO_LINE = new RegExp(
  [
    String.raw`^\[(\S+)\] "(\S+) (\S+) (\S+)" (\d+) (\S+) (\S+) (\S+) "([^"]*)" (\d+) (\d+) (\d+) (\S+)`,
    String.raw` "([^"]*)" "([^"]*)" "([^"]*)" "([^"]*)" "([^"]*)" (\S+) (\S+) (\S+) (\S+) (\S+) (\S+)$`,
  ].join(""),
);

const dash = (value: string | undefined): string | undefined =>
  value === undefined || value === "-" ? undefined : value;

/** The entry a line carries, or undefined for a line that is not an access log entry (the proxy's own logs). */
export function parseAccessLogLine(line: string): AccessLogEntry | undefined {
  const m = ISTIO_LINE.exec(line.trimEnd());
  if (!m) return undefined;
  return {
    startTime: m[1] as string,
    method: m[2] as string,
    path: m[3] as string,
    status: Number(m[5]),
    responseFlags: m[6] as string,
    responseCodeDetails: m[7] as string,
    upstreamTransportFailure: m[9] as string,
    durationMs: Number(m[12]),
    requestId: m[16] as string,
    upstreamHost: dash(m[18]),
    upstreamCluster: dash(m[19]),
    routeName: dash(m[24]),
  };
}
