// The response phase, hermetic: the upstream's chunks in, the exact messages sent and what the
// client gets out.
import {
  responseBodyMessage,
  responseBodyResponse,
  responseHeadersMessage,
  responseHeadersResponse,
  setHeader,
  streamedBodyChunk,
} from "@testbed/protocol";
import { describe, expect, it } from "vitest";
import { ResponseExchange } from "../src/client.js";
import { harness, onTheWire } from "./scripted-processor.js";

async function* chunksOf(...pieces: string[]): AsyncIterable<Buffer> {
  for (const piece of pieces) yield Buffer.from(piece);
}

const rethrow = (error: unknown) => {
  throw error;
};

describe("the response phase of the client-side ext_proc exchange", () => {
  it("in STREAMED applies each chunk's body_mutation to the chunk the client gets", async () => {
    const { processor, stream, settings } = harness(
      (message) =>
        message.response_headers
          ? [responseHeadersResponse({ setHeaders: [setHeader("x-seen", "true")] })]
          : message.response_body?.body?.toString() === "b"
            ? [{ response_body: { response: { body_mutation: { body: Buffer.from("B!") } } } }]
            : [responseBodyResponse()],
      { response_body_mode: "STREAMED" },
    );
    const exchange = new ResponseExchange(stream, settings, rethrow);
    const headers: Record<string, string> = { ":status": "200" };
    expect(await exchange.headers(headers, false)).toEqual({ action: "continue" });
    const written: string[] = [];
    await exchange.body(chunksOf("a", "b", "c"), (chunk) => written.push(chunk.toString()), 3);

    expect(written).toEqual(["a", "B!", "c"]);
    expect(headers["x-seen"]).toBe("true");
    expect(exchange.setHeaders).toEqual({ "x-seen": "true" });
    const first = responseHeadersMessage({ ":status": "200" }, false);
    first.protocol_config = { request_body_mode: "NONE", response_body_mode: "STREAMED" };
    expect(processor.received).toEqual(
      [
        first,
        responseBodyMessage(Buffer.from("a"), false),
        responseBodyMessage(Buffer.from("b"), false),
        responseBodyMessage(Buffer.from("c"), true),
      ].map(onTheWire),
    );
  });

  it("in BUFFERED sends the whole body once and gives the client the mutated body", async () => {
    const { processor, stream, settings } = harness(
      (message) =>
        message.response_headers
          ? [responseHeadersResponse()]
          : [{ response_body: { response: { body_mutation: { body: Buffer.from("replaced") } } } }],
      { response_body_mode: "BUFFERED" },
    );
    const exchange = new ResponseExchange(stream, settings, rethrow);
    await exchange.headers({ ":status": "200" }, false);
    const written: Buffer[] = [];
    await exchange.body(chunksOf("one ", "two"), (chunk) => written.push(chunk));
    expect(Buffer.concat(written).toString()).toBe("replaced");
    expect(processor.received[1]).toEqual(onTheWire(responseBodyMessage(Buffer.from("one two"), true)));
  });

  it("in FULL_DUPLEX_STREAMED pumps the body into the stream with the headers and gives the client what comes back", async () => {
    const { processor, stream, settings } = harness(
      (message) => {
        if (message.response_headers) return [responseHeadersResponse()];
        const body = Buffer.from(message.response_body?.body ?? []);
        return [
          streamedBodyChunk(
            "response_body",
            Buffer.from(body.toString().toUpperCase()),
            message.response_body?.end_of_stream === true,
          ),
        ];
      },
      { response_body_mode: "FULL_DUPLEX_STREAMED", response_trailer_mode: "SEND" },
    );
    const exchange = new ResponseExchange(stream, settings, rethrow);
    const source = { chunks: chunksOf("data: a\n\n", "data: b\n\n"), contentLength: 18 };
    await exchange.headers({ ":status": "200" }, false, source);
    expect(exchange.pumping).toBe(true);
    const written: string[] = [];
    await exchange.body(source.chunks, (chunk) => written.push(chunk.toString()), 18);
    expect(written).toEqual(["DATA: A\n\n", "DATA: B\n\n"]);
    expect(processor.received.slice(1)).toEqual(
      [
        responseBodyMessage(Buffer.from("data: a\n\n"), false),
        responseBodyMessage(Buffer.from("data: b\n\n"), true),
      ].map(onTheWire),
    );
  });

  it("answers the client itself when the processor sends an immediate response to the response headers", async () => {
    const { stream, settings } = harness(() => [
      { immediate_response: { status: { code: 502 }, body: Buffer.from("bad") } },
    ]);
    const exchange = new ResponseExchange(stream, settings, rethrow);
    expect(await exchange.headers({ ":status": "200" }, true)).toMatchObject({
      action: "reply",
      reply: { status: 502, body: "bad" },
    });
    expect(stream.state).toBe("Detached");
  });
});
