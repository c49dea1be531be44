// Port-forward over SPDY/3.1, the way kubectl speaks it: since 1.31 tunneled through a WebSocket
// (subprotocol `SPDY/3.1+portforward.k8s.io`, the SPDY bytes in binary messages: client-go
// portforward/tunneling_connection.go), and as a plain `Upgrade: SPDY/3.1` when that fails. Per
// forwarded connection kubectl opens two streams with headers `streamType` (error, data), `port` and
// `requestID`; the data stream is spliced to the pod's port, and a failure is written on the error
// stream (kubelet cri/streaming/portforward/httpstream.go). The SPDY framing (zlib-compressed
// headers, flow control) is spdy-transport's.
import { connect } from "node:net";
import type { Duplex } from "node:stream";
import type { KubeObject } from "@testbed/apimachinery";
import spdyTransport from "spdy-transport";

export const SPDY_PORT_FORWARD_PROTOCOL = "SPDY/3.1+portforward.k8s.io";

interface SpdyStream extends Duplex {
  headers: Record<string, string | undefined>;
  respond(status: number, headers: Record<string, string>): void;
}

interface ForwardRequest {
  error?: SpdyStream;
  data?: SpdyStream;
}

/**
 * Serve kubectl's port-forward streams on this byte stream until it closes. The server speaks only
 * once the client has: a SETTINGS frame sent right behind the 101 can land in the buffer Go's HTTP
 * client read the response with, and be lost to its SPDY reader.
 */
export function serveSpdyPortForward(socket: Duplex, pod: KubeObject): void {
  socket.once("data", (first: Buffer) => {
    socket.pause();
    socket.unshift(first);
    serveConnection(socket, pod);
  });
}

function serveConnection(socket: Duplex, pod: KubeObject): void {
  const connection = spdyTransport.connection.create(socket, { protocol: "spdy", isServer: true });
  acceptStreamsWithoutRequestLine(connection);
  // SPDY/3 framing: Go's spdystream (kubectl's) has no 3.1 session window, so no WINDOW_UPDATE for stream 0.
  connection.start(3);
  const requests = new Map<string, ForwardRequest>();
  connection.on("stream", (stream: SpdyStream) => {
    stream.respond(200, {});
    const requestId = stream.headers.requestid ?? "";
    const request = requests.get(requestId) ?? {};
    requests.set(requestId, request);
    if (stream.headers.streamtype === "error") request.error = stream;
    else if (stream.headers.streamtype === "data") request.data = stream;
    else {
      stream.destroy();
      return;
    }
    stream.on("error", () => stream.destroy());
    if (request.error && request.data) {
      requests.delete(requestId);
      forward(pod, Number(stream.headers.port), request.data, request.error);
    }
  });
  connection.on("error", () => socket.destroy());
  socket.on("close", () => connection.destroyStreams?.());
}

/**
 * spdy-transport parses SYN_STREAMs as HTTP requests and refuses one without `:method` and `:path`;
 * kubectl's streams carry only their own headers (streamType, port, requestID). Give the
 * connection's parser those two as placeholders, so a port-forward stream is accepted as it is.
 */
function acceptStreamsWithoutRequestLine(connection: unknown): void {
  const parser = (connection as { _spdyState: { parser: HeaderParser } })._spdyState.parser;
  const parseKVs = parser.parseKVs.bind(parser);
  parser.parseKVs = (buffer, callback) =>
    parseKVs(buffer, (error, headers) => callback(error, headers && { ":method": "POST", ":path": "/", ...headers }));
}

interface HeaderParser {
  parseKVs(buffer: unknown, callback: (error: Error | null, headers?: Record<string, string>) => void): void;
}

function forward(pod: KubeObject, port: number, data: SpdyStream, error: SpdyStream): void {
  const podIP = pod.status?.podIP as string | undefined;
  let errorOpen = true;
  const endError = (message?: string) => {
    if (!errorOpen) return;
    errorOpen = false;
    error.end(message);
  };
  const fail = (message: string) => {
    endError(message);
    data.end();
  };
  if (!podIP) {
    fail(`pod ${pod.metadata.name} has no IP address`);
    return;
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    fail(`invalid port ${port}`);
    return;
  }
  const target = connect({ host: podIP, port });
  target.on("error", (cause) =>
    fail(
      `error forwarding port ${port} to pod ${pod.metadata.name}, uid : failed to connect to ${podIP}:${port}: ${(cause as NodeJS.ErrnoException).code ?? cause.message}`,
    ),
  );
  data.pipe(target);
  target.pipe(data);
  target.on("close", () => endError());
  data.on("close", () => target.destroy());
}
