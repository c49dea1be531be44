// The /openapi routes of the API server (documents from openapi.ts), answered as JSON: a client
// asking for the protobuf form gets JSON too and reads its Content-Type.
import { ApiError } from "@testbed/apimachinery";
import type { FastifyInstance } from "fastify";
import { openApiV2Document, openApiV3Document, openApiV3Index } from "./openapi.js";

export function registerOpenApi(app: FastifyInstance): void {
  app.get("/openapi/v2", async (_request, reply) => reply.type("application/json").send(openApiV2Document()));
  app.get("/openapi/v3", async (_request, reply) => reply.type("application/json").send(openApiV3Index()));
  app.get("/openapi/v3/*", async (request, reply) => {
    const path = (request.params as { "*": string })["*"].split("/").filter((s) => s !== "");
    const [root, ...rest] = path;
    const [group, version] =
      root === "api" && rest.length === 1 ? ["", rest[0]] : root === "apis" && rest.length === 2 ? rest : [];
    const document = group !== undefined && version !== undefined ? openApiV3Document(group, version) : undefined;
    if (!document) throw new ApiError("NotFound", "the server could not find the requested resource");
    return reply.type("application/json").send(document);
  });
}
