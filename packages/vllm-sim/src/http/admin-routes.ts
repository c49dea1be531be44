import { answerTraceParts, TRACE_PARTS_PATH } from "@testbed/trace";
import Fastify, { type FastifyInstance } from "fastify";
import { FAULT_TYPES, type FaultConfig, isFaultType } from "../faults.js";
import type { MetricOverrides } from "../metrics/vllm-metrics.js";
import type { ModelServer } from "../model-server.js";
import { badRequest } from "./openai-errors.js";
import { sendError, sendJson } from "./replies.js";
import { isOpenAiError, readJsonBody } from "./request-body.js";

/**
 * The admin server: its own port (--admin-port), which no Service or gateway route exposes, so a
 * client of the model cannot reach fault injection through the gateways.
 */
export function buildAdminApp(server: ModelServer): FastifyInstance {
  // Never listens (admin-listener.ts routes its own server's requests into it): no connections to force closed.
  const app = Fastify({ logger: false }) as unknown as FastifyInstance;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (_request, body, done) => done(null, body));
  registerAdminRoutes(app, server);
  return app;
}

/**
 * The simulator's own control surface (not part of vLLM), for tests and trainers:
 *   GET/PUT/DELETE /admin/faults   — fail requests: {rate, types, next: {count, type}, abortAfterTokens}
 *   GET/PUT/DELETE /admin/metrics  — force gauges the EPP reads: {numRequestsWaiting, numRequestsRunning, kvCacheUsagePerc}
 *   GET /admin/state               — engine and KV cache state
 */
export function registerAdminRoutes(app: FastifyInstance, server: ModelServer): void {
  app.get("/admin/faults", async (_request, reply) =>
    sendJson(reply, { ...server.faults.current, injected: Object.fromEntries(server.faults.injected) }),
  );
  app.put("/admin/faults", async (request, reply) => {
    const body = readJsonBody(request, false);
    if (isOpenAiError(body)) return sendError(reply, body);
    const update = parseFaultUpdate(body);
    if (typeof update === "string") return sendError(reply, badRequest(update));
    server.faults.configure(update);
    return sendJson(reply, server.faults.current);
  });
  app.delete("/admin/faults", async (_request, reply) => {
    server.faults.clear();
    return sendJson(reply, server.faults.current);
  });

  app.get("/admin/metrics", async (_request, reply) => sendJson(reply, server.metrics.overrides));
  app.put("/admin/metrics", async (request, reply) => {
    const body = readJsonBody(request, false);
    if (isOpenAiError(body)) return sendError(reply, body);
    const overrides = parseOverrides(body);
    if (typeof overrides === "string") return sendError(reply, badRequest(overrides));
    server.metrics.overrides = overrides;
    return sendJson(reply, overrides);
  });
  app.delete("/admin/metrics", async (_request, reply) => {
    server.metrics.overrides = {};
    return sendJson(reply, {});
  });

  // The routing trace's side channel (testbed-only): this pod's engine hops.
  app.get(TRACE_PARTS_PATH, async (request, reply) => {
    const answer = answerTraceParts(server.traces.ring, "GET", request.url);
    return reply
      .code(answer?.status ?? 404)
      .type(answer?.contentType ?? "application/json")
      .send(answer?.body ?? "");
  });

  app.get("/admin/state", async (_request, reply) => {
    const pool = server.engine.kv.pool;
    return sendJson(reply, {
      running: server.engine.numRunning,
      waiting: server.engine.numWaiting,
      numGpuBlocks: pool.numBlocks,
      freeBlocks: pool.numFreeBlocks,
      cachedBlocks: pool.numCachedBlocks,
      evictions: pool.evictions,
      kvCacheUsage: pool.usage(),
      prefixCaching: server.engine.kv.prefixCaching,
    });
  });
}

function parseFaultUpdate(body: Record<string, unknown>): Partial<FaultConfig> | string {
  const update: Partial<FaultConfig> = {};
  if (body.rate !== undefined) {
    if (typeof body.rate !== "number" || body.rate < 0 || body.rate > 1) return "rate must be a number from 0 to 1";
    update.rate = body.rate;
  }
  if (body.types !== undefined) {
    if (!Array.isArray(body.types) || !body.types.every(isFaultType)) {
      return `types must be a list of: ${FAULT_TYPES.join(", ")}`;
    }
    update.types = body.types;
  }
  if (body.next !== undefined) {
    const next = body.next as { count?: unknown; type?: unknown } | null;
    if (!next || !Number.isInteger(next.count) || (next.count as number) < 0 || !isFaultType(next.type)) {
      return `next must be {count: a non-negative integer, type: one of ${FAULT_TYPES.join(", ")}}`;
    }
    update.next = { count: next.count as number, type: next.type };
  }
  if (body.abortAfterTokens !== undefined) {
    if (!Number.isInteger(body.abortAfterTokens) || (body.abortAfterTokens as number) < 0) {
      return "abortAfterTokens must be a non-negative integer";
    }
    update.abortAfterTokens = body.abortAfterTokens as number;
  }
  return update;
}

function parseOverrides(body: Record<string, unknown>): MetricOverrides | string {
  const overrides: MetricOverrides = {};
  for (const key of ["numRequestsWaiting", "numRequestsRunning", "kvCacheUsagePerc"] as const) {
    const value = body[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== "number" || value < 0) return `${key} must be a non-negative number`;
    if (key === "kvCacheUsagePerc" && value > 1) return "kvCacheUsagePerc is a fraction from 0 to 1";
    overrides[key] = value;
  }
  return overrides;
}
