// One HTTP/2 connection from the gateway to a host of a gRPC service cluster.
import { type ClientHttp2Session, connect } from "node:http2";
import { type Socket, connect as tcpConnect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { type Clock, systemClock, type TimerHandle } from "@testbed/common";
import { GrpcCallError, GrpcCode } from "@testbed/protocol";
import { nodeTlsOptions, type UpstreamTlsOptions } from "../upstream/tls-options.js";
import { EnvoyGrpcStream, type GrpcMethod } from "./envoy-grpc-stream.js";

/** What the cluster client counts about a connection's life. */
export interface ConnectionEvents {
  /** TCP (and TLS) handshake done. */
  connected(): void;
  /** The connection never came up: refused, timed out, or the TLS handshake failed. */
  connectFailed(error: NodeJS.ErrnoException): void;
  /** A connection that was up has closed. */
  closed(): void;
}

export interface HostAddress {
  address: string;
  port: number;
}

export interface ConnectionSettings {
  tls?: UpstreamTlsOptions;
  /** The cluster's connect_timeout, for the TCP and TLS handshake only. */
  connectTimeoutMs: number;
  /** Times the connect timeout, call deadlines and stream resets (default: the wall clock). */
  clock?: Clock;
}

/**
 * One HTTP/2 connection from the gateway to a host of a gRPC service cluster (the EPP, Authorino,
 * Limitador), carrying every call as a stream, as Envoy's `envoy_grpc` client uses the cluster's
 * HTTP/2 connection pool. Plaintext (h2c) or TLS with the cluster's CA, SNI and verification.
 */
export class EnvoyGrpcConnection {
  private readonly session: ClientHttp2Session;
  private state: "connecting" | "ready" | "draining" | "closed" = "connecting";
  private readonly connectTimer: TimerHandle;
  private readonly clock: Clock;

  constructor(host: HostAddress, settings: ConnectionSettings, events: ConnectionEvents) {
    this.clock = settings.clock ?? systemClock;
    const tls = settings.tls;
    const authority = host.address.includes(":") ? `[${host.address}]:${host.port}` : `${host.address}:${host.port}`;
    this.session = connect(`${tls ? "https" : "http"}://${authority}`, {
      createConnection: () => openSocket(host, tls),
    });
    this.connectTimer = this.clock.setTimeout(
      () => this.session.destroy(Object.assign(new Error("connect timeout"), { code: "ETIMEDOUT" })),
      settings.connectTimeoutMs,
    );
    this.session.once("connect", () => {
      this.clock.clearTimeout(this.connectTimer);
      this.state = "ready";
      events.connected();
    });
    this.session.on("error", (error: NodeJS.ErrnoException) => {
      if (this.state === "connecting") events.connectFailed(error);
    });
    // After a GOAWAY no new call may start here (the cluster client connects anew), but the
    // connection stays active until the calls on it are over and it closes.
    this.session.once("goaway", () => {
      if (this.state === "ready") this.state = "draining";
    });
    this.session.once("close", () => {
      this.clock.clearTimeout(this.connectTimer);
      if (this.state === "ready" || this.state === "draining") events.closed();
      this.state = "closed";
    });
  }

  /** False once the connection failed or closed: the next call needs a new connection. */
  get usable(): boolean {
    return (this.state === "connecting" || this.state === "ready") && !this.session.closed && !this.session.destroyed;
  }

  /** A streaming call (ext_proc Process). */
  stream<Request, Response>(method: GrpcMethod<Request, Response>): EnvoyGrpcStream<Request, Response> {
    return new EnvoyGrpcStream(this.session, method, {}, this.clock);
  }

  /** A unary call (ext_authz Check, ratelimit ShouldRateLimit) with a deadline, sent as grpc-timeout. */
  unary<Request, Response>(
    method: GrpcMethod<Request, Response>,
    request: Request,
    timeoutMs: number,
  ): Promise<Response> {
    return new Promise((resolve, reject) => {
      const call = new EnvoyGrpcStream(
        this.session,
        method,
        { "grpc-timeout": `${Math.max(1, Math.ceil(timeoutMs))}m` },
        this.clock,
      );
      let response: Response | undefined;
      const deadline = this.clock.setTimeout(() => {
        reject(new GrpcCallError(GrpcCode.DEADLINE_EXCEEDED, "Deadline exceeded"));
        call.cancel();
      }, timeoutMs);
      call.on("data", (message: Response) => {
        response ??= message;
      });
      call.on("end", () => {
        this.clock.clearTimeout(deadline);
        if (response === undefined) reject(new GrpcCallError(GrpcCode.INTERNAL, "no response message"));
        else resolve(response);
      });
      call.on("error", (error: GrpcCallError) => {
        this.clock.clearTimeout(deadline);
        reject(error);
      });
      call.write(request);
      call.end();
    });
  }

  /** Let the calls under way finish, then close. */
  close(): void {
    this.clock.clearTimeout(this.connectTimer);
    this.session.close();
  }
}

/**
 * The connection's socket, with Nagle's algorithm off as Envoy sets TCP_NODELAY on upstream
 * connections: small gRPC messages must not wait for the previous one's ACK.
 */
function openSocket({ address, port }: HostAddress, tls: UpstreamTlsOptions | undefined): Socket {
  const socket = tls
    ? tlsConnect({ host: address, port, ALPNProtocols: ["h2"], ...nodeTlsOptions(tls) })
    : tcpConnect({ host: address, port });
  socket.setNoDelay(true);
  return socket;
}
