// The gateway's own gRPC client (Envoy's envoy_grpc): framing, status mapping, streams and unary
// calls against real grpc-js servers and plain HTTP/2 servers, and the cluster client's stats.
import * as http2 from "node:http2";
import * as net from "node:net";
import * as grpc from "@grpc/grpc-js";
import { CertificateAuthority, createSelfSignedCertificate, type PemKeyPair } from "@testbed/common";
import {
  authorizationService,
  extProcService,
  frameMessage,
  GrpcCallError,
  GrpcCode,
  GrpcFramingError,
  GrpcMessageDecoder,
  grpcCodeForHttpStatus,
  headerMapToRecord,
  immediateResponse,
  MAX_MESSAGE_BYTES,
  type ProcessingRequest,
  type ProcessingResponse,
  requestHeadersMessage,
  setHeader,
} from "@testbed/protocol";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { UpstreamTlsContext } from "../src/config/envoy-types.js";
import { type ConnectionEvents, EnvoyGrpcConnection } from "../src/grpc/envoy-grpc-connection.js";
import type { EnvoyGrpcStream, GrpcMethod } from "../src/grpc/envoy-grpc-stream.js";
import { GrpcClusterClient } from "../src/grpc/grpc-cluster-client.js";
import { ClusterRuntime } from "../src/upstream/cluster.js";

interface CheckRequest {
  attributes: { request: { http: { headers: Record<string, string> } } };
}
interface CheckResponse {
  status?: { code?: number };
  ok_response?: { headers?: Array<{ header: { key: string; raw_value?: Uint8Array; value?: string } }> };
}

const processMethod = extProcService().definition.Process as unknown as GrpcMethod<
  ProcessingRequest,
  ProcessingResponse
>;
const checkMethod = authorizationService().definition.Check as unknown as GrpcMethod<CheckRequest, CheckResponse>;

// ---- cleanup ----------------------------------------------------------------------------------

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  // Client side first (connections, clients), then the servers, in reverse order of creation.
  while (cleanups.length > 0) await cleanups.pop()?.();
});

// ---- helpers ----------------------------------------------------------------------------------

async function bindGrpc(server: grpc.Server, address: string, credentials = grpc.ServerCredentials.createInsecure()) {
  return new Promise<number>((resolve, reject) =>
    server.bindAsync(address, credentials, (error, port) => (error ? reject(error) : resolve(port))),
  );
}

