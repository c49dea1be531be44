// One line per request in Istio's default access log format:
// [%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS%
// %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% "%UPSTREAM_TRANSPORT_FAILURE_REASON%" %BYTES_RECEIVED%
// %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%"
// "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER_RAW% %UPSTREAM_LOCAL_ADDRESS%
// %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%

/** What the access log records of one request (one field per format operator). */
export interface AccessLogEntry {
  startTime: Date;
  method: string;
  path: string;
  protocol: string;
  responseCode: number;
  responseFlags: string[];
  responseCodeDetails: string;
  transportFailureReason?: string | undefined;
  bytesReceived: number;
  bytesSent: number;
  durationMs: number;
  upstreamServiceTimeMs?: number | undefined;
  forwardedFor?: string | undefined;
  userAgent?: string | undefined;
  requestId?: string | undefined;
  authority?: string | undefined;
  upstreamHost?: string | undefined;
  upstreamCluster?: string | undefined;
  upstreamLocalAddress?: string | undefined;
  downstreamLocalAddress: string;
  downstreamRemoteAddress: string;
  requestedServerName?: string | undefined;
  routeName?: string | undefined;
}

/** %PROTOCOL%: Envoy prints HTTP/1.0, HTTP/1.1, HTTP/2 and HTTP/3 (no ".0" for the later ones). */
export function downstreamProtocol(httpVersion: string): string {
  return httpVersion === "2.0" ? "HTTP/2" : httpVersion === "3.0" ? "HTTP/3" : `HTTP/${httpVersion}`;
}

const dash = (value: string | number | undefined): string =>
  value === undefined || value === "" ? "-" : String(value);

/** One line in the format above: a single template, no intermediate array (it runs for every request). */
export function formatAccessLog(entry: AccessLogEntry): string {
  const flags = entry.responseFlags.length > 0 ? entry.responseFlags.join(",") : "-";
  const serviceTime = entry.upstreamServiceTimeMs === undefined ? "-" : dash(Math.round(entry.upstreamServiceTimeMs));
  return (
    `[${entry.startTime.toISOString()}] "${entry.method} ${entry.path} ${entry.protocol}" ${entry.responseCode} ` +
    `${flags} ${dash(entry.responseCodeDetails)} - "${dash(entry.transportFailureReason)}" ` +
    `${entry.bytesReceived} ${entry.bytesSent} ${Math.round(entry.durationMs)} ${serviceTime} ` +
    `"${dash(entry.forwardedFor)}" "${dash(entry.userAgent)}" "${dash(entry.requestId)}" "${dash(entry.authority)}" ` +
    `"${dash(entry.upstreamHost)}" ${dash(entry.upstreamCluster)} ${dash(entry.upstreamLocalAddress)} ` +
    `${entry.downstreamLocalAddress} ${entry.downstreamRemoteAddress} ${dash(entry.requestedServerName)} ` +
    `${dash(entry.routeName)}`
  );
}
