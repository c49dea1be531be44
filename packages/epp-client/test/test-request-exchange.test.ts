// The request phase, hermetic: a request in, the exact ProcessingRequest list out, and what Envoy
// would send upstream.
import {
  DESTINATION_HEADER,
  immediateResponse,
  LB_METADATA_NAMESPACE,
  type ProcessingResponse,
  requestBodyMessage,
  requestBodyResponse,
  requestHeadersMessage,
  requestHeadersResponse,
  setHeader,
  streamedBodyChunk,
  toStruct,
} from "@testbed/protocol";
import { describe, expect, it } from "vitest";
import { type ExchangeRequest, ProcessorFailure, RequestExchange } from "../src/client.js";
import { harness, onTheWire } from "./scripted-processor.js";

const HEADERS = { ":method": "POST", ":path": "/v1/chat/completions", "content-type": "application/json" };

function request(body: string): ExchangeRequest {
  return { headers: { ...HEADERS }, body: Buffer.from(body), metadata: {}, clearRouteCache: false };
}

const bodyReplacedBy = (phase: "request_body", body: string): ProcessingResponse => ({
  [phase]: { response: { body_mutation: { body: Buffer.from(body) } } },
});

describe("the request phase of the client-side ext_proc exchange", () => {
  it("in FULL_DUPLEX_STREAMED sends headers and body at once, then routes on the answer and forwards only the chunks streamed back", async () => {
    const { processor, stream, settings } = harness(
      (message) => {
        if (!message.request_body?.end_of_stream) return [];
        return [
          requestHeadersResponse({
            setHeaders: [setHeader(DESTINATION_HEADER, "10.0.0.7:8000"), setHeader("content-length", "7")],
            clearRouteCache: true,
            dynamicMetadata: toStruct({ [LB_METADATA_NAMESPACE]: { [DESTINATION_HEADER]: "10.0.0.7:8000" } }),
          }),
          streamedBodyChunk("request_body", Buffer.from("new"), false),
          streamedBodyChunk("request_body", Buffer.from("body"), true),
        ];
      },
      { request_body_mode: "FULL_DUPLEX_STREAMED", request_trailer_mode: "SEND" },
    );
    settings.chunkBytes = 4;
    const exchange = new RequestExchange(stream, settings);
    const state = request("original");

    expect(await exchange.run(state)).toEqual({ action: "continue" });

    const first = requestHeadersMessage(HEADERS, false);
    first.protocol_config = { request_body_mode: "FULL_DUPLEX_STREAMED", response_body_mode: "NONE" };
    expect(processor.received).toEqual(
      [first, requestBodyMessage(Buffer.from("orig"), false), requestBodyMessage(Buffer.from("inal"), true)].map(
        onTheWire,
      ),
    );
    expect(state.body).toEqual(Buffer.from("newbody"));
    expect(state.headers[DESTINATION_HEADER]).toBe("10.0.0.7:8000");
    expect(state.metadata).toEqual({ [LB_METADATA_NAMESPACE]: { [DESTINATION_HEADER]: "10.0.0.7:8000" } });
    expect(state.clearRouteCache).toBe(true);
    expect(exchange.setHeaders).toEqual({ [DESTINATION_HEADER]: "10.0.0.7:8000", "content-length": "7" });
    expect(exchange.returnedChunkSizes).toEqual([3, 4]);
  });

  it("in BUFFERED applies the body_mutation of the request_body answer to what goes upstream", async () => {
    const { processor, stream, settings } = harness(
      (message) =>
        message.request_headers
          ? [requestHeadersResponse()]
          : [
              {
                request_body: {
                  response: {
                    header_mutation: { set_headers: [setHeader(DESTINATION_HEADER, "10.0.0.8:8000")] },
                    body_mutation: { body: Buffer.from('{"model":"rewritten"}') },
                  },
                },
              },
            ],
      { request_body_mode: "BUFFERED" },
    );
    const state = request('{"model":"m"}');

    expect(await new RequestExchange(stream, settings).run(state)).toEqual({ action: "continue" });

    expect(processor.received.map((m) => m.request)).toEqual(["request_headers", "request_body"]);
    expect(processor.received[1]).toEqual(onTheWire(requestBodyMessage(Buffer.from('{"model":"m"}'), true)));
    expect(state.body?.toString()).toBe('{"model":"rewritten"}');
    expect(state.headers[DESTINATION_HEADER]).toBe("10.0.0.8:8000");
  });

  it("in STREAMED lets each chunk's answer replace or clear that chunk", async () => {
    let chunk = 0;
    const { processor, stream, settings } = harness(
      (message) => {
        if (message.request_headers) return [requestHeadersResponse()];
        chunk++;
        if (chunk === 1) return [bodyReplacedBy("request_body", "AB")];
        if (chunk === 2) return [{ request_body: { response: { body_mutation: { clear_body: true } } } }];
        return [requestBodyResponse()];
      },
      { request_body_mode: "STREAMED" },
    );
    settings.chunkBytes = 2;
    const state = request("abcdef");

    await new RequestExchange(stream, settings).run(state);

    expect(processor.received.slice(1)).toEqual(
      [
        requestBodyMessage(Buffer.from("ab"), false),
        requestBodyMessage(Buffer.from("cd"), false),
        requestBodyMessage(Buffer.from("ef"), true),
      ].map(onTheWire),
    );
    expect(state.body?.toString()).toBe("ABef");
  });

  it("with body mode NONE sends no body; end_of_stream on the headers says only whether the request has one", async () => {
    const { processor, stream, settings } = harness(() => [requestHeadersResponse()]);
    const state = request("kept");
    await new RequestExchange(stream, settings).run(state);
    expect(processor.received).toHaveLength(1);
    expect(processor.received[0]?.request_headers?.end_of_stream).toBe(false);
    expect(state.body?.toString()).toBe("kept");
    const empty = harness(() => [requestHeadersResponse()]);
    await new RequestExchange(empty.stream, empty.settings).run(request(""));
    expect(empty.processor.received[0]?.request_headers?.end_of_stream).toBe(true);
  });

  it("answers 413 without sending the body when a BUFFERED body is over the buffer limit", async () => {
    const { processor, stream, settings } = harness(() => [requestHeadersResponse()], {
      request_body_mode: "BUFFERED",
    });
    settings.bufferLimitBytes = 4;
    const outcome = await new RequestExchange(stream, settings).run(request("too long"));
    expect(outcome).toEqual({
      action: "reply",
      reply: { status: 413, body: "Payload Too Large", details: "request_payload_too_large" },
    });
    expect(processor.received.map((m) => m.request)).toEqual(["request_headers"]);
  });

  it("clamps an immediate response's status below 200 to 200, as Envoy does, and keeps a valid one", async () => {
    const answer = (status: number) =>
      harness(() => [{ immediate_response: { status: { code: status }, body: Buffer.from("no") } }]);
    const low = answer(100);
    expect(await new RequestExchange(low.stream, low.settings).run(request(""))).toMatchObject({
      action: "reply",
      reply: { status: 200, body: "no", details: "" },
    });
    const unset = harness(() => [{ immediate_response: { body: Buffer.from("x") } }]);
    expect(await new RequestExchange(unset.stream, unset.settings).run(request(""))).toMatchObject({
      reply: { status: 200 },
    });
    const valid = harness(() => [immediateResponse(503, "no endpoints", "no candidates")]);
    expect(await new RequestExchange(valid.stream, valid.settings).run(request(""))).toMatchObject({
      reply: { status: 503, body: "no endpoints", details: "no_candidates" },
    });
  });

  it("applies an immediate response's headers under the mutation rules", async () => {
    const { stream, settings } = harness(() => [
      {
        immediate_response: {
          status: { code: 429 },
          headers: { set_headers: [setHeader("retry-after", "1"), setHeader("x-envoy-overloaded", "true")] },
        },
      },
    ]);
    const outcome = await new RequestExchange(stream, settings).run(request(""));
    expect(outcome).toMatchObject({ reply: { status: 429, headers: { "retry-after": "1" } } });
  });

  it("keeps dynamic metadata only from the receiving namespaces when they are configured", async () => {
    const { stream, settings } = harness(() => [
      requestHeadersResponse({ dynamicMetadata: toStruct({ [LB_METADATA_NAMESPACE]: { a: "1" }, other: { b: "2" } }) }),
    ]);
    settings.receivingNamespaces = [LB_METADATA_NAMESPACE];
    const state = request("");
    await new RequestExchange(stream, settings).run(state);
    expect(state.metadata).toEqual({ [LB_METADATA_NAMESPACE]: { a: "1" } });
  });

  it("fails with a spurious failure on an answer for another phase, applying nothing of it", async () => {
    const { stream, settings } = harness(() => [
      {
        ...requestBodyResponse(),
        request_body: { response: { header_mutation: { set_headers: [setHeader("x-a", "1")] } } },
      },
    ]);
    const state = request("");
    const error = await new RequestExchange(stream, settings).run(state).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProcessorFailure);
    expect(error).toMatchObject({ kind: "spurious", message: "spurious message" });
    expect(state.headers["x-a"]).toBeUndefined();
  });

  it("fails with a message timeout when the processor stays silent past message_timeout on the clock", async () => {
    const { stream, settings, clock } = harness(() => []);
    const run = new RequestExchange(stream, settings).run(request(""));
    const failure = run.catch((error: unknown) => error);
    await Promise.resolve();
    clock.advance(199);
    clock.advance(1);
    const error = await failure;
    expect(error).toBeInstanceOf(ProcessorFailure);
    expect(error).toMatchObject({ grpcCode: 4, timeout: true });
  });
});
