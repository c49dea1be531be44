// The contract every Endpoint Picker must keep with a gateway, as cases driven through the
// gateway's own ext_proc exchange (EppClient.exchange), that run against ANY EPP (ours, or the real
// one from llm-d-router / GIE) whose pool is the suite's own vllm-sim pods. Each case says in one
// sentence what it checks; `needs` marks cases that require the EPP to run a P/D
// EndpointPickerConfig, or to speak the pre-full-duplex buffered exchange.
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
  /** How long an EPP may take to notice forced metrics (its scrape interval, plus slack). */
  settleMs: number;
  clock: Clock;
}

export interface ContractCase {
  id: string;
  title: string;
  needs?: "pd" | "buffered";
  run(context: ContractContext): Promise<void>;
}

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
    title: "the request body comes back intact with a matching Content-Length",
    async run({ client }) {
      const body = chatBody("Tell me about prefix caching.");
      const result = await routeOnce(client, body);
      routed(result);
      check(result.upstreamBody.equals(body), "the body streamed back differs from the body sent");
      check(
        result.setHeaders["content-length"] === String(body.length),
        `Content-Length ${result.setHeaders["content-length"]} != ${body.length}`,
      );
    },
  },
  {
    id: "chunks-large-bodies",
    title: "a 200 KB body sent in 16 KB messages comes back whole, in chunks of at most 62,000 bytes",
    async run({ client }) {
      const body = chatBody("x".repeat(200_000));
      const result = await routeOnce(client, body, { chunkBytes: 16_384 });
      routed(result);
      check(result.upstreamBody.equals(body), "the large body came back altered");
      check(
        result.returnedChunkSizes.every((size) => size <= MAX_CHUNK_BYTES),
        `a chunk exceeded ${MAX_CHUNK_BYTES} bytes: ${result.returnedChunkSizes.join(", ")}`,
      );
    },
  },
  {
    id: "generates-request-id",
    title: "a request without x-request-id gets one set",
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
      check(response.body.equals(payload), "the response body came back altered");
    },
  },
  {
    id: "rejects-missing-model",
    title: "a body without `model` is refused with 400",
    async run({ client }) {
      const result = await routeOnce(
        client,
        Buffer.from(JSON.stringify({ messages: [{ role: "user", content: "Hi" }] })),
      );
      check(
        result.immediate?.status === 400,
        `expected an immediate 400, got ${result.immediate?.status ?? `routing to ${result.destination}`}`,
      );
    },
  },
  {
    id: "rejects-bad-json",
    title: "a body that is not JSON is refused with 400",
    async run({ client }) {
      const result = await routeOnce(client, Buffer.from('{"model": "Qwen/Qwen3-0.6B", "messages": ['));
      check(
        result.immediate?.status === 400,
        `expected an immediate 400, got ${result.immediate?.status ?? `routing to ${result.destination}`}`,
      );
    },
  },
  {
    id: "no-candidates-503",
    title: "when no pool endpoint is allowed (subset hint outside the pool) the answer is 503",
    async run({ client }) {
      const result = await routeOnce(client, chatBody(), { subsetHint: ["127.0.0.254:9"] });
      check(
        result.immediate?.status === 503,
        `expected an immediate 503, got ${result.immediate?.status ?? `routing to ${result.destination}`}`,
      );
    },
  },
  {
    id: "honours-subset-hint",
    title: "a subset hint naming one endpoint routes there",
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
];
