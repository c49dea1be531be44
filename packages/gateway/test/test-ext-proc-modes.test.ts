// The ext_proc filter's modes × failure settings, against an in-test processor and an echo upstream.
import { SimulatedClock, silentSink } from "@testbed/common";
import { describe, expect, it, vi } from "vitest";
import { type GatewayHandle, startGateway } from "../src/gateway.js";
import { processorBench } from "./fixtures/processor-bench.js";
import { type SimpleConfigParts, simpleConfig } from "./fixtures/simple-config.js";

const bench = processorBench();
const { gateways } = bench;

async function gatewayWith(parts: Partial<SimpleConfigParts>): Promise<GatewayHandle> {
  const g = await startGateway(
    simpleConfig({ upstream: [bench.upstream.hostPort], processor: bench.processor.address, ...parts }),
    {
      accessLogSink: silentSink,
      log: silentSink,
    },
  );
  gateways.push(g);
  return g;
}

async function post(g: GatewayHandle, body: string) {
  const response = await fetch(`${Object.values(g.listenerUrls)[0]}/v1/echo`, {
    method: "POST",
    headers: { "content-type": "text/plain" },
    body,
  });
  const text = await response.text();
  return {
    status: response.status,
    text,
    headers: response.headers,
    echoed: response.status === 200 ? JSON.parse(text) : undefined,
  };
}

const phases = () => bench.processor.received.map((m) => m.request);

describe("ext_proc processing modes", () => {
  it("headers SEND, body NONE: only headers go to the processor; its header mutation reaches upstream", async () => {
    const g = await gatewayWith({ mode: { request_header_mode: "SEND", response_header_mode: "SKIP" } });
    const response = await post(g, "hello");
    expect(response.echoed.headers["x-processed"]).toBe("true");
    expect(response.echoed.body).toBe("hello");
    expect(phases()).toEqual(["request_headers"]);
  });

  it("sends protocol_config with the body modes on the first message (NONE, proto3's zero, stays off the wire)", async () => {
    const g = await gatewayWith({ mode: { request_header_mode: "SEND", request_body_mode: "BUFFERED" } });
    await post(g, "hello");
    expect(bench.processor.received[0]?.protocol_config).toEqual({ request_body_mode: "BUFFERED" });
  });

  it("BUFFERED: one body message with end_of_stream, and a body mutation replaces the body", async () => {
    bench.processor.behaviour = "uppercase";
    const g = await gatewayWith({
      mode: { request_header_mode: "SKIP", response_header_mode: "SKIP", request_body_mode: "BUFFERED" },
    });
    const response = await post(g, "make me loud");
    expect(response.echoed.body).toBe("MAKE ME LOUD");
    expect(bench.processor.received.map((m) => [m.request, m.request_body?.end_of_stream])).toEqual([
      ["request_body", true],
    ]);
  });

  it("BUFFERED over the buffer limit answers 413", async () => {
    const g = await gatewayWith({ mode: { request_header_mode: "SKIP", request_body_mode: "BUFFERED" } });
    const response = await post(g, "x".repeat(1024 * 1024 + 1));
    expect(response.status).toBe(413);
  });

  it("STREAMED: a 1 MB body goes in several messages, each answered, and arrives intact", async () => {
    const g = await gatewayWith({
      mode: { request_header_mode: "SKIP", response_header_mode: "SKIP", request_body_mode: "STREAMED" },
    });
    const body = "abcdefghij".repeat(100_000);
    const response = await post(g, body);
    expect(response.echoed.body.length).toBe(body.length);
    expect(response.echoed.body).toBe(body);
    expect(phases().length).toBeGreaterThan(10);
  });

  it("FULL_DUPLEX_STREAMED: upstream gets exactly what the processor streams back (here, upper-cased)", async () => {
    bench.processor.behaviour = "uppercase";
    const g = await gatewayWith({
      mode: {
        request_header_mode: "SEND",
        response_header_mode: "SKIP",
        request_body_mode: "FULL_DUPLEX_STREAMED",
        request_trailer_mode: "SEND",
      },
    });
    const response = await post(g, "drained and replaced");
    expect(response.echoed.body).toBe("DRAINED AND REPLACED");
    expect(response.echoed.headers["content-length"]).toBe(String("DRAINED AND REPLACED".length));
    expect(phases()).toEqual(["request_headers", "request_body"]);
    expect(bench.processor.received[1]?.request_body?.end_of_stream).toBe(true);
  });

  it("refuses a base filter with FULL_DUPLEX_STREAMED but no trailer SEND, as Envoy does", async () => {
    await expect(gatewayWith({ mode: { request_body_mode: "FULL_DUPLEX_STREAMED" } })).rejects.toThrow(
      /request_trailer_mode has to be set to SEND/,
    );
  });

  it("response headers and a FULL_DUPLEX response body go through the processor", async () => {
    bench.processor.behaviour = "uppercase";
    const g = await gatewayWith({
      mode: {
        request_header_mode: "SKIP",
        response_header_mode: "SEND",
        response_body_mode: "FULL_DUPLEX_STREAMED",
        response_trailer_mode: "SEND",
      },
    });
    const response = await post(g, "quiet");
    expect(response.headers.get("x-response-processed")).toBe("true");
    expect(response.text).toContain('"BODY":"QUIET"');
  });

  it("at the end of the exchange the stream is half-closed, then reset if the processor does not end its side: nothing stays open", async () => {
    bench.processor.behaviour = "keep-open";
    const before = bench.processor.keptOpenStreamsClosed;
    const g = await gatewayWith({ mode: { request_header_mode: "SEND" } });
    for (let i = 0; i < 3; i++) expect((await post(g, `r${i}`)).status).toBe(200);
    // The processor never ends its side: only the gateway's reset closes these streams.
    await vi.waitFor(() => expect(bench.processor.keptOpenStreamsClosed - before).toBe(3), { timeout: 5000 });
    const stats = await (await fetch(`${g.adminUrl}/stats`)).text();
    expect(stats).toContain("http.test.ext_proc.streams_closed: 3");
  });

  it("1,200 requests in a row keep their processor connection: streams are not reset when the processor closes them itself", async () => {
    // Node's HTTP/2 server drops a connection whose client resets ~1,000 streams in a burst
    // (rapid-reset protection), which would turn into ext_proc_error_gRPC_error_14 here.
    const g = await gatewayWith({ mode: { request_header_mode: "SEND" } });
    const statuses = new Map<number, number>();
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < 1200) {
          next++;
          const status = (await post(g, "x")).status;
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
      }),
    );
    expect(Object.fromEntries(statuses)).toEqual({ 200: 1200 });
    const clusters = await (await fetch(`${g.adminUrl}/clusters`)).text();
    expect(clusters).toMatch(/processor::[\d.:]+::cx_total::1\n/);
  });

  it("an immediate response answers the client without going upstream", async () => {
    bench.processor.behaviour = "deny";
    const before = bench.upstream.requests.length;
    const g = await gatewayWith({ mode: { request_header_mode: "SEND" } });
    const response = await post(g, "x");
    expect(response.status).toBe(403);
    expect(response.text).toBe("denied by test processor");
    expect(bench.upstream.requests.length).toBe(before);
  });
});

