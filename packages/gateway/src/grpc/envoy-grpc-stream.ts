// One gRPC call as one HTTP/2 stream: Envoy's own gRPC client rather than a separate gRPC library.
import { EventEmitter } from "node:events";
import { type ClientHttp2Session, type ClientHttp2Stream, constants, type IncomingHttpHeaders } from "node:http2";
import { type Clock, systemClock, type TimerHandle } from "@testbed/common";
import {
  frameMessage,
  GrpcCallError,
  GrpcCode,
  GrpcFramingError,
  GrpcMessageDecoder,
  grpcCodeForHttpStatus,
  grpcMessageDecoded,
} from "@testbed/protocol";

/** What a call needs to know of its method: grpc-js's MethodDefinition has these fields. */
export interface GrpcMethod<Request, Response> {
  path: string;
  requestSerialize(value: Request): Buffer;
  responseDeserialize(bytes: Buffer): Response;
}

/** A method of a service definition, looked up on first use (loading its .proto is not free). */
export function lazyMethod<Request, Response>(lookup: () => unknown): () => GrpcMethod<Request, Response> {
  let method: GrpcMethod<Request, Response> | undefined;
  return () => {
    method ??= lookup() as GrpcMethod<Request, Response>;
    return method;
  };
}

interface Status {
  code: number;
  details: string;
}

/**
 * One gRPC call as one HTTP/2 stream on the cluster's connection — Envoy's own gRPC client
 * (`envoy_grpc`) rather than a separate gRPC library. write() sends a message, end() half-closes,
 * cancel() resets. Emits "data" for every message received, then exactly one of "end" (status OK)
 * or "error" (a GrpcCallError with the status).
 */
export class EnvoyGrpcStream<Request, Response> extends EventEmitter {
  private readonly stream: ClientHttp2Stream | undefined;
  private readonly decoder = new GrpcMessageDecoder();
  private status: Status | undefined;
  private transportError: Error | undefined;
  private finished = false;
  /** resetUnlessClosedWithin's timer, until the call ends. */
  private resetTimer: TimerHandle | undefined;

  constructor(
    session: ClientHttp2Session,
    private readonly method: GrpcMethod<Request, Response>,
    headers: Record<string, string> = {},
    private readonly clock: Clock = systemClock,
  ) {
    super();
    try {
      this.stream = session.request({
        ":method": "POST",
        ":path": method.path,
        "content-type": "application/grpc",
        te: "trailers",
        ...headers,
      });
    } catch (error) {
      // The session is already gone: the call fails like any call on a dead connection.
      this.status = { code: GrpcCode.UNAVAILABLE, details: (error as Error).message };
      process.nextTick(() => this.finish());
      return;
    }
    this.stream.on("response", (responseHeaders) => this.onResponseHeaders(responseHeaders));
    this.stream.on("data", (chunk: Buffer) => this.onData(chunk));
    this.stream.on("trailers", (trailers) => this.readStatus(trailers));
    this.stream.on("error", (error) => {
      this.transportError ??= error;
    });
    // The server's trailers end the call even while this side is still open (a gRPC server may
    // answer with its status at any time); then our side is half-closed too.
    this.stream.on("end", () => {
      this.finish();
      this.end();
    });
    this.stream.on("close", () => this.finish());
  }

  write(message: Request): void {
    if (this.finished || !this.stream || this.stream.writableEnded) return;
    this.stream.write(frameMessage(this.method.requestSerialize(message)));
  }

  /** Half-close: no more messages from this side. */
  end(): void {
    if (this.stream && !this.stream.writableEnded) this.stream.end();
  }

  cancel(): void {
    if (this.finished) return;
    this.status ??= { code: GrpcCode.CANCELLED, details: "Cancelled on client" };
    this.stream?.close(constants.NGHTTP2_CANCEL);
  }

  /**
   * Reset the stream if the server has not ended it within `graceMs`. Envoy resets right after
   * half-closing; here the server gets a moment to close first, because Node's HTTP/2 server takes
   * a client that resets every stream for a rapid-reset attack (CVE-2023-44487) and drops the
   * whole connection.
   */
  resetUnlessClosedWithin(graceMs: number): void {
    if (this.finished || this.resetTimer) return;
    // The clock's timers never keep the process alive on their own; the call's end clears it.
    this.resetTimer = this.clock.setTimeout(() => this.cancel(), graceMs);
  }

  private onResponseHeaders(headers: IncomingHttpHeaders): void {
    const httpStatus = Number(headers[":status"]);
    if (headers["grpc-status"] !== undefined) {
      this.readStatus(headers); // trailers-only response
    } else if (httpStatus !== 200) {
      this.status = { code: grpcCodeForHttpStatus(httpStatus), details: `Received HTTP status code ${httpStatus}` };
    } else if (!String(headers["content-type"] ?? "").startsWith("application/grpc")) {
      this.status = { code: GrpcCode.UNKNOWN, details: `unexpected content-type ${headers["content-type"]}` };
    }
  }

  private readStatus(headers: IncomingHttpHeaders): void {
    const status = String(headers["grpc-status"] ?? "");
    const message = headers["grpc-message"];
    this.status ??= {
      // An empty or non-numeric grpc-status cannot be read: UNKNOWN, never OK.
      code: /^\d+$/.test(status) ? Number(status) : GrpcCode.UNKNOWN,
      details: typeof message === "string" ? grpcMessageDecoded(message) : "",
    };
  }

  private onData(chunk: Buffer): void {
    if (this.status && this.status.code !== GrpcCode.OK) return;
    try {
      for (const bytes of this.decoder.push(chunk)) this.emit("data", this.method.responseDeserialize(bytes));
    } catch (error) {
      const code = error instanceof GrpcFramingError ? error.grpcCode : GrpcCode.INTERNAL;
      this.status = { code, details: `failed to read a response message: ${(error as Error).message}` };
      this.stream?.close(constants.NGHTTP2_CANCEL);
    }
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.resetTimer) this.clock.clearTimeout(this.resetTimer);
    const status = this.status ?? this.statusWithoutTrailers();
    if (status.code === GrpcCode.OK && this.decoder.leftover > 0) {
      this.emit("error", new GrpcCallError(GrpcCode.INTERNAL, "the stream ended in the middle of a message"));
    } else if (status.code === GrpcCode.OK) {
      this.emit("end");
    } else {
      this.emit("error", new GrpcCallError(status.code, status.details));
    }
  }

  /** The stream closed without a grpc-status: a reset, a broken connection, or a server that just stopped. */
  private statusWithoutTrailers(): Status {
    const reset = this.stream?.rstCode ?? constants.NGHTTP2_NO_ERROR;
    if (reset === constants.NGHTTP2_REFUSED_STREAM) return { code: GrpcCode.UNAVAILABLE, details: "stream refused" };
    // Node reports the server's RST_STREAM as ERR_HTTP2_STREAM_ERROR; any other error is the
    // connection's (refused, TLS, dropped), which is UNAVAILABLE.
    const serverReset = (this.transportError as NodeJS.ErrnoException | undefined)?.code === "ERR_HTTP2_STREAM_ERROR";
    if (this.transportError && !serverReset)
      return { code: GrpcCode.UNAVAILABLE, details: this.transportError.message };
    if (reset !== constants.NGHTTP2_NO_ERROR) {
      return { code: GrpcCode.INTERNAL, details: `Received RST_STREAM with code ${reset}` };
    }
    return { code: GrpcCode.UNKNOWN, details: "the server closed the stream without a grpc-status" };
  }
}
