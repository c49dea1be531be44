// A full-duplex response body goes to the processor as soon as the response headers have gone,
// without waiting for their answer (Envoy's FULL_DUPLEX_STREAMED contract). What happens around
// that answer: a silent processor, a local reply, a broken upstream, a processor out of order.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { eventually, silentSink } from "@testbed/common";
import { ResponseBodyPump } from "@testbed/epp-client/client";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type GatewayHandle, startGateway } from "../src/gateway.js";
import { type SimpleConfigParts, simpleConfig } from "./fixtures/simple-config.js";
import { startTestProcessor, type TestProcessor } from "./recording-processor.js";

const RESPONSE_FULL_DUPLEX = {
  request_header_mode: "SKIP",
  response_header_mode: "SEND",
  response_body_mode: "FULL_DUPLEX_STREAMED",
  response_trailer_mode: "SEND",
};

let processor: TestProcessor;
let upstream: Server;
let upstreamHostPort: string;
const gateways: GatewayHandle[] = [];

/**
 * /slow-sse: four SSE events, the first after 1 s, then every 100 ms.
 * /break: headers and one chunk, then the connection is cut.
 * anything else: a small JSON body with a Content-Length.
 */
function startUpstream(): Promise<void> {
  upstream = createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      if (request.url === "/slow-sse") {
        response.writeHead(200, { "content-type": "text/event-stream" });
        response.flushHeaders(); // headers now, not with the first event
        let sent = 0;
        const next = () => {
          response.write(`data: token-${sent}\n\n`);
          sent++;
          if (sent === 4) response.end("data: [DONE]\n\n");
          else setTimeout(next, 100);
        };
        setTimeout(next, 1000);
      } else if (request.url === "/break") {
        response.writeHead(200, { "content-type": "text/event-stream" });
        response.write("data: first\n\n");
        setTimeout(() => response.socket?.destroy(), 100);
      } else {
        response.writeHead(200, { "content-type": "application/json" }).end('{"answer":42}');
      }
    });
  });
  return new Promise((resolve) =>
    upstream.listen(0, "127.0.0.1", () => {
      upstreamHostPort = `127.0.0.1:${(upstream.address() as AddressInfo).port}`;
      resolve();
    }),
  );
}

async function gatewayWith(parts: Partial<SimpleConfigParts>): Promise<GatewayHandle> {
  const g = await startGateway(
    simpleConfig({ upstream: [upstreamHostPort], processor: processor.address, mode: RESPONSE_FULL_DUPLEX, ...parts }),
    { accessLogSink: silentSink, log: silentSink },
  );
  gateways.push(g);
  return g;
}

const url = (g: GatewayHandle, path: string) => `${Object.values(g.listenerUrls)[0]}${path}`;
const stats = async (g: GatewayHandle) => (await fetch(`${g.adminUrl}/stats`)).text();

beforeAll(async () => {
  processor = await startTestProcessor();
  await startUpstream();
});
beforeEach(() => {
  processor.behaviour = "answer";
  processor.received.length = 0;
});
afterAll(async () => {
  await Promise.all(gateways.map((g) => g.close()));
  await processor.close();
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});

