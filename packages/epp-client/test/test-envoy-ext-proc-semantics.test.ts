// Envoy's ext_proc semantics in the client-side exchange, one per test, against a scripted
// processor: what ext_proc.cc, processor_state.cc and mutation_utils.cc do with each answer.
import { SimulatedClock } from "@testbed/common";
import {
  immediateResponse,
  type ProcessingResponse,
  requestBodyResponse,
  requestHeadersResponse,
  setHeader,
  toStruct,
} from "@testbed/protocol";
import { describe, expect, it } from "vitest";
import { type ExchangeRequest, ProcessorFailure, ProcessorStream, RequestExchange } from "../src/client.js";
import { harness } from "./scripted-processor.js";

const HEADERS = { ":method": "POST", ":path": "/v1/chat/completions", "content-length": "4" };

function request(body: string): ExchangeRequest {
  return { headers: { ...HEADERS }, body: Buffer.from(body), metadata: {}, clearRouteCache: false };
}

const headersAnswer = (extra: Partial<NonNullable<ProcessingResponse["request_headers"]>["response"]> = {}) =>
  ({ request_headers: { response: extra } }) as ProcessingResponse;

describe("Envoy's ext_proc semantics in the exchange", () => {
  it.each(["NONE", "BUFFERED", "STREAMED"] as const)(
    "end_of_stream on request_headers says the request has no body, whatever the body mode (%s)",
    async (mode) => {
      const withBody = harness(
        (m) => (m.request === "request_headers" ? [requestHeadersResponse()] : [requestBodyResponse()]),
        {
          request_body_mode: mode,
        },
      );
      await new RequestExchange(withBody.stream, withBody.settings).run(request("body"));
      expect(withBody.processor.received[0]?.request_headers?.end_of_stream).toBe(false);
      const without = harness(() => [requestHeadersResponse()], { request_body_mode: mode });
      await new RequestExchange(without.stream, without.settings).run(request(""));
      expect(without.processor.received[0]?.request_headers?.end_of_stream).toBe(true);
    },
  );

  it("FULL_DUPLEX_STREAMED opens the stream before it moves the body: a stream that cannot start keeps the body", async () => {
    const clock = new SimulatedClock();
    const settings = harness(() => []).settings;
    settings.mode.request_header_mode = "SKIP";
    settings.mode.request_body_mode = "FULL_DUPLEX_STREAMED";
    const stream = new ProcessorStream({
      open: () => {
        throw new ProcessorFailure(14, "Cluster not available");
      },
      clock,
      messageTimeoutMs: 200,
      protocolConfig: () => undefined,
      count: () => {},
    });
    const state = request("body");
    const error = await new RequestExchange(stream, settings).run(state).catch((e: unknown) => e);
    expect(error).toMatchObject({ grpcCode: 14, message: "Cluster not available", kind: "error" });
    expect(state.body?.toString()).toBe("body");
    expect(state.bodyMoved).toBeUndefined();
  });

  it("FULL_DUPLEX_STREAMED runs no message timer; other modes time out after message_timeout", async () => {
    const fullDuplex = harness(() => [], { request_body_mode: "FULL_DUPLEX_STREAMED", request_trailer_mode: "SEND" });
    let settled = false;
    const state = request("body");
    void new RequestExchange(fullDuplex.stream, fullDuplex.settings).run(state).finally(() => {
      settled = true;
    });
    await Promise.resolve();
    fullDuplex.clock.advance(60_000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    expect(state.body).toBeNull();
    expect(state.bodyMoved).toBe(true);

    const streamed = harness(() => [], { request_body_mode: "STREAMED" });
    const failure = new RequestExchange(streamed.stream, streamed.settings)
      .run(request("body"))
      .catch((e: unknown) => e);
    await Promise.resolve();
    streamed.clock.advance(200);
    expect(await failure).toMatchObject({ kind: "timeout" });
  });

  it("takes no dynamic metadata when receiving_namespaces is unset, and only those namespaces when set", async () => {
    const answer = {
      ...requestHeadersResponse(),
      dynamic_metadata: toStruct({ "envoy.lb": { a: 1 }, other: { b: 2 } }),
    };
    const none = harness(() => [answer]);
    none.settings.receivingNamespaces = undefined;
    const state = request("");
    await new RequestExchange(none.stream, none.settings).run(state);
    expect(state.metadata).toEqual({});
    const some = harness(() => [answer]);
    const kept = request("");
    await new RequestExchange(some.stream, some.settings).run(kept);
    expect(kept.metadata).toEqual({ "envoy.lb": { a: 1 } });
  });

  it("clears the route cache only with a header mutation in the same answer, as route_cache_action says", async () => {
    const run = async (answer: ProcessingResponse, action?: "CLEAR" | "RETAIN") => {
      const h = harness(() => [answer]);
      if (action) h.settings.routeCacheAction = action;
      const state = request("");
      await new RequestExchange(h.stream, h.settings).run(state);
      return { cleared: state.clearRouteCache, counts: h.counts };
    };
    const mutation = { set_headers: [setHeader("x-a", "1")] };
    expect(await run(headersAnswer({ clear_route_cache: true }))).toEqual({
      cleared: false,
      counts: { stream_msgs_sent: 1, stream_msgs_received: 1, clear_route_cache_ignored: 1 },
    });
    expect((await run(headersAnswer({ clear_route_cache: true, header_mutation: mutation }))).cleared).toBe(true);
    const retained = await run(headersAnswer({ clear_route_cache: true, header_mutation: mutation }), "RETAIN");
    expect(retained.cleared).toBe(false);
    expect(retained.counts.clear_route_cache_disabled).toBe(1);
    expect((await run(headersAnswer({ header_mutation: mutation }), "CLEAR")).cleared).toBe(true);
  });

  it("drops Content-Length and skips a processor's Content-Length in STREAMED / FULL_DUPLEX / BUFFERED_PARTIAL, not in BUFFERED", async () => {
    const answer = headersAnswer({ header_mutation: { set_headers: [setHeader("content-length", "99")] } });
    const run = async (mode: "STREAMED" | "BUFFERED") => {
      const h = harness((m) => (m.request === "request_headers" ? [answer] : [requestBodyResponse()]), {
        request_body_mode: mode,
      });
      h.settings.dropContentLength = true;
      const state = request("body");
      await new RequestExchange(h.stream, h.settings).run(state);
      return { sent: h.processor.received[0]?.request_headers, headers: state.headers };
    };
    const streamed = await run("STREAMED");
    expect(streamed.headers["content-length"]).toBeUndefined();
    const buffered = await run("BUFFERED");
    expect(buffered.headers["content-length"]).toBe("99");
  });

  it("honours mutation_rules: a refused change is counted, or with disallow_is_error answered 500", async () => {
    const answer = headersAnswer({
      header_mutation: { set_headers: [setHeader("x-envoy-peer", "p"), setHeader("x-b", "1")] },
    });
    const ignored = harness(() => [answer]);
    const state = request("");
    expect(await new RequestExchange(ignored.stream, ignored.settings).run(state)).toEqual({ action: "continue" });
    expect(state.headers["x-b"]).toBe("1");
    expect(ignored.counts.rejected_header_mutations).toBe(1);

    const allowed = harness(() => [answer]);
    allowed.settings.mutationRules = { allow_envoy: true };
    const allowedState = request("");
    await new RequestExchange(allowed.stream, allowed.settings).run(allowedState);
    expect(allowedState.headers["x-envoy-peer"]).toBe("p");

    const strict = harness(() => [answer]);
    strict.settings.mutationRules = { disallow_is_error: true };
    expect(await new RequestExchange(strict.stream, strict.settings).run(request(""))).toEqual({
      action: "reply",
      reply: { status: 500, body: "", details: "Invalid_attempt_to_modify_x-envoy-peer" },
    });
  });

  it("answers 500 for a header value no codec could send, and for value and raw_value both set", async () => {
    const bad = harness(() => [
      headersAnswer({ header_mutation: { set_headers: [{ header: { key: "x-a", raw_value: Buffer.from("a\nb") } }] } }),
    ]);
    expect(await new RequestExchange(bad.stream, bad.settings).run(request(""))).toMatchObject({
      reply: { status: 500, details: "Invalid_character_in_set_headers_mutation." },
    });
    const both = harness(() => [
      headersAnswer({
        header_mutation: { set_headers: [{ header: { key: "x-a", value: "v", raw_value: Buffer.from("r") } }] },
      }),
    ]);
    expect(await new RequestExchange(both.stream, both.settings).run(request(""))).toMatchObject({
      reply: { status: 500, details: "Only_one_of_value_or_raw_value_in_the_HeaderValue_message_should_be_set." },
    });
  });

  it("passes an immediate response's details as they are, white space as _", async () => {
    const h = harness(() => [immediateResponse(429, "slow down", "too many requests in flight")]);
    expect(await new RequestExchange(h.stream, h.settings).run(request(""))).toMatchObject({
      reply: { status: 429, body: "slow down", details: "too_many_requests_in_flight" },
    });
  });

  it("takes a mode_override only when allowed, not for a FULL_DUPLEX filter, and only one in allowed_override_modes", async () => {
    const override = { ...requestHeadersResponse(), mode_override: { request_body_mode: "BUFFERED" as const } };
    const run = async (configure: (h: ReturnType<typeof harness>) => void) => {
      const h = harness((m) => (m.request === "request_headers" ? [override] : [requestBodyResponse()]));
      configure(h);
      await new RequestExchange(h.stream, h.settings).run(request("body"));
      return h.processor.received.map((m) => m.request);
    };
    expect(await run(() => {})).toEqual(["request_headers"]);
    expect(
      await run((h) => {
        h.settings.allowModeOverride = true;
      }),
    ).toEqual(["request_headers", "request_body"]);
    expect(
      await run((h) => {
        h.settings.allowModeOverride = true;
        h.settings.configuredMode = { ...h.settings.mode, response_body_mode: "FULL_DUPLEX_STREAMED" };
      }),
    ).toEqual(["request_headers"]);
    expect(
      await run((h) => {
        h.settings.allowModeOverride = true;
        h.settings.allowedOverrideModes = [{ request_body_mode: "STREAMED" }];
      }),
    ).toEqual(["request_headers"]);
    expect(
      await run((h) => {
        h.settings.allowModeOverride = true;
        h.settings.allowedOverrideModes = [{ request_body_mode: "BUFFERED", response_header_mode: "SEND" }];
      }),
    ).toEqual(["request_headers", "request_body"]);
  });

  it("restarts the message timer once on override_message_timeout within max_message_timeout, ignores others", async () => {
    const clock = new SimulatedClock();
    const h = harness(() => [{ override_message_timeout: { seconds: "1" } } as ProcessingResponse], {}, clock);
    const counts = h.counts;
    const stream = new ProcessorStream({
      open: () => ({ call: h.processor.call }),
      clock,
      messageTimeoutMs: 200,
      maxMessageTimeoutMs: 2000,
      protocolConfig: () => undefined,
      count: (c) => {
        counts[c] = (counts[c] ?? 0) + 1;
      },
    });
    const run = new RequestExchange(stream, h.settings).run(request("")).catch((e: unknown) => e);
    await new Promise((resolve) => setImmediate(resolve));
    clock.advance(500);
    await Promise.resolve();
    expect(counts.override_message_timeout_received).toBe(1);
    clock.advance(600);
    expect(await run).toMatchObject({ kind: "timeout" });

    const ignoring = harness(() => [{ override_message_timeout: { seconds: "5" } } as ProcessingResponse]);
    const failed = new RequestExchange(ignoring.stream, ignoring.settings).run(request("")).catch((e: unknown) => e);
    await new Promise((resolve) => setImmediate(resolve));
    ignoring.clock.advance(200);
    expect(await failed).toMatchObject({ kind: "timeout" });
    expect(ignoring.counts.override_message_timeout_ignored).toBe(1);
  });
});
