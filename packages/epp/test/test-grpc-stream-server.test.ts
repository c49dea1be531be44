import { connect, type IncomingHttpHeaders } from "node:http2";
import * as grpc from "@grpc/grpc-js";
import { eventually, SimulatedClock } from "@testbed/common";
import {
  extProcService,
  frameMessage,
  grpcMessageDecoded,
  grpcMessageEncoded,
  type ProcessingRequest,
  type ProcessingResponse,
  requestBodyMessage,
  requestHeadersResponse,
} from "@testbed/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GrpcStreamServer, type ServerStreamCall, type StreamingMethod } from "../src/handlers/grpc-stream-server.js";

/** ExternalProcessor.Process, served here and spoken by the raw clients below. */
const PROCESS = extProcService().definition.Process as StreamingMethod<ProcessingRequest, ProcessingResponse> & {
  requestSerialize(value: ProcessingRequest): Buffer;
};
const SERVICE = "envoy.service.ext_proc.v3.ExternalProcessor";

type Call = ServerStreamCall<ProcessingRequest, ProcessingResponse>;
/** What the handler saw of each call, in order. */
const seen: Array<{ events: string[]; call: Call }> = [];
let server: GrpcStreamServer;
let address: string;

beforeAll(async () => {
  server = new GrpcStreamServer();
  // Answers every request_body with one request_headers response; a body "end" ends the call.
  server.addMethod(PROCESS, (call) => {
    const record = { events: [] as string[], call };
    seen.push(record);
    call.on("data", (message: ProcessingRequest) => {
      record.events.push(`data:${message.request}`);
      const text = Buffer.from(message.request_body?.body ?? []).toString();
      if (text === "end") call.end();
      else call.write(requestHeadersResponse({ clearRouteCache: true }));
    });
    for (const event of ["end", "cancelled", "error"]) call.on(event, () => record.events.push(event));
  });
  address = `127.0.0.1:${await server.listen("127.0.0.1", 0)}`;
});
afterAll(() => server.close());

/** One raw HTTP/2 request: the response headers, the trailers (if any) and the body bytes. */
function rawRequest(
  headers: Record<string, string>,
  body?: Buffer,
): Promise<{ headers: IncomingHttpHeaders; trailers: IncomingHttpHeaders | undefined; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const session = connect(`http://${address}`);
    session.on("error", reject);
    const stream = session.request({ ":method": "POST", ":path": `/${SERVICE}/Process`, ...headers });
    let responseHeaders: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders | undefined;
    const chunks: Buffer[] = [];
    stream.on("response", (h) => {
      responseHeaders = h;
    });
    stream.on("trailers", (t) => {
      trailers = t;
    });
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("error", () => {});
    stream.on("close", () => {
      session.close();
      resolve({ headers: responseHeaders, trailers, body: Buffer.concat(chunks) });
    });
    stream.end(body);
  });
}

function grpcClient(): grpc.Client {
  return new grpc.Client(address, grpc.credentials.createInsecure());
}

/** A unary-shaped call on `path` through grpc-js: resolves with the status it ends with. */
function callPath(path: string): Promise<grpc.StatusObject> {
  const client = grpcClient();
  return new Promise((resolve) => {
    const call = client.makeBidiStreamRequest(
      path,
      (value: Buffer) => value,
      (value: Buffer) => value,
    );
    call.on("error", () => {});
    call.on("data", () => {});
    call.on("status", (status: grpc.StatusObject) => {
      client.close();
      resolve(status);
    });
    call.end();
  });
}

