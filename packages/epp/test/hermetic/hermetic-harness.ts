// A harness in the style of the real EPP's hermetic integration tests (llm-d-router and GIE
// test/integration/epp): an in-process EPP whose pods and their metrics are set directly, a raw
// ext_proc stream that sends a request sequence, and the exact response list it answers, in a
// canonical form (bytes as text, set_headers sorted by key) so a comparison is as strict as
// protocmp with SortRepeated.
import { SimulatedClock, silentSink } from "@testbed/common";
import { EppClient } from "@testbed/epp-client";
import {
  DESTINATION_HEADER,
  fromStruct,
  LB_METADATA_NAMESPACE,
  type Metadata,
  type ProcessingRequest,
  type ProcessingResponse,
  type ProtoStruct,
  SUBSET_HINT_KEY,
  SUBSET_HINT_NAMESPACE,
  toStruct,
} from "@testbed/protocol";
import { StaticEndpointSource } from "../../src/discovery/endpoint-source.js";
import { type EppHandle, startEpp } from "../../src/epp.js";
import type { EppOptions } from "../../src/options.js";

/** P(index, queue, kv): pod-<index> at 192.168.1.<index+1>:8000 with that waiting queue and KV usage. */
export interface PodState {
  index: number;
  queue: number;
  kv: number;
}

export const P = (index: number, queue: number, kv: number): PodState => ({ index, queue, kv });

export interface Harness {
  epp: EppHandle;
  client: EppClient;
  close(): Promise<void>;
}

/** An EPP over the given pods, emulating `version`; no scrape ever runs (the clock never advances). */
export async function harness(
  version: string,
  pods: PodState[],
  configText?: string,
  options: Partial<EppOptions> = {},
): Promise<Harness> {
  const clock = new SimulatedClock(1_000_000);
  const source = new StaticEndpointSource(
    pods.map((pod) => ({
      namespacedName: `default/pod-${pod.index}`,
      address: `192.168.1.${pod.index + 1}`,
      port: 8000,
      labels: {},
      ready: true,
    })),
  );
  const epp = await startEpp({
    grpcPort: 0,
    grpcHealthPort: 0,
    metricsPort: 0,
    poolName: "vllm-qwen3-32b-pool",
    secureServing: false,
    endpointSource: source,
    emulate: version,
    clock,
    log: silentSink,
    ...(configText ? { configText } : {}),
    ...options,
  });
  for (const endpoint of epp.datastore.all()) {
    const pod = pods.find((p) => endpoint.namespacedName === `default/pod-${p.index}`) as PodState;
    Object.assign(endpoint.metrics, { waitingQueueSize: pod.queue, kvCacheUsage: pod.kv, updatedAt: clock.now() });
  }
  const client = new EppClient({ address: epp.grpcAddress });
  return {
    epp,
    client,
    async close() {
      client.close();
      await epp.close();
    },
  };
}

/**
 * Send every request, read `expected` answers, then half-close and collect whatever else the EPP
 * sends before the stream ends (the real harness stops at `expected`; anything extra fails here).
 */
export async function streamed(client: EppClient, requests: ProcessingRequest[], expected: number) {
  const session = client.session();
  for (const request of requests) session.send(request);
  const responses: ProcessingResponse[] = [];
  let ended = false;
  while (responses.length < expected) {
    const event = await session.next(5_000);
    if (event.kind !== "response") {
      ended = true;
      break;
    }
    responses.push(event.response);
  }
  if (!ended) {
    session.end();
    for (;;) {
      const event = await session.next(5_000);
      if (event.kind !== "response") break;
      responses.push(event.response);
    }
  }
  return responses.map(canonical);
}

// ---- request builders (the real test/integration/util.go's, same messages) -------------------

type Headers = Record<string, string>;

const headerMap = (headers: Headers) => ({
  headers: Object.entries(headers).map(([key, value]) => ({ key, raw_value: Buffer.from(value) })),
});

const metadataContext = (subset: string[] | undefined): Metadata => {
  const filter_metadata: Record<string, ProtoStruct> = {};
  if (subset) filter_metadata[SUBSET_HINT_NAMESPACE] = toStruct({ [SUBSET_HINT_KEY]: subset });
  return { filter_metadata };
};

/** ReqRaw: a headers message, then the body chunks (end_of_stream on the last). */
export function reqRaw(headers: Headers, ...chunks: string[]): ProcessingRequest[] {
  return [
    { request_headers: { headers: headerMap(headers) } },
    ...chunks.map((chunk, i) => ({
      request_body: { body: Buffer.from(chunk), end_of_stream: i === chunks.length - 1 },
    })),
  ];
}

/** ReqHeaderOnly: headers with end_of_stream (a GET). */
export function reqHeaderOnly(headers: Headers): ProcessingRequest[] {
  return [{ request_headers: { headers: headerMap(headers), end_of_stream: true } }];
}

/** Go's json.Marshal of the generated request map (keys sorted). */
function llmBody(prompt: string, model: string): string {
  return JSON.stringify({ max_tokens: 100, model, prompt, temperature: 0 });
}

/**
 * ReqLLM / ReqSubset: headers (hi: mom, x-request-id, the objective and rewrite headers) and one
 * body message; both carry the metadata context (the subset hint when given).
 */
export function reqLLM(
  prompt: string,
  model: string,
  target: string,
  names: { objective: string; rewrite: string },
  subset?: string[],
): ProcessingRequest[] {
  const headers: Headers = { hi: "mom", "x-request-id": "test-request-id" };
  if (model) headers[names.objective] = model;
  if (target) headers[names.rewrite] = target;
  return [
    { request_headers: { headers: headerMap(headers) }, metadata_context: metadataContext(subset) },
    {
      request_body: { body: Buffer.from(llmBody(prompt, model)), end_of_stream: true },
      metadata_context: metadataContext(subset),
    },
  ];
}