describe("ext_proc failures", () => {
  it.each([
    ["no processor cluster", "", "answer", false, 500, "ext_proc_error_gRPC_error_14{Cluster_not_available}"],
    ["no processor cluster, fail open", "", "answer", true, 200, "via_upstream"],
    ["processor errors", undefined, "error", false, 500, "ext_proc_error_gRPC_error_13{processor_exploded}"],
    ["processor errors, fail open", undefined, "error", true, 200, "via_upstream"],
    ["processor silent", undefined, "silent", false, 504, "ext_proc_error_per-message_timeout_exceeded"],
    ["processor silent, fail open", undefined, "silent", true, 200, "via_upstream"],
  ] as const)("%s → %i", async (name, processorAddress, behaviour, allow, status, details) => {
    bench.processor.behaviour = behaviour;
    const g = await gatewayWith({
      processor: processorAddress ?? bench.processor.address,
      mode: { request_header_mode: "SEND" },
      failureModeAllow: allow,
      messageTimeout: "0.2s",
    });
    const response = await post(g, "payload");
    expect(response.status).toBe(status);
    if (status === 200) expect(response.echoed.body).toBe("payload");
    const line = g.accessLog.lines.at(-1) ?? "";
    expect(line).toContain(` ${status} - ${details} `);
    const stats = await (await fetch(`${g.adminUrl}/stats`)).text();
    expect(stats).toContain(`http.test.ext_proc.failure_mode_allowed: ${allow ? 1 : 0}`);
    // Envoy counts a per-message timeout as message_timeouts, any other failure as streams_failed.
    const timedOut = name.startsWith("processor silent");
    expect(stats).toContain(`http.test.ext_proc.streams_failed: ${timedOut ? 0 : 1}`);
    expect(stats).toContain(`http.test.ext_proc.message_timeouts: ${timedOut ? 1 : 0}`);
  });

  it("the message timeout runs on the gateway's clock: a silent processor gets 504 when that clock passes message_timeout", async () => {
    bench.processor.behaviour = "silent";
    const clock = new SimulatedClock();
    // 1000 s: on the wall clock this request would outlive the test.
    const g = await startGateway(
      simpleConfig({
        upstream: [bench.upstream.hostPort],
        processor: bench.processor.address,
        mode: { request_header_mode: "SEND" },
        messageTimeout: "1000s",
      }),
      { accessLogSink: silentSink, log: silentSink, clock },
    );
    gateways.push(g);
    const pending = post(g, "payload");
    await vi.waitFor(() => expect(bench.processor.received).toHaveLength(1));
    clock.advance(999_999);
    clock.advance(1);
    expect((await pending).status).toBe(504);
    expect(g.accessLog.lines.at(-1)).toContain(" 504 - ext_proc_error_per-message_timeout_exceeded ");
  });

  it("a FULL_DUPLEX stream to a missing cluster fails at start, before the body moves: fail open keeps the body", async () => {
    const g = await gatewayWith({
      processor: "",
      mode: { request_header_mode: "SKIP", request_body_mode: "FULL_DUPLEX_STREAMED", request_trailer_mode: "SEND" },
      failureModeAllow: true,
    });
    const response = await post(g, '{"model":"x"}');
    expect(response.status).toBe(200);
    expect(response.echoed.body).toBe('{"model":"x"}');
  });
});