/** A grpc-js server on 127.0.0.1:0 (or a given port), force-shut down after the test. */
async function startGrpcServer(
  add: (server: grpc.Server) => void,
  options: { credentials?: grpc.ServerCredentials; port?: number } = {},
): Promise<{ server: grpc.Server; port: number; address: string }> {
  const server = new grpc.Server();
  add(server);
  let port: number | undefined;
  // Rebinding a port just released can race the old listener's close: retry briefly.
  for (let attempt = 0; port === undefined; attempt++) {
    try {
      port = await bindGrpc(server, `127.0.0.1:${options.port ?? 0}`, options.credentials);
    } catch (error) {
      if (attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  cleanups.push(() => server.forceShutdown());
  return { server, port, address: `127.0.0.1:${port}` };
}

/** A plain node:http2 server (no gRPC) whose every stream is answered by `answer`. */
async function startHttp2Server(answer: (stream: http2.ServerHttp2Stream) => void): Promise<string> {
  const server = http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
  });
  server.on("stream", (stream) => {
    stream.on("error", () => {});
    answer(stream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  );
  return `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

interface RecordedEvents extends ConnectionEvents {
  log: string[];
}

function recordEvents(): RecordedEvents {
  const log: string[] = [];
  return {
    log,
    connected: () => log.push("connected"),
    connectFailed: (error) => log.push(`connectFailed:${error.code}`),
    closed: () => log.push("closed"),
  };
}

function connectTo(hostPort: string, events: ConnectionEvents = recordEvents()): EnvoyGrpcConnection {
  const [address, port] = hostPort.split(":");
  const connection = new EnvoyGrpcConnection(
    { address: address as string, port: Number(port) },
    { connectTimeoutMs: 2000 },
    events,
  );
  cleanups.push(() => connection.close());
  return connection;
}

interface Outcome<Response> {
  messages: Response[];
  /** undefined = "end" (status OK); otherwise the GrpcCallError of the "error" event. */
  error: GrpcCallError | undefined;
  /** How many of "end"/"error" were emitted in all (must be exactly one). */
  finishes: () => number;
}

/** Collects a stream's messages and resolves on its first "end" or "error". */
function outcomeOf<Request, Response>(stream: EnvoyGrpcStream<Request, Response>): Promise<Outcome<Response>> {
  const messages: Response[] = [];
  let finishes = 0;
  return new Promise((resolve) => {
    stream.on("data", (message: Response) => messages.push(message));
    stream.on("end", () => {
      finishes++;
      resolve({ messages, error: undefined, finishes: () => finishes });
    });
    stream.on("error", (error: GrpcCallError) => {
      finishes++;
      resolve({ messages, error, finishes: () => finishes });
    });
  });
}

/** Rejects when `promise` takes longer than `ms` (a hanging call is a failed test, not a timeout). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

function headerText(option: { header: { raw_value?: Uint8Array; value?: string } } | undefined): string | undefined {
  if (!option) return undefined;
  return option.header.raw_value ? Buffer.from(option.header.raw_value).toString("utf8") : option.header.value;
}

const checkRequest = (authorization: string): CheckRequest => ({
  attributes: { request: { http: { headers: { authorization } } } },
});

// ---- 1. framing -------------------------------------------------------------------------------

describe("gRPC message framing", () => {
  const messages = [Buffer.from("hello"), Buffer.alloc(0), Buffer.from([0, 1, 2, 255, 0]), Buffer.alloc(300, 7)];
  const stream = Buffer.concat(messages.map((m) => frameMessage(m)));

  it("frameMessage writes the 5-byte prefix: flag 0 and the big-endian length", () => {
    const frame = frameMessage(Buffer.alloc(300, 7));
    expect(frame.length).toBe(305);
    expect([...frame.subarray(0, 5)]).toEqual([0, 0, 0, 1, 44]);
    expect(frame.subarray(5).equals(Buffer.alloc(300, 7))).toBe(true);
  });

  it("several messages joined in one chunk all come out, in order", () => {
    const decoder = new GrpcMessageDecoder();
    const out = decoder.push(stream);
    expect(out.map((m) => m.toString("hex"))).toEqual(messages.map((m) => m.toString("hex")));
    expect(decoder.leftover).toBe(0);
  });

  it("a stream split into two chunks at every byte offset reassembles to the same messages", () => {
    for (let offset = 0; offset <= stream.length; offset++) {
      const decoder = new GrpcMessageDecoder();
      const out = [...decoder.push(stream.subarray(0, offset)), ...decoder.push(stream.subarray(offset))];
      expect(
        out.map((m) => m.toString("hex")),
        `split at ${offset}`,
      ).toEqual(messages.map((m) => m.toString("hex")));
      expect(decoder.leftover, `split at ${offset}`).toBe(0);
    }
  });

  it("a stream fed one byte at a time reassembles to the same messages", () => {
    const decoder = new GrpcMessageDecoder();
    const out: Buffer[] = [];
    for (let i = 0; i < stream.length; i++) out.push(...decoder.push(stream.subarray(i, i + 1)));
    expect(out.map((m) => m.toString("hex"))).toEqual(messages.map((m) => m.toString("hex")));
  });

  it("returned messages are not corrupted by later pushes (copies or stable slices)", () => {
    const decoder = new GrpcMessageDecoder();
    const first = decoder.push(frameMessage(Buffer.from("first")));
    decoder.push(frameMessage(Buffer.from("SECOND")));
    expect(first.map((m) => m.toString())).toEqual(["first"]);
  });

  it("a compressed-flag message is GrpcFramingError INTERNAL (13)", () => {
    const frame = frameMessage(Buffer.from("x"));
    frame[0] = 1;
    const decoder = new GrpcMessageDecoder();
    let thrown: unknown;
    try {
      decoder.push(frame);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(GrpcFramingError);
    expect((thrown as GrpcFramingError).grpcCode).toBe(GrpcCode.INTERNAL);
  });

  it("a length above MAX_MESSAGE_BYTES is GrpcFramingError RESOURCE_EXHAUSTED (8), from the prefix alone", () => {
    const prefix = Buffer.alloc(5);
    prefix.writeUInt32BE(MAX_MESSAGE_BYTES + 1, 1);
    let thrown: unknown;
    try {
      new GrpcMessageDecoder().push(prefix);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(GrpcFramingError);
    expect((thrown as GrpcFramingError).grpcCode).toBe(GrpcCode.RESOURCE_EXHAUSTED);
    // Exactly the limit is still allowed (it waits for the body).
    const atLimit = Buffer.alloc(5);
    atLimit.writeUInt32BE(MAX_MESSAGE_BYTES, 1);
    const decoder = new GrpcMessageDecoder();
    expect(decoder.push(atLimit)).toEqual([]);
    expect(decoder.leftover).toBe(5);
  });

  it("leftover counts the bytes of a message that has not completed", () => {
    const decoder = new GrpcMessageDecoder();
    expect(decoder.leftover).toBe(0);
    expect(decoder.push(Buffer.from([0, 0, 0]))).toEqual([]);
    expect(decoder.leftover).toBe(3);
    const frame = frameMessage(Buffer.from("abcdef"));
    expect(decoder.push(frame.subarray(3, frame.length - 2))).toEqual([]);
    expect(decoder.leftover).toBe(frame.length - 2);
    expect(decoder.push(frame.subarray(frame.length - 2)).map((m) => m.toString())).toEqual(["abcdef"]);
    expect(decoder.leftover).toBe(0);
    // A complete message followed by part of the next one.
    const [done] = decoder.push(
      Buffer.concat([frameMessage(Buffer.from("ok")), frameMessage(Buffer.from("xyz")).subarray(0, 6)]),
    );
    expect(done?.toString()).toBe("ok");
    expect(decoder.leftover).toBe(6);
  });
});

// ---- 2. HTTP status → gRPC status -------------------------------------------------------------

describe("grpcCodeForHttpStatus", () => {
  it.each([
    [400, 13],
    [401, 16],
    [403, 7],
    [404, 12],
    [429, 14],
    [502, 14],
    [503, 14],
    [504, 14],
    [500, 2],
  ])("HTTP %i → gRPC %i", (http, code) => {
    expect(grpcCodeForHttpStatus(http)).toBe(code);
  });
});

// ---- 3. streams against a grpc-js ext_proc server ---------------------------------------------

type ProcessHandler = (call: grpc.ServerDuplexStream<ProcessingRequest, ProcessingResponse>) => void;

async function startProcessServer(handler: ProcessHandler) {
  return startGrpcServer((server) => server.addService(extProcService().definition, { Process: handler }));
}

/** Answers every request with an immediate response whose body names the request's x-seq header. */
const echoProcessor: ProcessHandler = (call) => {
  call.on("data", (message: ProcessingRequest) => {
    const seq = headerMapToRecord(message.request_headers?.headers)["x-seq"] ?? "?";
    call.write(immediateResponse(200, `reply-${seq}`));
  });
  call.on("end", () => call.end());
  call.on("error", () => {});
};

describe("EnvoyGrpcStream against a grpc-js ext_proc server", () => {
  it("two requests, the two responses in order, then end when the server finishes with OK", async () => {
    const { address } = await startProcessServer(echoProcessor);
    const events = recordEvents();
    const connection = connectTo(address, events);
    const stream = connection.stream(processMethod);
    const received: string[] = [];
    const outcome = outcomeOf(stream);
    stream.on("data", (message: ProcessingResponse) => {
      received.push(Buffer.from(message.immediate_response?.body ?? []).toString());
      if (received.length === 2) stream.end();
    });
    stream.write(requestHeadersMessage({ "x-seq": "1" }, false));
    stream.write(requestHeadersMessage({ "x-seq": "2" }, false));
    const result = await within(outcome, 5000, "the stream");
    expect(result.error).toBeUndefined();
    expect(received).toEqual(["reply-1", "reply-2"]);
    expect(result.messages).toHaveLength(2);
    await tick();
    expect(result.finishes()).toBe(1);
    expect(events.log).toEqual(["connected"]);
    expect(connection.usable).toBe(true);
  });

  it("a server that fails with INTERNAL 'boom' before any message, client not half-closed: error 13 'boom' (trailers-only)", async () => {
    let serverGotRequest = false;
    const { address } = await startProcessServer((call) => {
      call.on("data", () => {
        serverGotRequest = true;
        call.emit("error", { code: grpc.status.INTERNAL, details: "boom" });
      });
      call.on("error", () => {});
    });
    const connection = connectTo(address);
    const stream = connection.stream(processMethod);
    const outcome = outcomeOf(stream);
    stream.write(requestHeadersMessage({ "x-seq": "1" }, false)); // and no end(): still open on our side
    const result = await within(outcome, 3000, "the trailers-only stream");
    expect(serverGotRequest).toBe(true);
    expect(result.messages).toEqual([]);
    expect(result.error).toBeInstanceOf(GrpcCallError);
    expect(result.error?.code).toBe(GrpcCode.INTERNAL);
    expect(result.error?.details).toBe("boom");
    await tick();
    expect(result.finishes()).toBe(1);
    // The connection survives a failed call: a second call on it works.
    expect(connection.usable).toBe(true);
  });

  it("a server that fails at once without reading anything: error 13 'boom', no hang", async () => {
    const { address } = await startProcessServer((call) => {
      call.on("error", () => {});
      call.emit("error", { code: grpc.status.INTERNAL, details: "boom" });
    });
    const stream = connectTo(address).stream(processMethod);
    const result = await within(outcomeOf(stream), 3000, "the stream");
    expect(result.error?.code).toBe(GrpcCode.INTERNAL);
    expect(result.error?.details).toBe("boom");
  });

  it("cancel(): error CANCELLED (1) on the client, and the server sees the cancellation", async () => {
    let serverCancelled!: () => void;
    const cancelledOnServer = new Promise<void>((resolve) => {
      serverCancelled = resolve;
    });
    let serverCall: grpc.ServerDuplexStream<ProcessingRequest, ProcessingResponse> | undefined;
    const { address } = await startProcessServer((call) => {
      serverCall = call;
      call.on("cancelled", () => serverCancelled());
      call.on("error", () => {});
      call.on("data", () => call.write(immediateResponse(200, "first")));
    });
    const stream = connectTo(address).stream(processMethod);
    const outcome = outcomeOf(stream);
    const firstMessage = new Promise<void>((resolve) => stream.once("data", () => resolve()));
    stream.write(requestHeadersMessage({ "x-seq": "1" }, false));
    await within(firstMessage, 3000, "the first response");
    stream.cancel();
    const result = await within(outcome, 3000, "the cancelled stream");
    expect(result.messages).toHaveLength(1);
    expect(result.error?.code).toBe(GrpcCode.CANCELLED);
    await within(cancelledOnServer, 3000, "the server's cancelled event");
    expect(serverCall?.cancelled).toBe(true);
    await tick();
    expect(result.finishes()).toBe(1);
  });
});

// ---- 4. unary ---------------------------------------------------------------------------------

describe("EnvoyGrpcConnection.unary against a grpc-js ext_authz server", () => {
  it("resolves the server's response (request serialized, response deserialized)", async () => {
    const { address } = await startGrpcServer((server) =>
      server.addService(authorizationService().definition, {
        Check(call: grpc.ServerUnaryCall<CheckRequest, CheckResponse>, callback: grpc.sendUnaryData<CheckResponse>) {
          callback(null, {
            status: { code: 0 },
            ok_response: {
              headers: [setHeader("x-echo", call.request.attributes.request.http.headers.authorization ?? "")],
            },
          });
        },
      }),
    );
    const response = await connectTo(address).unary(checkMethod, checkRequest("Bearer alice"), 2000);
    expect(response.status?.code ?? 0).toBe(0);
    expect(response.ok_response?.headers?.[0]?.header.key).toBe("x-echo");
    expect(headerText(response.ok_response?.headers?.[0])).toBe("Bearer alice");
  });

  it("a server that never answers: GrpcCallError DEADLINE_EXCEEDED after the timeout; the server got a deadline", async () => {
    let serverDeadline: number | undefined;
    const { address } = await startGrpcServer((server) =>
      server.addService(authorizationService().definition, {
        Check(call: grpc.ServerUnaryCall<CheckRequest, CheckResponse>) {
          const deadline = call.getDeadline();
          serverDeadline = deadline instanceof Date ? deadline.getTime() : deadline;
          // never calls back
        },
      }),
    );
    const connection = connectTo(address);
    const started = Date.now();
    const error = await within(
      connection.unary(checkMethod, checkRequest("x"), 100).then(
        () => undefined,
        (e: unknown) => e,
      ),
      3000,
      "the unary call",
    );
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(GrpcCallError);
    expect((error as GrpcCallError).code).toBe(GrpcCode.DEADLINE_EXCEEDED);
    expect(elapsed).toBeGreaterThanOrEqual(90);
    expect(elapsed).toBeLessThan(2000);
    expect(serverDeadline).toBeDefined();
    expect(Number.isFinite(serverDeadline)).toBe(true);
    // grpc-js derives the deadline from grpc-timeout: about 100 ms after the call started.
    expect(serverDeadline as number).toBeGreaterThanOrEqual(started + 50);
    expect(serverDeadline as number).toBeLessThanOrEqual(started + 1000);
    expect(connection.usable).toBe(true);
  });
});

// ---- 5. a plain HTTP/2 server: responses that are not gRPC -----------------------------------

describe("EnvoyGrpcStream against a plain HTTP/2 server", () => {
  /** Opens a stream on a fresh connection to `address` and waits for its outcome. */
  async function callOn(address: string, halfClose = true) {
    const stream = connectTo(address).stream(processMethod);
    const outcome = outcomeOf(stream);
    stream.write(requestHeadersMessage({}, true));
    if (halfClose) stream.end();
    return within(outcome, 3000, "the stream");
  }

  it("503 without grpc-status → UNAVAILABLE (14)", async () => {
    const address = await startHttp2Server((stream) => {
      stream.respond({ ":status": 503 });
      stream.end("no healthy upstream");
    });
    const result = await callOn(address);
    expect(result.error?.code).toBe(GrpcCode.UNAVAILABLE);
    expect(result.messages).toEqual([]);
  });

  it("200 with content-type text/plain → UNKNOWN (2)", async () => {
    const address = await startHttp2Server((stream) => {
      stream.respond({ ":status": 200, "content-type": "text/plain" });
      stream.end("hello, not grpc");
    });
    const result = await callOn(address);
    expect(result.error?.code).toBe(GrpcCode.UNKNOWN);
    expect(result.messages).toEqual([]);
  });

  it("a trailers-only response (HEADERS with grpc-status and END_STREAM) while the client is still open", async () => {
    const address = await startHttp2Server((stream) => {
      stream.respond(
        { ":status": 200, "content-type": "application/grpc", "grpc-status": "13", "grpc-message": "boom%20now" },
        { endStream: true },
      );
    });
    const stream = connectTo(address).stream(processMethod);
    const outcome = outcomeOf(stream);
    stream.write(requestHeadersMessage({}, false));
    const result = await within(outcome, 3000, "the trailers-only stream");
    expect(result.error?.code).toBe(GrpcCode.INTERNAL);
    expect(result.error?.details).toBe("boom now");
  });

  it("a response message longer than MAX_MESSAGE_BYTES → RESOURCE_EXHAUSTED (8), without waiting for its body", async () => {
    const address = await startHttp2Server((stream) => {
      stream.respond({ ":status": 200, "content-type": "application/grpc" });
      const prefix = Buffer.alloc(5);
      prefix.writeUInt32BE(MAX_MESSAGE_BYTES + 1, 1);
      stream.write(prefix); // and nothing more: the client must not wait for 4 MiB
    });
    const result = await callOn(address);
    expect(result.error?.code).toBe(GrpcCode.RESOURCE_EXHAUSTED);
  });

  it("a compressed response message → INTERNAL (13)", async () => {
    const address = await startHttp2Server((stream) => {
      stream.respond({ ":status": 200, "content-type": "application/grpc" });
      const frame = frameMessage(Buffer.from("x"));
      frame[0] = 1;
      stream.write(frame);
    });
    const result = await callOn(address);
    expect(result.error?.code).toBe(GrpcCode.INTERNAL);
  });

  it("a response that does not deserialize → INTERNAL (13), even though the trailers say OK", async () => {
    const address = await startHttp2Server((stream) => {
      stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      // Field 31, wire type 7: not a valid protobuf encoding.
      stream.end(frameMessage(Buffer.from([0xff, 0x01])));
    });
    const result = await callOn(address);
    expect(result.error?.code).toBe(GrpcCode.INTERNAL);
    expect(result.messages).toEqual([]);
  });

  it("RST_STREAM REFUSED_STREAM → UNAVAILABLE (14), and the connection stays usable", async () => {
    const address = await startHttp2Server((stream) => stream.close(http2.constants.NGHTTP2_REFUSED_STREAM));
    const connection = connectTo(address);
    const stream = connection.stream(processMethod);
    const outcome = outcomeOf(stream);
    stream.end();
    const result = await within(outcome, 3000, "the refused stream");
    expect(result.error?.code).toBe(GrpcCode.UNAVAILABLE);
    expect(connection.usable).toBe(true);
  });

  it("RST_STREAM INTERNAL_ERROR from the server → INTERNAL (13)", async () => {
    const address = await startHttp2Server((stream) => stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR));
    const result = await callOn(address);
    expect(result.error?.code).toBe(GrpcCode.INTERNAL);
    expect(result.error?.details).toBe(`Received RST_STREAM with code ${http2.constants.NGHTTP2_INTERNAL_ERROR}`);
  });

  it("a grpc-message with an invalid percent-encoding keeps the server's status and the raw text", async () => {
    const address = await startHttp2Server((stream) =>
      stream.respond(
        { ":status": 200, "content-type": "application/grpc", "grpc-status": "13", "grpc-message": "100% broken" },
        { endStream: true },
      ),
    );
    const result = await callOn(address);
    expect(result.error?.code).toBe(GrpcCode.INTERNAL);
    expect(result.error?.details).toBe("100% broken");
  });

  it("an empty grpc-status is unreadable: UNKNOWN (2), never OK", async () => {
    const address = await startHttp2Server((stream) =>
      stream.respond({ ":status": 200, "content-type": "application/grpc", "grpc-status": "" }, { endStream: true }),
    );
    const result = await callOn(address);
    expect(result.error?.code).toBe(GrpcCode.UNKNOWN);
  });

  it("several messages then trailers with grpc-status 0 → every message, then end", async () => {
    const address = await startHttp2Server((stream) => {
      stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      stream.end(
        Buffer.concat([frameMessage(Buffer.alloc(0)), frameMessage(Buffer.alloc(0)), frameMessage(Buffer.alloc(0))]),
      );
    });
    const result = await callOn(address);
    expect(result.error).toBeUndefined();
    expect(result.messages).toHaveLength(3);
  });

  it("a message cut off by the end of the stream with grpc-status 0 → INTERNAL", async () => {
    const address = await startHttp2Server((stream) => {
      stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      stream.end(frameMessage(Buffer.from("abcdef")).subarray(0, 7));
    });
    const stream = connectTo(address).stream(processMethod);
    const outcome = outcomeOf(stream);
    stream.end();
    const result = await within(outcome, 3000, "the stream");
    expect(result.error?.code).toBe(GrpcCode.INTERNAL);
  });
});

// ---- 6. GrpcClusterClient stats ---------------------------------------------------------------

function clusterOn(port: number, tls?: UpstreamTlsContext): ClusterRuntime {
  return new ClusterRuntime({
    name: "svc",
    type: "STATIC",
    connect_timeout: 2,
    http2: true,
    endpoints: [{ address: "127.0.0.1", port_value: port }],
    ...(tls ? { tls } : {}),
  });
}

function clientFor(cluster: ClusterRuntime): GrpcClusterClient {
  const client = new GrpcClusterClient(cluster);
  cleanups.push(() => client.close());
  return client;
}

const answeringCheck = (server: grpc.Server) =>
  server.addService(authorizationService().definition, {
    Check(_call: grpc.ServerUnaryCall<CheckRequest, CheckResponse>, callback: grpc.sendUnaryData<CheckResponse>) {
      callback(null, { status: { code: 0 }, ok_response: { headers: [setHeader("x-ok", "yes")] } });
    },
  });

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function hostStats(cluster: ClusterRuntime) {
  const host = [...cluster.hosts.values()][0];
  if (!host) throw new Error("the cluster has no host");
  return host.stats.values;
}

describe("GrpcClusterClient stats", () => {
  it("one call: cx_total 1, cx_active 1, rq_total 1, rq_success 1; a second call reuses the connection", async () => {
    const { port } = await startGrpcServer(answeringCheck);
    const cluster = clusterOn(port);
    const client = clientFor(cluster);
    const first = client.open();
    if (!first) throw new Error("no host");
    const response = await first.connection.unary(checkMethod, checkRequest("a"), 2000);
    expect(response.ok_response?.headers?.[0]?.header.key).toBe("x-ok");
    first.done({ ok: true });
    first.done({ ok: true }); // a second done() counts nothing
    const stats = hostStats(cluster);
    expect(stats).toMatchObject({
      cx_total: 1,
      cx_active: 1,
      cx_connect_fail: 0,
      rq_total: 1,
      rq_success: 1,
      rq_active: 0,
    });
    expect(cluster.stats.values.upstream_cx_total).toBe(1);
    expect(cluster.stats.values.upstream_cx_active).toBe(1);
    expect(cluster.stats.values.upstream_rq_total).toBe(1);

    const second = client.open();
    expect(second?.connection).toBe(first.connection);
    await second?.connection.unary(checkMethod, checkRequest("b"), 2000);
    second?.done({ ok: true });
    expect(stats).toMatchObject({ cx_total: 1, cx_active: 1, rq_total: 2, rq_success: 2, rq_active: 0 });
    expect(cluster.stats.values.upstream_cx_total).toBe(1);
  });

  it("a closed port: error UNAVAILABLE (14), cx_connect_fail 1, and the next open() connects anew", async () => {
    const cluster = clusterOn(await closedPort());
    const client = clientFor(cluster);
    const call = client.open();
    if (!call) throw new Error("no host");
    const stream = call.connection.stream(processMethod);
    const outcome = outcomeOf(stream);
    stream.write(requestHeadersMessage({}, true));
    stream.end();
    const result = await within(outcome, 3000, "the stream to a closed port");
    call.done({ ok: false });
    expect(result.error?.code).toBe(GrpcCode.UNAVAILABLE);
    const stats = hostStats(cluster);
    await vi.waitFor(() => expect(stats.cx_connect_fail).toBe(1));
    expect(stats).toMatchObject({ cx_total: 1, cx_active: 0, rq_total: 1, rq_error: 1, rq_active: 0 });
    expect(cluster.stats.values.upstream_cx_connect_fail).toBe(1);
    expect(cluster.stats.values["ssl.fail_verify_error"]).toBe(0);
    expect(call.connection.usable).toBe(false);

    const next = client.open();
    expect(next?.connection).not.toBe(call.connection);
    expect(stats.cx_total).toBe(2);
    expect(cluster.stats.values.upstream_cx_total).toBe(2);
    const nextResult = await within(
      outcomeOf(next?.connection.stream(processMethod) as EnvoyGrpcStream<ProcessingRequest, ProcessingResponse>),
      3000,
      "the second stream",
    );
    next?.done({ ok: false });
    expect(nextResult.error?.code).toBe(GrpcCode.UNAVAILABLE);
    await vi.waitFor(() => expect(stats.cx_connect_fail).toBe(2));
    expect(stats.cx_active).toBe(0);
  });

  describe("TLS", () => {
    let serving: PemKeyPair;
    let otherCa: CertificateAuthority;
    beforeAll(async () => {
      [serving, otherCa] = await Promise.all([
        createSelfSignedCertificate({ name: "CN=grpc-service", dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"] }),
        CertificateAuthority.create("CN=some-other-ca"),
      ]);
    });

    const tlsServer = () =>
      startGrpcServer(answeringCheck, {
        credentials: grpc.ServerCredentials.createSsl(
          null,
          [{ private_key: Buffer.from(serving.key), cert_chain: Buffer.from(serving.cert) }],
          false,
        ),
      });

    async function callOnce(cluster: ClusterRuntime) {
      const client = clientFor(cluster);
      const call = client.open();
      if (!call) throw new Error("no host");
      const result = await within(
        call.connection.unary(checkMethod, checkRequest("t"), 3000).then(
          (response) => ({ response, error: undefined }),
          (error: GrpcCallError) => ({ response: undefined, error }),
        ),
        5000,
        "the TLS call",
      );
      call.done({ ok: result.error === undefined });
      return result;
    }

    it("a CA that did not sign the certificate: UNAVAILABLE, cx_connect_fail 1, ssl.fail_verify_error 1", async () => {
      const { port } = await tlsServer();
      const cluster = clusterOn(port, {
        sni: "localhost",
        common_tls_context: { validation_context: { trusted_ca: { inline_string: otherCa.certPem } } },
      });
      const { error } = await callOnce(cluster);
      expect(error?.code).toBe(GrpcCode.UNAVAILABLE);
      await vi.waitFor(() => expect(hostStats(cluster).cx_connect_fail).toBe(1));
      expect(hostStats(cluster)).toMatchObject({ cx_total: 1, cx_active: 0, rq_error: 1 });
      expect(cluster.stats.values["ssl.fail_verify_error"]).toBe(1);
      expect(cluster.stats.values["ssl.handshake"]).toBe(0);
      expect(cluster.stats.values.upstream_cx_connect_fail).toBe(1);
    });

    it("no CA at all (system roots) against a self-signed certificate: ssl.fail_verify_error 1", async () => {
      const { port } = await tlsServer();
      const cluster = clusterOn(port, { sni: "localhost" });
      const { error } = await callOnce(cluster);
      expect(error?.code).toBe(GrpcCode.UNAVAILABLE);
      await vi.waitFor(() => expect(hostStats(cluster).cx_connect_fail).toBe(1));
      expect(cluster.stats.values["ssl.fail_verify_error"]).toBe(1);
      expect(cluster.stats.values["ssl.handshake"]).toBe(0);
    });

    it("the right CA but an SNI the certificate does not name: verified, as Envoy checks no name without SAN matchers", async () => {
      const { port } = await tlsServer();
      const cluster = clusterOn(port, {
        sni: "not-the-service.example",
        common_tls_context: { validation_context: { trusted_ca: { inline_string: serving.cert } } },
      });
      const { error } = await callOnce(cluster);
      expect(error).toBeUndefined();
      expect(hostStats(cluster).cx_connect_fail).toBe(0);
      expect(cluster.stats.values["ssl.fail_verify_san"]).toBe(0);
      expect(cluster.stats.values["ssl.handshake"]).toBe(1);
    });

    it("the right CA and SNI: the call succeeds, ssl.handshake 1, no connect failure", async () => {
      const { port } = await tlsServer();
      const cluster = clusterOn(port, {
        sni: "localhost",
        common_tls_context: { validation_context: { trusted_ca: { inline_string: serving.cert } } },
      });
      const { response, error } = await callOnce(cluster);
      expect(error).toBeUndefined();
      expect(response?.ok_response?.headers?.[0]?.header.key).toBe("x-ok");
      expect(cluster.stats.values["ssl.handshake"]).toBe(1);
      expect(cluster.stats.values["ssl.fail_verify_error"]).toBe(0);
      expect(hostStats(cluster)).toMatchObject({ cx_total: 1, cx_active: 1, cx_connect_fail: 0, rq_success: 1 });
    });
  });

  it("a TLS handshake that never completes: the cluster's connect_timeout fails the connection (cx_connect_fail, UNAVAILABLE)", async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => {
      sockets.add(socket); // accepts TCP, never answers the ClientHello
      socket.on("error", () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          for (const socket of sockets) socket.destroy();
          silent.close(() => resolve());
        }),
    );
    const cluster = new ClusterRuntime({
      name: "svc",
      type: "STATIC",
      connect_timeout: 0.2,
      http2: true,
      endpoints: [{ address: "127.0.0.1", port_value: (silent.address() as net.AddressInfo).port }],
      tls: { sni: "localhost" },
    });
    const client = clientFor(cluster);
    const call = client.open();
    if (!call) throw new Error("no host");
    const started = Date.now();
    const result = await within(outcomeOf(call.connection.stream(processMethod)), 3000, "the stream");
    call.done({ ok: false });
    expect(result.error?.code).toBe(GrpcCode.UNAVAILABLE);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    await vi.waitFor(() => expect(hostStats(cluster).cx_connect_fail).toBe(1));
    expect(hostStats(cluster)).toMatchObject({ cx_total: 1, cx_active: 0 });
    expect(cluster.stats.values["ssl.handshake"]).toBe(0);
    expect(cluster.stats.values["ssl.fail_verify_error"]).toBe(0);
  });

  it("across a config update the versions share their stats: the old version's connection closing is seen by the new", async () => {
    const { port } = await startGrpcServer(answeringCheck);
    const oldVersion = clusterOn(port);
    const oldClient = clientFor(oldVersion);
    const call = oldClient.open();
    if (!call) throw new Error("no host");
    await call.connection.unary(checkMethod, checkRequest("a"), 2000);
    call.done({ ok: true });
    const newVersion = new ClusterRuntime(oldVersion.config, oldVersion);
    expect(hostStats(newVersion)).toBe(hostStats(oldVersion));
    expect(newVersion.stats).toBe(oldVersion.stats);
    expect(hostStats(newVersion)).toMatchObject({ cx_total: 1, cx_active: 1, rq_success: 1 });
    oldClient.close();
    await vi.waitFor(() => expect(hostStats(newVersion).cx_active).toBe(0));
    expect(newVersion.stats.values.upstream_cx_active).toBe(0);
  });

  it("no host in the cluster: open() is undefined and counts upstream_cx_none_healthy", () => {
    const cluster = new ClusterRuntime({ name: "empty", type: "STATIC", http2: true, endpoints: [] });
    expect(clientFor(cluster).open()).toBeUndefined();
    expect(cluster.stats.values.upstream_cx_none_healthy).toBe(1);
    expect(cluster.stats.values.upstream_rq_total).toBe(0);
  });

  it("the server drains (GOAWAY): the connection becomes unusable, cx_active drops, the next open() connects anew", async () => {
    const { server, port } = await startGrpcServer(answeringCheck);
    const cluster = clusterOn(port);
    const client = clientFor(cluster);
    const first = client.open();
    if (!first) throw new Error("no host");
    await first.connection.unary(checkMethod, checkRequest("a"), 2000);
    first.done({ ok: true });
    const stats = hostStats(cluster);
    expect(stats).toMatchObject({ cx_total: 1, cx_active: 1 });

    server.drain(`127.0.0.1:${port}`, 1000);
    await vi.waitFor(() => expect(first.connection.usable).toBe(false));
    await vi.waitFor(() => expect(stats.cx_active).toBe(0));
    expect(cluster.stats.values.upstream_cx_active).toBe(0);

    const second = client.open();
    expect(second?.connection).not.toBe(first.connection);
    expect(stats.cx_total).toBe(2);
    await second?.connection.unary(checkMethod, checkRequest("b"), 2000);
    second?.done({ ok: true });
    expect(stats).toMatchObject({ cx_total: 2, cx_active: 1, cx_connect_fail: 0, rq_success: 2 });
  });

  it("after a GOAWAY the connection takes no new call but stays active until its last stream is over", async () => {
    let held: http2.ServerHttp2Stream | undefined;
    const address = await startHttp2Server((stream) => {
      stream.respond({ ":status": 200, "content-type": "application/grpc" });
      held = stream;
      stream.session?.goaway();
    });
    const cluster = clusterOn(Number(address.split(":")[1]));
    const client = clientFor(cluster);
    const call = client.open();
    if (!call) throw new Error("no host");
    const stream = call.connection.stream(processMethod);
    const outcome = outcomeOf(stream);
    await vi.waitFor(() => expect(call.connection.usable).toBe(false));
    expect(hostStats(cluster).cx_active).toBe(1);
    held?.end();
    stream.end();
    await within(outcome, 3000, "the last stream");
    await vi.waitFor(() => expect(hostStats(cluster).cx_active).toBe(0));
  });

  it("the server is force-shut down: a call under way fails, cx_active drops, a new connection to the restarted server works", async () => {
    const { server, port } = await startGrpcServer((s) => {
      answeringCheck(s);
      s.addService(extProcService().definition, {
        Process(call: grpc.ServerDuplexStream<ProcessingRequest, ProcessingResponse>) {
          call.on("error", () => {}); // silent: keeps the stream open
        },
      });
    });
    const cluster = clusterOn(port);
    const client = clientFor(cluster);
    const first = client.open();
    if (!first) throw new Error("no host");
    await first.connection.unary(checkMethod, checkRequest("a"), 2000);
    first.done({ ok: true });
    const stats = hostStats(cluster);
    expect(stats).toMatchObject({ cx_total: 1, cx_active: 1 });

    const open = client.open();
    const openStream = open?.connection.stream(processMethod);
    if (!openStream) throw new Error("no stream");
    const outcome = outcomeOf(openStream);
    openStream.write(requestHeadersMessage({}, false));
    await tick();
    server.forceShutdown();
    const result = await within(outcome, 3000, "the stream cut by the shutdown");
    open?.done({ ok: false });
    // The connection went away under the call: UNAVAILABLE, as for any broken connection.
    expect(result.error).toBeInstanceOf(GrpcCallError);
    expect(result.error?.code).toBe(GrpcCode.UNAVAILABLE);
    await vi.waitFor(() => expect(first.connection.usable).toBe(false));
    await vi.waitFor(() => expect(stats.cx_active).toBe(0));
    expect(stats.cx_connect_fail).toBe(0);

    await startGrpcServer(answeringCheck, { port });
    const second = client.open();
    expect(second?.connection).not.toBe(first.connection);
    expect(stats.cx_total).toBe(2);
    await second?.connection.unary(checkMethod, checkRequest("b"), 2000);
    second?.done({ ok: true });
    expect(stats).toMatchObject({ cx_total: 2, cx_active: 1, cx_connect_fail: 0, rq_success: 2, rq_error: 1 });
  });
});
