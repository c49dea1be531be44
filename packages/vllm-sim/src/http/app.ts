import type { Socket } from "node:net";
import Fastify, { type FastifyInstance } from "fastify";
import { isInstrumented } from "../metrics/http-metrics.js";
import type { ModelServer } from "../model-server.js";
import { logAccess } from "./access-log.js";
import { generationHandler } from "./generation-route.js";
import { registerLoraRoutes } from "./lora-routes.js";
import { registerModelRoutes } from "./model-routes.js";
import { openAiError, payloadTooLarge } from "./openai-errors.js";
import { SERVER_HEADER, sendError } from "./replies.js";
import { responsesHandler } from "./responses-route.js";
import { RouteTable } from "./route-table.js";
import { registerServingRoutes } from "./serving-routes.js";
import { requestFinished, requestStarted, uvicornClientError } from "./uvicorn-client-error.js";

export interface HttpsMaterial {
  cert: string | Buffer;
  key: string | Buffer;
}

/** The OpenAI-compatible HTTP front of one simulated vLLM pod. Built without listening, for inject() tests. */
export function buildVllmApp(server: ModelServer, https?: HttpsMaterial): FastifyInstance {
  const bodyLimit = server.options.maxRequestBodyBytes;
  const common = {
    logger: false,
    bodyLimit,
    forceCloseConnections: true,
    clientErrorHandler: uvicornClientError(server.options.clock),
  } as const;
  const app = (https ? Fastify({ ...common, https }) : Fastify(common)) as unknown as FastifyInstance;

  // Bodies are read as text whatever their content type; FastAPI-style parsing happens in the routes.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string", bodyLimit }, (_request, body, done) => done(null, body));

  const clock = server.options.clock;
  const startedAt = new WeakMap<object, number>();
  // Callback hooks (not async ones): every scrape passes them, and a promise per hook carries nothing.
  app.addHook("onRequest", (request, reply, done) => {
    requestStarted(request.raw.socket as Socket);
    if (isInstrumented(request.routeOptions.url)) startedAt.set(request, clock.monotonicNow());
    // --enable-request-id-headers (XRequestIdMiddleware): echo X-Request-Id, or a fresh uuid4 hex.
    if (server.options.enableRequestIdHeaders) {
      const sent = request.headers["x-request-id"];
      reply.raw.setHeader("x-request-id", typeof sent === "string" && sent !== "" ? sent : server.randomUuid());
    }
    done();
  });
  app.addHook("onResponse", (request, reply, done) => {
    requestFinished(request.raw.socket as Socket);
    // Timed in onRequest only when the instrumentator counts the route.
    const started = startedAt.get(request);
    if (started !== undefined) {
      const seconds = (clock.monotonicNow() - started) / 1000;
      server.httpMetrics.observe(request.routeOptions.url, request.method, reply.statusCode, seconds, {
        request: Number(request.headers["content-length"] ?? 0),
        response: Number(reply.getHeader("content-length") ?? 0),
      });
    }
    logAccess(server, request, reply.statusCode);
    done();
  });
  app.setErrorHandler((error: { code?: string; statusCode?: number; message: string }, _request, reply) => {
    if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE") return sendError(reply, payloadTooLarge(bodyLimit));
    server.log.error("api_server.py:0", `Unhandled error: ${error.message}`);
    return sendError(reply, openAiError(error.statusCode ?? 500, "InternalServerError", error.message));
  });
  const routes = new RouteTable();
  routes.watch(app);
  // Starlette's answers for routing errors (vLLM's HTTPException handler does not see them): 405 with
  // Allow for a known path, else 404.
  app.setNotFoundHandler((request, reply) => {
    const allow = routes.allowFor(request.url);
    if (allow) {
      return reply
        .code(405)
        .header("server", SERVER_HEADER)
        .header("allow", allow)
        .send({ detail: "Method Not Allowed" });
    }
    return reply.code(404).header("server", SERVER_HEADER).send({ detail: "Not Found" });
  });

  app.post("/v1/chat/completions", generationHandler(server, "chat"));
  app.post("/v1/completions", generationHandler(server, "completion"));
  app.post("/v1/responses", responsesHandler(server));
  registerModelRoutes(app, server);
  registerLoraRoutes(app, server);
  registerServingRoutes(app, server);
  return app;
}
