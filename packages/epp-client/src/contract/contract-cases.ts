// The contract every Endpoint Picker must keep with a gateway, as cases driven through the
// gateway's own ext_proc exchange (EppClient.exchange), that run against ANY EPP (ours, or the real
// one from llm-d-router / GIE) whose pool is the suite's own vllm-sim pods. Each case says in one
// sentence what it checks and for which EPP versions it holds; `needs` marks cases that require
// the EPP to run a P/D EndpointPickerConfig, to speak the pre-full-duplex buffered exchange, or a
// metrics URL; `onlyFor` marks the few that target exact bytes of named versions. Bodies are
// compared by JSON meaning, since every released EPP re-encodes them.
import { randomUUID } from "node:crypto";
import type { Clock } from "@testbed/common";
import {
  DESTINATION_HEADER,
  MAX_CHUNK_BYTES,
  PREFILLER_HEADER,
  REQUEST_ID_HEADER,
  WENT_INTO_RESPONSE_HEADER,
} from "@testbed/protocol";
import type { EppClient } from "../epp-client.js";
import type { RequestPhaseInput, RequestPhaseResult } from "../epp-exchange.js";
import type { ContractPool } from "./contract-pool.js";

/** What every case runs with: the client of the EPP under test, the pool it steers, and the clock. */
export interface ContractContext {
  client: EppClient;
  pool: ContractPool;
  /** The EPP's Prometheus endpoint, when the run was given one. */
  metricsUrl?: string;
  /** How long an EPP may take to notice forced metrics (its scrape interval, plus slack). */
  settleMs: number;
  clock: Clock;
}

export interface ContractCase {
  id: string;
  title: string;
  /** The EPP versions the behaviour is known to hold for (from their source and hermetic tests). */
  holdsFor: string;
  needs?: "pd" | "buffered" | "metrics";
  /** Emulated version names (testbed epp --emulate) a byte-exact case targets; run only for those. */
  onlyFor?: readonly string[];
  run(context: ContractContext): Promise<void>;
}

/** Every released EPP since the full-duplex exchange (GIE ≥ v0.4, llm-d-inference-scheduler, llm-d-router). */
const ALL_FULL_DUPLEX = "GIE ≥ v0.4, llm-d-inference-scheduler, llm-d-router";

export class ContractFailure extends Error {}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new ContractFailure(message);
}

const MODEL = "Qwen/Qwen3-0.6B";

export function chatBody(content = "Hi", extra: Record<string, unknown> = {}): Buffer {
  return Buffer.from(JSON.stringify({ model: MODEL, messages: [{ role: "user", content }], max_tokens: 5, ...extra }));
}

const jsonHeaders = (body: Buffer): Record<string, string> => ({
  ":method": "POST",
  ":path": "/v1/chat/completions",
  ":authority": "gateway.testbed",
  ":scheme": "https",
  "content-type": "application/json",
  "content-length": String(body.length),
  [REQUEST_ID_HEADER]: randomUUID(),
});

/** One request phase in full-duplex mode (what current Envoy and the real EPP use). */
export async function routeOnce(
  client: EppClient,
  body: Buffer,
  extra: Partial<RequestPhaseInput> = {},
): Promise<RequestPhaseResult> {
  const exchange = client.exchange({ mode: "FULL_DUPLEX_STREAMED" });
  try {
    return await exchange.request({ headers: jsonHeaders(body), body, ...extra });
  } finally {
    exchange.end();
  }
}

/**
 * Same JSON value, whatever the key order or escaping (every released EPP re-encodes bodies).
 * `upstream` may carry a top-level `priority` the client did not send: llm-d-router main adds the
 * InferenceObjective's priority (0 without one) to the body it forwards.
 */
