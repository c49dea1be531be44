// Behaviours that differ between the EPP versions `--emulate` reproduces, and the edges of the
// request phase (no headers message, deep JSON, oversized bodies, header echo), each as a request
// sequence in and the exact response list out.
import { afterEach, describe, expect, it } from "vitest";
import { expectReject, expectRouteTo, type Harness, harness, P, reqLLM, reqRaw, streamed } from "./hermetic-harness.js";

let current: Harness | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

async function open(version: string, options: Parameters<typeof harness>[3] = {}) {
  current = await harness(version, [P(0, 0, 0.1)], undefined, options);
  return current;
}

const gieNames = { objective: "x-gateway-inference-objective", rewrite: "x-gateway-model-name-rewrite" };
const sent = `{"model":"m","prompt":"a<b","max_tokens":5}`;

describe("request body bytes per emulated version", () => {
  it("gie-v1.5 re-encodes the body the Go way: keys sorted, < escaped", async () => {
    const h = await open("gie-v1.5");
    const got = await streamed(h.client, reqRaw({ "x-request-id": "r" }, sent), 2);
    expect(got).toEqual(
      expectRouteTo("192.168.1.1:8000", `{"max_tokens":5,"model":"m","prompt":"a\\u003cb"}`, { "x-request-id": "r" }),
    );
  });

  it("llm-d-router-c51b75a1d forwards the bytes as sent", async () => {
    const h = await open("llm-d-router-c51b75a1d");
    const got = await streamed(h.client, reqRaw({ "x-request-id": "r" }, sent), 2);
    expect(got).toEqual(expectRouteTo("192.168.1.1:8000", sent, { "x-request-id": "r" }));
  });
});

describe("model-name rewrite", () => {
  const chat = `{"model":"granite","messages":[{"role":"user","content":"hi"}]}`;
  const response = `{"id":"c1","model":"granite-v2","object":"chat.completion"}`;
  const sequence = (names: { objective: string; rewrite: string }) => [
    ...reqRaw({ "x-request-id": "r", [names.rewrite]: "granite-v2" }, chat),
    {
      response_headers: { headers: { headers: [{ key: "content-type", raw_value: Buffer.from("application/json") }] } },
    },
    { response_body: { body: Buffer.from(response), end_of_stream: true } },
  ];

  it("gie-v1.5 sends the rewritten model upstream and rewrites the response's model back", async () => {
    const h = await open("gie-v1.5");
    const got = await streamed(h.client, sequence(gieNames), 4);
    const upstream = `{"messages":[{"content":"hi","role":"user"}],"model":"granite-v2"}`;
    expect(got.slice(0, 2)).toEqual(expectRouteTo("192.168.1.1:8000", upstream, { "x-request-id": "r" }));
    expect(JSON.stringify(got[3])).toContain(
      JSON.stringify(`{"id":"c1","model":"granite","object":"chat.completion"}`),
    );
  });

  it("gie-v1.2 leaves the response body as the model server wrote it", async () => {
    const h = await open("gie-v1.2");
    const got = await streamed(h.client, sequence(gieNames), 4);
    expect(JSON.stringify(got[3])).toContain(JSON.stringify(response));
  });

  it("llm-d-router reads x-llm-d-model-name-rewrite", async () => {
    const h = await open("llm-d-router-c51b75a1d");
    const names = { objective: "x-llm-d-inference-objective", rewrite: "x-llm-d-model-name-rewrite" };
    const got = await streamed(h.client, sequence(names), 4);
    expect(JSON.stringify(got[1])).toContain("granite-v2");
    expect(JSON.stringify(got[0])).not.toContain("x-llm-d-model-name-rewrite");
  });
});

