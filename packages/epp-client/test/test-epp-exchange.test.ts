// EppExchange: what the contract suite runs, over the gateway's own exchange code.
import { SimulatedClock } from "@testbed/common";
import {
  DESTINATION_HEADER,
  fromStruct,
  LB_METADATA_NAMESPACE,
  type ProcessingResponse,
  requestHeadersResponse,
  responseHeadersResponse,
  SUBSET_HINT_KEY,
  SUBSET_HINT_NAMESPACE,
  setHeader,
  streamedBodyChunk,
  toStruct,
  WENT_INTO_RESPONSE_HEADER,
} from "@testbed/protocol";
import { describe, expect, it } from "vitest";
import { EppExchange } from "../src/client.js";
import { scriptedProcessor } from "./scripted-processor.js";

function routingEpp(destination: string) {
  return scriptedProcessor((message) => {
    if (message.request_body?.end_of_stream) {
      const answers: ProcessingResponse[] = [
        requestHeadersResponse({
          setHeaders: [setHeader(DESTINATION_HEADER, destination), setHeader("host", "rewritten")],
          clearRouteCache: true,
          dynamicMetadata: toStruct({ [LB_METADATA_NAMESPACE]: { [DESTINATION_HEADER]: destination } }),
        }),
      ];
      answers.push(streamedBodyChunk("request_body", Buffer.from(message.request_body.body ?? []), true));
      return answers;
    }
    if (message.response_headers)
      return [responseHeadersResponse({ setHeaders: [setHeader(WENT_INTO_RESPONSE_HEADER, "true")] })];
    if (message.response_body)
      return [
        streamedBodyChunk(
          "response_body",
          Buffer.from(message.response_body.body ?? []),
          message.response_body.end_of_stream === true,
        ),
      ];
    return [];
  });
}

describe("an EPP exchange as the contract suite drives it", () => {
  it("reports the routing decision, the header Envoy would refuse, and the subset hint it forwarded", async () => {
    const epp = routingEpp("10.0.0.3:8000");
    const exchange = new EppExchange(() => epp.call, { mode: "FULL_DUPLEX_STREAMED", clock: new SimulatedClock() });
    const body = Buffer.from('{"model":"m"}');
    const result = await exchange.request({
      headers: { ":path": "/v1/completions" },
      body,
      subsetHint: ["10.0.0.3:8000"],
    });

    expect(result).toEqual({
      setHeaders: { [DESTINATION_HEADER]: "10.0.0.3:8000" },
      destination: "10.0.0.3:8000",
      metadataDestination: "10.0.0.3:8000",
      clearRouteCache: true,
      upstreamBody: body,
      returnedChunkSizes: [body.length],
    });
    expect(exchange.counts.rejected_header_mutations).toBe(1);
    expect(fromStruct(epp.received[0]?.metadata_context?.filter_metadata?.[SUBSET_HINT_NAMESPACE])).toEqual({
      [SUBSET_HINT_KEY]: ["10.0.0.3:8000"],
    });
    expect(epp.received[0]?.protocol_config).toMatchObject({
      request_body_mode: "FULL_DUPLEX_STREAMED",
      response_body_mode: "FULL_DUPLEX_STREAMED",
    });
  });

  it("sends no protocol_config when told to speak as an older Envoy", async () => {
    const epp = routingEpp("10.0.0.3:8000");
    const exchange = new EppExchange(() => epp.call, { mode: "FULL_DUPLEX_STREAMED", sendProtocolConfig: false });
    await exchange.request({ headers: {}, body: Buffer.from("{}") });
    expect(epp.received[0]?.protocol_config).toBeUndefined();
  });

  it("waits for each SSE chunk's echo before the upstream sends the next, and half-closes at the end", async () => {
    const epp = routingEpp("10.0.0.3:8000");
    const exchange = new EppExchange(() => epp.call, { mode: "FULL_DUPLEX_STREAMED" });
    await exchange.request({ headers: {}, body: Buffer.from("{}") });
    const chunks = ["data: 1\n\n", "data: 2\n\n", "data: [DONE]\n\n"].map((text) => Buffer.from(text));
    const response = await exchange.response({
      headers: { ":status": "200", "content-type": "text/event-stream" },
      chunks,
    });
    exchange.end();

    expect(response.setHeaders).toEqual({ [WENT_INTO_RESPONSE_HEADER]: "true" });
    expect(response.body).toEqual(Buffer.concat(chunks));
    expect(response.returnedChunkSizes).toEqual(chunks.map((chunk) => chunk.length));
    expect(response.echoedInOrder).toBe(true);
    expect(epp.ended).toBe(true);
  });

  it("finds an EPP that holds SSE chunks back until the end: echoedInOrder is false", async () => {
    const clock = new SimulatedClock();
    const held: ProcessingResponse[] = [];
    const epp = scriptedProcessor((message) => {
      if (message.response_headers) return [responseHeadersResponse()];
      if (!message.response_body) return [];
      held.push(
        streamedBodyChunk(
          "response_body",
          Buffer.from(message.response_body.body ?? []),
          message.response_body.end_of_stream === true,
        ),
      );
      return message.response_body.end_of_stream ? held.splice(0) : [];
    });
    const exchange = new EppExchange(() => epp.call, { mode: "FULL_DUPLEX_STREAMED", clock, messageTimeoutMs: 50 });
    const chunks = ["data: 1\n\n", "data: 2\n\n"].map((text) => Buffer.from(text));
    const pending = exchange.response({ headers: { ":status": "200", "content-type": "text/event-stream" }, chunks });
    for (let i = 0; i < 20 && epp.received.length < 2; i++) await new Promise((resolve) => setImmediate(resolve));
    clock.advance(50);
    const response = await pending;
    expect(response.echoedInOrder).toBe(false);
    expect(response.body).toEqual(Buffer.concat(chunks));
  });
});