export function sameJson(upstream: Buffer, sent: Buffer): boolean {
  try {
    const got = JSON.parse(upstream.toString("utf8")) as unknown;
    const want = JSON.parse(sent.toString("utf8")) as unknown;
    if (isObject(got) && isObject(want) && !("priority" in want)) delete got.priority;
    return canonicalJson(got) === canonicalJson(want);
  } catch {
    return upstream.equals(sent);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The error body every version writes: `inference error: <Code> - …` ("inference gateway:" before GIE v1.3). */
const ERROR_BODY = (code: string) => new RegExp(`^inference (error|gateway): ${code} - `);

function routed(result: RequestPhaseResult): string {
  check(
    !result.immediate,
    `expected a routing decision, got an immediate ${result.immediate?.status}: ${result.immediate?.body}`,
  );
  check(result.destination, `no ${DESTINATION_HEADER} header was set`);
  return result.destination;
}

/** Retry until `accept` holds or the settle time runs out: an EPP sees forced metrics on its next scrape. */
async function eventually(
  context: ContractContext,
  body: () => Buffer,
  accept: (destination: string) => boolean,
): Promise<string> {
  const { clock } = context;
  const deadline = clock.now() + context.settleMs;
  let last = "";
  for (;;) {
    last = routed(await routeOnce(context.client, body()));
    if (accept(last) || clock.now() > deadline) return last;
    await clock.sleep(50);
  }
}

export const CONTRACT_CASES: readonly ContractCase[] = [
  {
    id: "routes-to-pool-endpoint",
    title: "the routing header names a pool endpoint and equals the envoy.lb metadata",
    holdsFor: ALL_FULL_DUPLEX,
    async run({ client, pool }) {
      const result = await routeOnce(client, chatBody());
      const destination = routed(result);
      check(
        pool.pods.some((pod) => pod.hostPort === destination),
        `${destination} is not a pool endpoint`,
      );
      check(
        result.metadataDestination === destination,
        `envoy.lb metadata says ${result.metadataDestination}, header says ${destination}`,
      );
      check(result.clearRouteCache, "clear_route_cache was not set, so Envoy would keep its first route choice");
    },
  },
  {
    id: "returns-body-intact",
    title: "the request body comes back with the same JSON meaning and a Content-Length that matches it",
    holdsFor: ALL_FULL_DUPLEX,
    async run({ client }) {
      const body = chatBody("Tell me about prefix caching.");
      const result = await routeOnce(client, body);
      routed(result);
      check(sameJson(result.upstreamBody, body), "the body streamed back means something else than the body sent");
      check(
        result.setHeaders["content-length"] === String(result.upstreamBody.length),
        `Content-Length ${result.setHeaders["content-length"]} != ${result.upstreamBody.length} bytes sent upstream`,
      );
    },
  },
  {
    id: "chunks-large-bodies",
    title: "a 200 KB body sent in 16 KB messages comes back whole, in chunks of at most 62,000 bytes",
    holdsFor: ALL_FULL_DUPLEX,
    async run({ client }) {
      const body = chatBody("x".repeat(200_000));
      const result = await routeOnce(client, body, { chunkBytes: 16_384 });
      routed(result);
      check(sameJson(result.upstreamBody, body), "the large body came back altered");
      check(
        result.returnedChunkSizes.every((size) => size <= MAX_CHUNK_BYTES),
        `a chunk exceeded ${MAX_CHUNK_BYTES} bytes: ${result.returnedChunkSizes.join(", ")}`,
      );
    },
  },
  {
    id: "generates-request-id",
    title: "a request without x-request-id gets one set",
    holdsFor: "GIE ≥ v1.0, llm-d-router",
    async run({ client }) {
      const body = chatBody();
      const exchange = client.exchange({ mode: "FULL_DUPLEX_STREAMED" });
      const headers = jsonHeaders(body);
      delete headers[REQUEST_ID_HEADER];
      const result = await exchange.request({ headers, body });
      exchange.end();
      routed(result);
      check((result.setHeaders[REQUEST_ID_HEADER] ?? "").length > 0, "no x-request-id was set");
    },
  },
  {
    id: "marks-response-headers",
    title: "response headers carry x-went-into-resp-headers: true",
    holdsFor: ALL_FULL_DUPLEX,
    async run({ client }) {
      const body = chatBody();
      const exchange = client.exchange({ mode: "FULL_DUPLEX_STREAMED" });
      routed(await exchange.request({ headers: jsonHeaders(body), body }));
      const response = await exchange.response({
        headers: { ":status": "200", "content-type": "application/json" },
        chunks: [Buffer.from('{"ok":true}')],
      });
      exchange.end();
      check(response.setHeaders[WENT_INTO_RESPONSE_HEADER] === "true", `${WENT_INTO_RESPONSE_HEADER}: true is missing`);
    },
  },
  {
    id: "streams-response-in-order",
    title: "a streamed (SSE) response comes back chunk by chunk, in order, as it is sent",
    holdsFor: ALL_FULL_DUPLEX,
    async run({ client }) {
      const body = chatBody("Hi", { stream: true });
      const exchange = client.exchange({ mode: "FULL_DUPLEX_STREAMED" });
      routed(await exchange.request({ headers: jsonHeaders(body), body }));
      const chunks = Array.from({ length: 20 }, (_, i) =>
        Buffer.from(`data: {"choices":[{"delta":{"content":"t${i}"}}]}\n\n`),
      );
      chunks.push(Buffer.from("data: [DONE]\n\n"));
      const response = await exchange.response({
        headers: { ":status": "200", "content-type": "text/event-stream; charset=utf-8" },
        chunks,
      });
      exchange.end();
      check(response.echoedInOrder, "a streamed chunk was not echoed back before the next was sent");
      check(response.body.equals(Buffer.concat(chunks)), "the streamed response came back altered");
    },
  },
  {
    id: "returns-buffered-response",
    title: "a non-streaming response body sent in pieces comes back whole",
    holdsFor: ALL_FULL_DUPLEX,
    async run({ client }) {
      const body = chatBody();
      const exchange = client.exchange({ mode: "FULL_DUPLEX_STREAMED" });
      routed(await exchange.request({ headers: jsonHeaders(body), body }));
      const payload = Buffer.from(
        JSON.stringify({
          id: "chatcmpl-1",
          choices: [{ message: { content: "y".repeat(5000) } }],
          usage: { prompt_tokens: 9, completion_tokens: 5 },
        }),
      );
      const chunks = [payload.subarray(0, 1000), payload.subarray(1000, 3000), payload.subarray(3000)];
      const response = await exchange.response({
        headers: { ":status": "200", "content-type": "application/json" },
        chunks,
      });
      exchange.end();
      check(sameJson(response.body, payload), "the response body came back altered");
    },
  },
  {
    id: "rejects-missing-model",
    title: "a body without `model` is refused with 400 `… BadRequest - model not found in request body`",
    holdsFor: ALL_FULL_DUPLEX,
    async run({ client }) {
      const result = await routeOnce(
        client,
        Buffer.from(JSON.stringify({ messages: [{ role: "user", content: "Hi" }] })),
      );
      check(
        result.immediate?.status === 400,
        `expected an immediate 400, got ${result.immediate?.status ?? `routing to ${result.destination}`}`,
      );
      check(
        ERROR_BODY("BadRequest").test(result.immediate.body) &&
          result.immediate.body.endsWith("model not found in request body"),
        `unexpected error body: ${result.immediate.body}`,
      );
    },
  },
  {
    id: "rejects-bad-json",
    title: "a body that is not JSON is refused with 400 `… BadRequest - …`",
    holdsFor: ALL_FULL_DUPLEX,
    async run({ client }) {
      const result = await routeOnce(client, Buffer.from('{"model": "Qwen/Qwen3-0.6B", "messages": ['));
      check(
        result.immediate?.status === 400,
        `expected an immediate 400, got ${result.immediate?.status ?? `routing to ${result.destination}`}`,
      );
      check(ERROR_BODY("BadRequest").test(result.immediate.body), `unexpected error body: ${result.immediate.body}`);
    },
  },
  {
    id: "no-candidates-503",
    title:
      "when no pool endpoint is allowed (subset hint outside the pool) the answer is 503 `… ServiceUnavailable - …`",
    holdsFor: ALL_FULL_DUPLEX,
    async run({ client }) {
      const result = await routeOnce(client, chatBody(), { subsetHint: ["127.0.0.254:9"] });
      check(
        result.immediate?.status === 503,
        `expected an immediate 503, got ${result.immediate?.status ?? `routing to ${result.destination}`}`,
      );
      check(
        ERROR_BODY("ServiceUnavailable").test(result.immediate.body),
        `unexpected error body: ${result.immediate.body}`,
      );
    },
  },
  {
    id: "honours-subset-hint",
    title: "a subset hint naming one endpoint routes there",
    holdsFor: ALL_FULL_DUPLEX,
    async run({ client, pool }) {
      const target = pool.byRole("decode")[0] ?? pool.pods[0];
      check(target, "the pool is empty");
      const destination = routed(await routeOnce(client, chatBody(), { subsetHint: [target.hostPort] }));
      check(destination === target.hostPort, `expected ${target.hostPort}, routed to ${destination}`);
    },
  },
  {
    id: "prefers-less-loaded",
    title: "with every other pod's queue full, the idle pod is chosen",
    holdsFor: "any config with queue-scorer or kv-cache-utilization-scorer (GIE's default, the llm-d guides)",
    async run(context) {
      const { pool } = context;
      const idle = pool.byRole("decode")[1] ?? pool.pods[0];
      check(idle, "the pool is empty");
      try {
        await Promise.all(
          pool.pods
            .filter((p) => p !== idle)
            .map((p) => pool.setLoad(p, { numRequestsWaiting: 50, kvCacheUsagePerc: 0.9 })),
        );
        // A fresh prompt each time, so no prefix affinity pulls the choice elsewhere.
        const destination = await eventually(
          context,
          () => chatBody(`load ${randomUUID()}`),
          (d) => d === idle.hostPort,
        );
        check(destination === idle.hostPort, `expected the idle pod ${idle.hostPort}, routed to ${destination}`);
      } finally {
        await pool.resetLoad();
      }
    },
  },
  {
    id: "prefix-affinity",
    title: "a repeated long prompt sticks to one pod",
    holdsFor: "any config with prefix-cache-scorer (GIE's default, the llm-d guides)",
    async run({ client }) {
      const prompt = `You are a support assistant for the testbed. ${randomUUID()} `.repeat(40);
      const destinations = new Set<string>();
      for (let i = 0; i < 5; i++) destinations.add(routed(await routeOnce(client, chatBody(prompt))));
      check(destinations.size === 1, `the same prompt went to ${[...destinations].join(", ")}`);
    },
  },
  {
    id: "pd-prefill-header",
    title: "a P/D config routes to a decode pod and names a prefill pod in x-prefiller-host-port",
    holdsFor: "llm-d-inference-scheduler ≥ v0.2, llm-d-router (pd-profile-handler or disagg-profile-handler)",
    needs: "pd",
    async run({ client, pool }) {
      const result = await routeOnce(client, chatBody(`Explain disaggregation. ${randomUUID()}`.repeat(10)));
      const destination = routed(result);
      const prefiller = result.setHeaders[PREFILLER_HEADER];
      check(
        pool.byRole("decode").some((p) => p.hostPort === destination),
        `${destination} is not a decode pod`,
      );
      check(
        prefiller && pool.byRole("prefill").some((p) => p.hostPort === prefiller),
        `${PREFILLER_HEADER} is ${prefiller ?? "missing"}, not a prefill pod`,
      );
    },
  },
  {
    id: "buffered-exchange",
    title: "in BUFFERED mode the routing header rides on the request_body answer and the body passes unchanged",
    holdsFor: "GIE before v0.4 only (later EPPs speak full duplex)",
    needs: "buffered",
    async run({ client, pool }) {
      const body = chatBody();
      const exchange = client.exchange({ mode: "BUFFERED" });
      const result = await exchange.request({ headers: jsonHeaders(body), body });
      exchange.end();
      const destination = routed(result);
      check(
        pool.pods.some((pod) => pod.hostPort === destination),
        `${destination} is not a pool endpoint`,
      );
      check(result.upstreamBody.equals(body), "the body was altered");
    },
  },
  {
    id: "rewrites-model-name",
    title: "x-gateway-model-name-rewrite sends the body upstream with that model and a matching Content-Length",
    holdsFor: "GIE ≥ v1.2, llm-d-router (which also reads x-llm-d-model-name-rewrite)",
    async run({ client }) {
      const body = chatBody();
      const headers = { ...jsonHeaders(body), "x-gateway-model-name-rewrite": "rewritten-model" };
      const exchange = client.exchange({ mode: "FULL_DUPLEX_STREAMED" });
      const result = await exchange.request({ headers, body });
      exchange.end();
      routed(result);
      const model = (JSON.parse(result.upstreamBody.toString("utf8")) as { model?: unknown }).model;
      check(model === "rewritten-model", `the upstream body's model is ${JSON.stringify(model)}`);
      check(
        result.setHeaders["content-length"] === String(result.upstreamBody.length),
        `Content-Length ${result.setHeaders["content-length"]} != ${result.upstreamBody.length}`,
      );
      check(
        result.setHeaders["x-gateway-model-name-rewrite"] === undefined,
        "the control header was copied back onto the upstream request",
      );
    },
  },
  {
    id: "subset-matches-by-ip",
    title: "a subset hint entry matches the pod with that IP whatever its port",
    holdsFor: ALL_FULL_DUPLEX,
    async run({ client, pool }) {
      // A decode pod, so a P/D config can route there too.
      const target = pool.byRole("decode")[0] ?? pool.pods[0];
      check(target, "the pool is empty");
      const host = target.hostPort.slice(0, target.hostPort.lastIndexOf(":"));
      const destination = routed(await routeOnce(client, chatBody(), { subsetHint: [`${host}:1`] }));
      check(destination === target.hostPort, `expected ${target.hostPort}, routed to ${destination}`);
    },
  },
  {
    id: "header-only-request",
    title: "a request without a body is routed at once, with no Content-Length added",
    holdsFor: ALL_FULL_DUPLEX,
    async run({ client, pool }) {
      const exchange = client.exchange({ mode: "FULL_DUPLEX_STREAMED" });
      const headers = { ":method": "GET", ":path": "/v1/models", ":authority": "gateway.testbed", ":scheme": "https" };
      const result = await exchange.request({ headers, body: Buffer.alloc(0) });
      exchange.end();
      const destination = routed(result);
      check(
        pool.pods.some((pod) => pod.hostPort === destination),
        `${destination} is not a pool endpoint`,
      );
      check(result.setHeaders["content-length"] === undefined, "a Content-Length was added to a request without body");
    },
  },
  {
    id: "response-only-stream",
    title: "a response phase without a request phase is answered: headers marked, SSE chunks echoed as sent",
    holdsFor: "GIE ≥ v1.2, llm-d-router (their hermetic case 'response streaming: SSE token counting')",
    async run({ client }) {
      const session = client.session();
      const chunks = ["data: {}", "data: [DONE]", ""];
      session.send({
        response_headers: {
          headers: { headers: [{ key: "content-type", raw_value: Buffer.from("text/event-stream") }] },
        },
      });
      for (const [i, chunk] of chunks.entries()) {
        session.send({ response_body: { body: Buffer.from(chunk), end_of_stream: i === chunks.length - 1 } });
      }
      try {
        const first = await session.next();
        check(first.kind === "response" && first.response.response_headers, "no response_headers answer");
        const marked = (first.response.response_headers?.response?.header_mutation?.set_headers ?? []).some(
          (option) => option.header?.key === WENT_INTO_RESPONSE_HEADER,
        );
        check(marked, `${WENT_INTO_RESPONSE_HEADER} is missing`);
        for (const [i, chunk] of chunks.entries()) {
          const event = await session.next();
          check(event.kind === "response", `chunk ${i} was not answered`);
          const streamed = event.response.response_body?.response?.body_mutation?.streamed_response;
          check(streamed, `chunk ${i} was not answered with a streamed_response`);
          const text = Buffer.from(streamed.body ?? Buffer.alloc(0)).toString("utf8");
          check(text === chunk, `chunk ${i} came back as ${JSON.stringify(text)}`);
          check((streamed.end_of_stream ?? false) === (i === chunks.length - 1), `chunk ${i}: wrong end_of_stream`);
        }
      } finally {
        session.end();
      }
    },
  },
  {
    id: "metrics-request-total",
    title: "inference_objective_request_total counts a routed request under its model, with an [ALPHA] HELP text",
    holdsFor: "GIE ≥ v1.0, llm-d-router (GIE v1.5 and llm-d-router add the priority label)",
    needs: "metrics",
    async run({ client, metricsUrl }) {
      routed(await routeOnce(client, chatBody()));
      const text = await (await fetch(metricsUrl as string)).text();
      check(
        /# HELP inference_objective_request_total \[ALPHA\] /.test(text),
        "the HELP text of inference_objective_request_total does not start with [ALPHA]",
      );
      check(
        new RegExp(`inference_objective_request_total\\{[^}]*model_name="${MODEL}"[^}]*\\} [1-9]`).test(text),
        `no inference_objective_request_total sample for model_name="${MODEL}"`,
      );
    },
  },
  {
    id: "request-body-re-encoded",
    title: "the request body goes upstream as Go's json.Marshal writes it (keys sorted, < escaped)",
    holdsFor: "every released EPP up to llm-d-router c51b75a1d (GIE v1.x)",
    onlyFor: ["gie-v1.2", "gie-v1.5"],
    async run({ client }) {
      const body = Buffer.from('{"model":"Qwen/Qwen3-0.6B","prompt":"a<b","max_tokens":5}');
      const result = await routeOnce(client, body);
      routed(result);
      const expected = '{"max_tokens":5,"model":"Qwen/Qwen3-0.6B","prompt":"a\\u003cb"}';
      check(result.upstreamBody.toString("utf8") === expected, `upstream got ${result.upstreamBody.toString("utf8")}`);
    },
  },
  {
    id: "request-body-as-sent",
    title: "the request body goes upstream byte for byte as sent",
    holdsFor: "llm-d-router after c51b75a1d",
    onlyFor: ["llm-d-router-c51b75a1d"],
    async run({ client }) {
      const body = Buffer.from('{"model":"Qwen/Qwen3-0.6B","prompt":"a<b","max_tokens":5}');
      const result = await routeOnce(client, body);
      routed(result);
      check(result.upstreamBody.equals(body), `upstream got ${result.upstreamBody.toString("utf8")}`);
    },
  },
];
