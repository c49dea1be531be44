import Fastify, { type FastifyInstance } from "fastify";
import type { ModelServer } from "../model-server.js";
import { logAccess } from "./access-log.js";
import { registerAdminRoutes } from "./admin-routes.js";
import { generationHandler } from "./generation-route.js";
import { registerModelRoutes } from "./model-routes.js";
import { openAiError, payloadTooLarge } from "./openai-errors.js";
import { sendError } from "./replies.js";

export interface HttpsMaterial {
  cert: string | Buffer;
  key: string | Buffer;
}

/** The OpenAI-compatible HTTP front of one simulated vLLM pod. Built without listening, for inject() tests. */
export function buildVllmApp(server: ModelServer, https?: HttpsMaterial): FastifyInstance {
  const bodyLimit = server.options.maxRequestBodyBytes;
  const app = (https
    ? Fastify({ logger: false, bodyLimit, https, forceCloseConnections: true })
    : Fastify({ logger: false, bodyLimit, forceCloseConnections: true })) as unknown as FastifyInstance;

  // Bodies are read as text whatever their content type; FastAPI-style parsing happens in the routes.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string", bodyLimit }, (_request, body, done) => done(null, body));

  app.addHook("onResponse", async (request, reply) => {
    logAccess(server, request, reply.statusCode);
  });
  app.setErrorHandler((error: { code?: string; statusCode?: number; message: string }, _request, reply) => {
    if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE") return sendError(reply, payloadTooLarge(bodyLimit));
    server.log.error("api_server.py:0", `Unhandled error: ${error.message}`);
    return sendError(reply, openAiError(error.statusCode ?? 500, "InternalServerError", error.message));
  });
  // FastAPI's default answers for unknown paths and methods.
  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).header("server", "uvicorn").send({ detail: "Not Found" }),
  );

  app.post("/v1/chat/completions", generationHandler(server, "chat"));
  app.post("/v1/completions", generationHandler(server, "completion"));
  registerModelRoutes(app, server);
  registerAdminRoutes(app, server);
  return app;
}
