// The bytes must be Envoy's: these tests pin field numbers by looking at the encoded tags.
import * as protoLoader from "@grpc/proto-loader";
import { describe, expect, it } from "vitest";
import {
  fromStruct,
  headerMapToRecord,
  httpStatusNumber,
  immediateResponse,
  LOADER_OPTIONS,
  requestHeadersMessage,
  streamedBodyChunk,
  toStruct,
} from "../src/index.js";

const definition = protoLoader.loadSync("envoy/service/ext_proc/v3/external_processor.proto", LOADER_OPTIONS);
const method = (
  definition["envoy.service.ext_proc.v3.ExternalProcessor"] as Record<
    string,
    protoLoader.MethodDefinition<object, object>
  >
).Process;
if (!method) throw new Error("Process method missing");
const encodeRequest = (message: object) => method.requestSerialize(message);
const encodeResponse = (message: object) => method.responseSerialize(message);
const decodeRequest = (bytes: Buffer) => method.requestDeserialize(bytes) as Record<string, unknown>;
const decodeResponse = (bytes: Buffer) => method.responseDeserialize(bytes) as Record<string, unknown>;
/** tag byte = field number << 3 | wire type (2 = length-delimited, 0 = varint). */
const tag = (field: number, wireType: number) => (field << 3) | wireType;

describe("ext_proc wire format", () => {
  it("encodes ProcessingRequest phases with Envoy's field numbers", () => {
    expect(encodeRequest({ request_headers: {} })[0]).toBe(tag(2, 2));
    expect(encodeRequest({ request_body: { body: Buffer.from("x") } })[0]).toBe(tag(4, 2));
    expect(encodeRequest({ response_body: { end_of_stream: true } })[0]).toBe(tag(5, 2));
    expect(encodeRequest({ response_trailers: {} })[0]).toBe(tag(7, 2));
    expect(encodeRequest({ protocol_config: { request_body_mode: "FULL_DUPLEX_STREAMED" } })).toEqual(
      Buffer.from([tag(11, 2), 2, tag(1, 0), 4]),
    );
  });

  it("encodes ProcessingResponse answers with Envoy's field numbers", () => {
    expect(encodeResponse({ request_headers: {} })[0]).toBe(tag(1, 2));
    expect(encodeResponse({ request_body: {} })[0]).toBe(tag(3, 2));
    expect(encodeResponse(immediateResponse(503, "x"))[0]).toBe(tag(7, 2));
    expect(encodeResponse({ dynamic_metadata: toStruct({ a: 1 }) })[0]).toBe(tag(8, 2));
  });

  it("puts a streamed body chunk at body_mutation.streamed_response (field 3 of BodyMutation)", () => {
    const bytes = encodeResponse(streamedBodyChunk("request_body", Buffer.from("hi"), true));
    // request_body(3) → response(1) → body_mutation(3) → streamed_response(3) → body(1) "hi", end_of_stream(2) true
    expect([...bytes]).toEqual([
      tag(3, 2),
      12,
      tag(1, 2),
      10,
      tag(3, 2),
      8,
      tag(3, 2),
      6,
      tag(1, 2),
      2,
      104,
      105,
      tag(2, 0),
      1,
    ]);
  });

  it("round-trips headers as raw_value and reads plain value too", () => {
    const decoded = decodeRequest(
      encodeRequest(requestHeadersMessage({ ":path": "/v1/chat/completions", "X-Request-Id": "abc" }, false)),
    );
    expect(headerMapToRecord((decoded.request_headers as { headers: never }).headers)).toEqual({
      ":path": "/v1/chat/completions",
      "x-request-id": "abc",
    });
    expect(headerMapToRecord({ headers: [{ key: "a", value: "1" }] })).toEqual({ a: "1" });
  });

  it("round-trips envoy.lb dynamic metadata and an immediate response's status", () => {
    const metadata = { "envoy.lb": { "x-gateway-destination-endpoint": "10.129.18.21:8000" } };
    const decoded = decodeResponse(encodeResponse({ dynamic_metadata: toStruct(metadata) }));
    expect(fromStruct(decoded.dynamic_metadata as never)).toEqual(metadata);
    const immediate = decodeResponse(encodeResponse(immediateResponse(429, "inference error: ResourceExhausted - x")));
    expect(httpStatusNumber((immediate.immediate_response as { status: { code: string } }).status.code)).toBe(429);
  });
});