/** ReqResponseOnly: response headers and body chunks, no request phase at all. */
export function reqResponseOnly(headers: Headers, ...chunks: string[]): ProcessingRequest[] {
  return [
    { response_headers: { headers: headerMap(headers) } },
    ...chunks.map((chunk, i) => ({
      response_body: { body: Buffer.from(chunk), end_of_stream: i === chunks.length - 1 },
    })),
  ];
}

// ---- expected responses, canonical ------------------------------------------------------------

/** A response as plain data: bytes as text, no empty fields, set_headers sorted by key. */
export type Canonical = Record<string, unknown>;

export function canonical(response: ProcessingResponse): Canonical {
  const plain = { ...response } as Record<string, unknown>;
  if (response.dynamic_metadata) plain.dynamic_metadata = fromStruct(response.dynamic_metadata);
  return prune(JSON.parse(JSON.stringify(plain, bytesAsText))) as Canonical;
}

function bytesAsText(this: unknown, _key: string, value: unknown): unknown {
  if (value && typeof value === "object" && (value as { type?: string }).type === "Buffer") {
    return Buffer.from((value as { data: number[] }).data).toString("utf8");
  }
  return value;
}

function prune(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(prune).filter((v) => v !== undefined);
    if (items.length === 0) return undefined;
    if (items.every((item) => typeof item === "object" && item !== null && "header" in item)) {
      items.sort((a, b) => String(headerKey(a)).localeCompare(String(headerKey(b))));
    }
    return items;
  }
  if (value && typeof value === "object") {
    // grpc-js marks which member of a oneof is set with a string naming a sibling key: not data.
    const record = value as Record<string, unknown>;
    const entries = Object.entries(record)
      .filter(([, v]) => !(typeof v === "string" && v in record))
      .map(([k, v]) => [k, prune(v)] as const)
      .filter(([, v]) => v !== undefined);
    return entries.length === 0 ? undefined : Object.fromEntries(entries);
  }
  if (value === false || value === "" || value === 0 || value === null) return undefined;
  return value;
}

function headerKey(option: unknown): string {
  return ((option as { header: { key: string } }).header.key ?? "").toLowerCase();
}

const header = (key: string, value: string) => ({ header: { key, raw_value: value } });

function destinationMetadata(endpoint: string) {
  return fromStruct(toStruct({ [LB_METADATA_NAMESPACE]: { [DESTINATION_HEADER]: endpoint } }));
}

/** NewRequestBufferedResponse: headers answer (destination, Content-Length, others) + the body back. */
export function expectRouteTo(endpoint: string, body: string, others: Headers): Canonical[] {
  const setHeaders = [
    header(DESTINATION_HEADER, endpoint),
    header("Content-Length", String(Buffer.byteLength(body))),
    ...Object.entries(others).map(([k, v]) => header(k, v)),
  ];
  return [
    canonicalExpected({
      request_headers: { response: { clear_route_cache: true, header_mutation: { set_headers: setHeaders } } },
      dynamic_metadata: destinationMetadata(endpoint),
    }),
    canonicalExpected({
      request_body: { response: { body_mutation: { streamed_response: { body, end_of_stream: true } } } },
    }),
  ];
}

/** The header-only answer: only the routing header, the metadata and clear_route_cache. */
export function expectHeaderOnlyRoute(endpoint: string): Canonical[] {
  return [
    canonicalExpected({
      request_headers: {
        response: { clear_route_cache: true, header_mutation: { set_headers: [header(DESTINATION_HEADER, endpoint)] } },
      },
      dynamic_metadata: destinationMetadata(endpoint),
    }),
  ];
}

/** NewImmediateErrorResponse (with the dropped-reason header when given). */
export function expectReject(code: string, body: string, droppedReason?: string): Canonical[] {
  const immediate: Record<string, unknown> = { status: { code }, body };
  if (droppedReason) {
    immediate.headers = { set_headers: [header("x-llm-d-request-dropped-reason", droppedReason)] };
  }
  return [canonicalExpected({ immediate_response: immediate })];
}

/** ExpectBufferResp: response headers (x-went-into-resp-headers + content-type) and the body in one chunk. */
export function expectBufferResp(body: string, contentType: string): Canonical[] {
  return [
    responseHeaders({ "x-went-into-resp-headers": "true", "content-type": contentType }),
    streamChunk(body, true),
  ];
}

/** ExpectStreamResp: SSE headers echoed, then every chunk as sent, end_of_stream on the last. */
export function expectStreamResp(...chunks: string[]): Canonical[] {
  return [
    responseHeaders({ "x-went-into-resp-headers": "true", "content-type": "text/event-stream", status: "200" }),
    ...chunks.map((chunk, i) => streamChunk(chunk, i === chunks.length - 1)),
  ];
}

function responseHeaders(headers: Headers): Canonical {
  const setHeaders = Object.entries(headers).map(([k, v]) => header(k, v));
  return canonicalExpected({ response_headers: { response: { header_mutation: { set_headers: setHeaders } } } });
}

function streamChunk(body: string, endOfStream: boolean): Canonical {
  return canonicalExpected({
    response_body: { response: { body_mutation: { streamed_response: { body, end_of_stream: endOfStream } } } },
  });
}

function canonicalExpected(value: unknown): Canonical {
  return prune(JSON.parse(JSON.stringify(value))) as Canonical;
}