describe("the EPP's gRPC server (ext_proc port)", () => {
  it("serves a bidirectional call to grpc-js: messages both ways, then status OK in trailers", async () => {
    const client = new (extProcService().Client)(address, grpc.credentials.createInsecure());
    const call = client.Process?.();
    if (!call) throw new Error("no Process method on the client");
    const received: ProcessingResponse[] = [];
    const status = await new Promise<grpc.StatusObject>((resolve) => {
      call.on("data", (response: ProcessingResponse) => {
        received.push(response);
        if (received.length === 2) call.write(requestBodyMessage(Buffer.from("end"), true));
      });
      call.on("status", resolve);
      call.on("error", () => {});
      call.write(requestBodyMessage(Buffer.from("one"), false));
      call.write(requestBodyMessage(Buffer.from("two"), false));
    });
    client.close();
    expect(status.code).toBe(grpc.status.OK);
    expect(received.map((r) => r.response)).toEqual(["request_headers", "request_headers"]);
    expect(received[0]?.request_headers?.response?.clear_route_cache).toBe(true);
  });

  it("answers an unknown method or service UNIMPLEMENTED with grpc-go's words", async () => {
    const method = await callPath(`/${SERVICE}/Nope`);
    expect(method.code).toBe(grpc.status.UNIMPLEMENTED);
    expect(method.details).toBe(`unknown method Nope for service ${SERVICE}`);
    const service = await callPath("/no.Such/Process");
    expect(service.code).toBe(grpc.status.UNIMPLEMENTED);
    expect(service.details).toBe("unknown service no.Such");
  });

  it("answers a request that is not gRPC with an HTTP status and a gRPC status beside it", async () => {
    const json = await rawRequest({ "content-type": "application/json" }, Buffer.from("{}"));
    expect(json.headers[":status"]).toBe(415);
    expect(json.headers["grpc-status"]).toBe("3");
    expect(grpcMessageDecoded(String(json.headers["grpc-message"]))).toBe(
      'invalid gRPC request content-type "application/json"',
    );
    const get = await rawRequest({ ":method": "GET", "content-type": "application/grpc" });
    expect(get.headers[":status"]).toBe(405);
    expect(get.headers["grpc-status"]).toBe("13");
    expect(String(get.headers["grpc-message"])).toContain("which should be POST");
  });

  it("ends a call whose message cannot be read with INTERNAL, and tells the handler", async () => {
    const before = seen.length;
    const garbage = await rawRequest(
      { "content-type": "application/grpc", te: "trailers" },
      frameMessage(Buffer.from([0xff, 0xff, 0xff])),
    );
    expect(garbage.headers[":status"]).toBe(200);
    expect(garbage.headers["grpc-status"]).toBe("13"); // trailers-only: nothing was sent before
    expect(grpcMessageDecoded(String(garbage.headers["grpc-message"]))).toMatch(/^grpc: error unmarshalling request: /);
    expect(seen[before]?.events).toEqual(["error"]);

    const compressed = Buffer.concat([Buffer.from([1, 0, 0, 0, 1]), Buffer.from([0])]);
    const flagged = await rawRequest({ "content-type": "application/grpc+proto" }, compressed);
    expect(flagged.headers["grpc-status"]).toBe("13");
    expect(grpcMessageDecoded(String(flagged.headers["grpc-message"]))).toContain("compressed");
  });

  it("sends status OK in trailers after messages, and trailers-only when nothing was sent", async () => {
    const message = (text: string) =>
      frameMessage(PROCESS.requestSerialize(requestBodyMessage(Buffer.from(text), true)));
    // "hello" gets an answer; the request's end then reaches the handler, which leaves the call open,
    // so end it from the server side through the recorded call.
    const before = seen.length;
    const pending = rawRequest({ "content-type": "application/grpc", te: "trailers" }, message("hello"));
    await eventually(() => seen[before]?.events.includes("end") === true);
    seen[before]?.call.end();
    const answered = await pending;
    expect(answered.headers["grpc-status"]).toBeUndefined();
    expect(answered.trailers?.["grpc-status"]).toBe("0");
    expect(answered.body.length).toBeGreaterThan(5);

    const ended = await rawRequest({ "content-type": "application/grpc", te: "trailers" }, message("end"));
    expect(ended.headers["grpc-status"]).toBe("0");
    expect(ended.trailers).toBeUndefined();
    expect(ended.body.length).toBe(0);
  });

  it("reports a client's reset to the handler as a cancellation", async () => {
    const before = seen.length;
    const session = connect(`http://${address}`);
    const stream = session.request({
      ":method": "POST",
      ":path": `/${SERVICE}/Process`,
      "content-type": "application/grpc",
    });
    stream.on("error", () => {});
    await eventually(() => seen.length > before);
    stream.close();
    await eventually(() => seen[before]?.events.includes("cancelled") === true);
    session.close();
    // Node reports the end of the readable side before the reset itself.
    expect(seen[before]?.events.at(-1)).toBe("cancelled");
    expect(seen[before]?.events).not.toContain("error");
  });

  it("percent-encodes grpc-message both ways", () => {
    const text = "100% ünicode\nline";
    expect(grpcMessageEncoded(text)).toBe("100%25 %C3%BCnicode%0Aline");
    expect(grpcMessageDecoded(grpcMessageEncoded(text))).toBe(text);
    expect(grpcMessageDecoded("%zz")).toBe("%zz");
  });

  it("closes with a stream still open: GOAWAY, then the stream is dropped after the grace period", async () => {
    const clock = new SimulatedClock();
    const own = new GrpcStreamServer({ clock });
    let opened = false;
    let cancelled = false;
    own.addMethod(PROCESS, (call) => {
      opened = true;
      call.on("cancelled", () => (cancelled = true));
    });
    const port = await own.listen("127.0.0.1", 0);
    const session = connect(`http://127.0.0.1:${port}`);
    let goaway = false;
    session.on("goaway", () => (goaway = true));
    session.on("error", () => {});
    const stream = session.request({
      ":method": "POST",
      ":path": `/${SERVICE}/Process`,
      "content-type": "application/grpc",
    });
    stream.on("error", () => {});
    await eventually(() => opened);
    const closing = own.close(100);
    await eventually(() => goaway);
    // The grace period runs on the server's clock: the open stream survives until it has passed.
    expect(cancelled).toBe(false);
    clock.advance(100);
    await closing;
    await eventually(() => cancelled);
    session.destroy();
  });
});