describe("request phase edges", () => {
  it("a body without a headers message is routed, with a generated x-request-id copied back", async () => {
    const h = await open("gie-v1.5");
    const got = await streamed(h.client, [{ request_body: { body: Buffer.from(sent), end_of_stream: true } }], 2);
    const headers = JSON.stringify(got[0]);
    expect(headers).toContain("x-gateway-destination-endpoint");
    expect(headers).toMatch(/"x-request-id","raw_value":"[0-9a-f-]{36}"/);
  });

  it("pseudo-headers and other request headers are echoed; control headers are not; append_action is unset", async () => {
    const h = await open("gie-v1.5");
    const headers = {
      ":path": "/v1/completions",
      "x-request-id": "r",
      "x-gateway-inference-objective": "o",
      "x-gateway-inference-fairness-id": "f",
      "content-length": "44",
      "x-user": "u",
    };
    const got = await streamed(h.client, reqRaw(headers, sent), 2);
    const setHeaders = (got[0] as { request_headers: { response: { header_mutation: { set_headers: unknown[] } } } })
      .request_headers.response.header_mutation.set_headers as Array<{
      header: { key: string };
      append_action?: string;
    }>;
    expect(setHeaders.map((h) => h.header.key).sort()).toEqual(
      [":path", "Content-Length", "x-gateway-destination-endpoint", "x-request-id", "x-user"].sort(),
    );
    expect(setHeaders.every((h) => h.append_action === undefined)).toBe(true);
  });

  it("the subset hint is read from the message that ends the body, not from the headers message", async () => {
    const h = await open("gie-v1.5");
    const [headersMessage, bodyMessage] = reqLLM("p", "m", "", gieNames, ["192.168.1.99:8000"]);
    const withoutHint = { ...bodyMessage, metadata_context: { filter_metadata: {} } };
    const got = await streamed(h.client, [headersMessage as never, withoutHint as never], 2);
    expect(JSON.stringify(got[0])).toContain("192.168.1.1:8000");
  });

  it("the subset hint matches by IP, ignoring the port", async () => {
    const h = await open("gie-v1.5");
    const got = await streamed(h.client, reqLLM("p", "m", "", gieNames, ["192.168.1.1:9999"]), 2);
    expect(JSON.stringify(got[0])).toContain("192.168.1.1:8000");
  });

  it("a top-level array is refused with Go's unmarshal type error", async () => {
    const h = await open("gie-v1.5");
    const got = await streamed(h.client, reqRaw({}, "[1,2]"), 1);
    expect(got).toEqual(
      expectReject(
        "BadRequest",
        "inference error: BadRequest - error unmarshaling request bodyMap: json: cannot unmarshal array into Go value of type map[string]interface {}",
      ),
    );
  });

  it("gie-v1.2 quotes the unreadable body only from -v=4 (logutil.DEBUG)", async () => {
    const quiet = await open("gie-v1.2");
    expect(await streamed(quiet.client, reqRaw({}, "{nope"), 1)).toEqual(
      expectReject("BadRequest", "inference gateway: BadRequest - Error unmarshaling request body"),
    );
    await quiet.close();
    const debug = await open("gie-v1.2", { verbosity: 4 });
    expect(await streamed(debug.client, reqRaw({}, "{nope"), 1)).toEqual(
      expectReject("BadRequest", "inference gateway: BadRequest - Error unmarshaling request body: {nope"),
    );
  });

  it("JSON nested deeper than Go's 10,000 levels is refused as Go refuses it", async () => {
    const h = await open("gie-v1.5");
    const deep = `{"model":"m","x":${"[".repeat(10_001)}${"]".repeat(10_001)}}`;
    const got = await streamed(h.client, reqRaw({}, deep), 1);
    expect(got).toEqual(
      expectReject(
        "BadRequest",
        "inference error: BadRequest - error unmarshaling request bodyMap: invalid character '[' exceeded max depth",
      ),
    );
  });

  it("JSON nested just under the limit, in the messages, is routed", async () => {
    const h = await open("gie-v1.5");
    const deep = `{"model":"m","messages":[{"role":"user","content":${"[".repeat(9_990)}${"]".repeat(9_990)}}]}`;
    const got = await streamed(h.client, reqRaw({}, deep), 2);
    expect(JSON.stringify(got[0])).toContain("192.168.1.1:8000");
  });

  it("a body over the per-stream buffer limit is answered 413 and the stream ends", async () => {
    const h = await open("gie-v1.5", { maxBodyBytesPerStream: 1_000 });
    const got = await streamed(h.client, reqRaw({}, "x".repeat(600), "x".repeat(600)), 1);
    expect(got).toEqual([{ immediate_response: { status: { code: "PayloadTooLarge" }, body: "Payload Too Large" } }]);
  });
});
