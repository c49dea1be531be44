// A listener's downstream side as Envoy's HTTP connection manager with `codec_type: AUTO` (what
// Istio's gateway listeners set) serves it. On TLS the codec follows ALPN: HTTP/2 when the
// listener offers `h2` (DownstreamTlsContext common_tls_context.alpn_protocols; Istio's gateways
// offer h2 and http/1.1) and the client picks it, else HTTP/1.1 — no ALPN offered, no HTTP/2. In
// cleartext a connection that opens with the HTTP/2 connection preface is HTTP/2 (h2c with prior
// knowledge), anything else HTTP/1.1; the Upgrade: h2c dance is not offered, as in Envoy.
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import {
  createServer as createH2cServer,
  createSecureServer,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type Http2Session,
} from "node:http2";
import { createServer as createHttpsServer } from "node:https";
import { type AddressInfo, createServer as createNetServer, type Server, type Socket } from "node:net";
import { Duplex } from "node:stream";

/** A downstream request of either codec: Node's HTTP/2 compatibility API mirrors HTTP/1's. */
export type DownstreamRequest = IncomingMessage | Http2ServerRequest;
export type DownstreamResponse = ServerResponse | Http2ServerResponse;
export type DownstreamHandler = (request: DownstreamRequest, response: DownstreamResponse) => void;

export interface DownstreamTls {
  cert: string;
  key: string;
  alpnProtocols: string[];
}

export interface DownstreamServer {
  /** Binds and resolves with the bound port. */
  listen(port: number, host: string | undefined): Promise<number>;
  /** Stops accepting and drops every open connection. */
  close(): Promise<void>;
}

const H2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

export function createDownstreamServer(handler: DownstreamHandler, tls: DownstreamTls | undefined): DownstreamServer {
  const sockets = new Set<Socket>();
  const server = tls ? tlsServer(handler, tls) : cleartextServer(handler);
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  return {
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
      }),
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function tlsServer(handler: DownstreamHandler, tls: DownstreamTls): Server {
  const { cert, key, alpnProtocols } = tls;
  if (!alpnProtocols.includes("h2")) {
    const server = createHttpsServer(
      { cert, key, ...(alpnProtocols.length > 0 ? { ALPNProtocols: alpnProtocols } : {}) },
      handler,
    );
    server.keepAliveTimeout = 60_000;
    return server;
  }
  return createSecureServer({ cert, key, allowHTTP1: alpnProtocols.includes("http/1.1") }, handler);
}

/** Cleartext with codec AUTO: the first bytes choose HTTP/2 (the preface) or HTTP/1.1. */
function cleartextServer(handler: DownstreamHandler): Server {
  const http1 = createHttpServer(handler);
  http1.keepAliveTimeout = 60_000;
  // Node's HTTP/2 session reads its socket's handle directly and would miss bytes already read to
  // sniff the preface, so it gets a stream that replays them; the request's socket is then the
  // replaying stream, which knows no addresses: the connection's own socket stands in for it.
  const connections = new WeakMap<Http2Session, Socket>();
  let accepting: Socket | undefined;
  const http2 = createH2cServer((request, response) => {
    const socket = connections.get(request.stream.session as Http2Session);
    if (socket) Object.defineProperty(request, "socket", { value: socket });
    handler(request, response);
  });
  http2.on("session", (session: Http2Session) => {
    if (accepting) connections.set(session, accepting);
  });
  return createNetServer((socket) => {
    socket.once("data", (first: Buffer) => {
      socket.pause();
      const length = Math.min(first.length, H2_PREFACE.length);
      if (!first.subarray(0, length).equals(H2_PREFACE.subarray(0, length))) {
        socket.unshift(first);
        http1.emit("connection", socket);
        socket.resume();
        return;
      }
      accepting = socket;
      http2.emit("connection", replaying(socket, first));
      accepting = undefined;
    });
  });
}

/** A duplex over `socket` whose readable side starts with `first`, the bytes already read. */
function replaying(socket: Socket, first: Buffer): Duplex {
  const duplex = new Duplex({
    read: () => void socket.resume(),
    write: (chunk, encoding, callback) => void socket.write(chunk, encoding, callback),
    final: (callback) => {
      socket.end();
      callback();
    },
    destroy: (error, callback) => {
      socket.destroy(error ?? undefined);
      callback(error);
    },
  });
  duplex.push(first);
  socket.on("data", (chunk: Buffer) => {
    if (!duplex.push(chunk)) socket.pause();
  });
  socket.on("end", () => duplex.push(null));
  socket.on("close", () => duplex.destroy());
  socket.on("error", (error) => duplex.destroy(error));
  return duplex;
}