describe("full-duplex response body, around the response headers' answer", () => {
  it("the body follows the headers without waiting for their answer, so a processor that holds its answers until end_of_stream still works", async () => {
    processor.behaviour = "hold-response";
    const g = await gatewayWith({ messageTimeout: "0.5s" });
    const response = await fetch(url(g, "/json"));
    expect(response.status).toBe(200);
    expect(response.headers.get("x-response-processed")).toBe("true");
    expect(await response.text()).toBe('{"answer":42}');
    const [first, ...rest] = processor.received.map((m) => m.request);
    expect(first).toBe("response_headers");
    expect(rest.length).toBeGreaterThan(0);
    expect(rest.every((phase) => phase === "response_body")).toBe(true);
    expect(await stats(g)).toContain("http.test.ext_proc.message_timeouts: 0");
  });

  it("runs no message timer in FULL_DUPLEX_STREAMED: answers held past message_timeout are still waited for", async () => {
    // The headers' answer comes only after the body's end, over a second after the headers went:
    // Envoy starts no message timer while the direction is FULL_DUPLEX_STREAMED.
    processor.behaviour = "hold-response";
    const g = await gatewayWith({ messageTimeout: "0.2s" });
    const response = await fetch(url(g, "/slow-sse"));
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(response.headers.get("x-response-processed")).toBe("true");
    expect(text).toBe("data: token-0\n\ndata: token-1\n\ndata: token-2\n\ndata: token-3\n\ndata: [DONE]\n\n");
    expect(await stats(g)).toContain("http.test.ext_proc.message_timeouts: 0");
  });

  it("a processor error on the headers, fail closed: 500 with the gRPC code, the body is dropped", async () => {
    processor.behaviour = "error";
    const g = await gatewayWith({});
    const response = await fetch(url(g, "/slow-sse"));
    expect(response.status).toBe(500);
    expect(await response.text()).toBe("");
    expect(g.accessLog.lines.at(-1)).toContain(" 500 - ext_proc_error_gRPC_error_13{processor_exploded} ");
    // The upstream response was still under way: Envoy resets it (and closes its HTTP/1.1
    // connection) rather than reading the rest for nobody.
    const clusters = async () => (await fetch(`${g.adminUrl}/clusters`)).text();
    await eventually(async () => (await clusters()).includes(`backend::${upstreamHostPort}::cx_active::0`));
    const text = await clusters();
    expect(text).toContain(`backend::${upstreamHostPort}::cx_active::0`);
    expect(text).toContain(`backend::${upstreamHostPort}::rq_error::1`);
  });

  it("the upstream breaking while the headers' answer is pending resets the client (UC), no ext_proc failure", async () => {
    processor.behaviour = "hold-response";
    const g = await gatewayWith({});
    await expect(fetch(url(g, "/break")).then((r) => r.text())).rejects.toThrow();
    // The access log line is written once the gateway has finished with the request.
    await eventually(() => expect(g.accessLog.lines.at(-1)).toMatch(/ 0 UC /));
    const text = await stats(g);
    expect(text).toContain("http.test.ext_proc.streams_failed: 0");
    expect(text).toContain("http.test.ext_proc.failure_mode_allowed: 0");
  });

  it("a body chunk before the headers' answer is spurious: counted, the stream left, the drained chunk lost", async () => {
    processor.behaviour = "body-before-headers";
    const g = await gatewayWith({});
    const response = await fetch(url(g, "/json"));
    expect(response.status).toBe(200);
    expect(response.headers.get("x-response-processed")).toBeNull();
    // The only chunk went to the processor before it broke the order: as in Envoy, it is gone.
    expect(await response.text()).toBe("");
    const text = await stats(g);
    expect(text).toContain("http.test.ext_proc.spurious_msgs_received: 1");
    expect(text).toContain("http.test.ext_proc.streams_failed: 0");
  });
});

describe("ResponseBodyPump", () => {
  async function* chunks(...parts: string[]) {
    for (const part of parts) yield { chunk: Buffer.from(part), last: false };
  }

  it("holds what the processor no longer takes until the client side is ready, then passes it through", async () => {
    const pump = new ResponseBodyPump(
      chunks("a", "b", "c"),
      () => false,
      () => {},
    );
    await pump.finished;
    expect(pump.heldBytes).toBe(3);
    const written: string[] = [];
    pump.passThrough((chunk) => written.push(chunk.toString()));
    expect(written).toEqual(["a", "b", "c"]);
    expect(pump.heldBytes).toBe(0);
  });

  it("after a local reply holds nothing, however much the upstream still sends", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    async function* body() {
      yield { chunk: Buffer.alloc(1024), last: false };
      await gate;
      for (let i = 0; i < 100; i++) yield { chunk: Buffer.alloc(1024), last: i === 99 };
    }
    const pump = new ResponseBodyPump(
      body(),
      () => false,
      () => {},
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(pump.heldBytes).toBe(1024);
    pump.discard();
    release();
    await pump.finished;
    expect(pump.heldBytes).toBe(0);
    expect(pump.done).toBe(true);
  });

  it("records an upstream error and reports it once, without rejecting", async () => {
    let reported = 0;
    async function* broken() {
      yield { chunk: Buffer.from("x"), last: false };
      throw new Error("socket hang up");
    }
    const pump = new ResponseBodyPump(
      broken(),
      () => true,
      () => reported++,
    );
    await pump.finished;
    expect(String(pump.error)).toContain("socket hang up");
    expect(reported).toBe(1);
  });
});
