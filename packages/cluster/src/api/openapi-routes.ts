// The /openapi routes of the API server (documents from openapi.ts), answered as JSON: a client
// asking for the protobuf form gets JSON too and reads its Content-Type. The v3 routes answer as
// kube-openapi's handler3 does: an Etag of the document's hash; a `?hash=` that is not the current
// one is a 301 to the current URL, the current one marks the answer immutable.
import { ApiError } from "@testbed/apimachinery";
import type { FastifyInstance } from "fastify";
import { openApiV2Document, openApiV3Index, openApiV3Served, v3Url } from "./openapi.js";

export function registerOpenApi(app: FastifyInstance): void {
  app.get("/openapi/v2", async (_request, reply) => reply.type("application/json").send(openApiV2Document()));
  app.get("/openapi/v3", async (_request, reply) => {
    const index = openApiV3Index();
    return reply.type("application/json").header("etag", `"${index.etag}"`).send(index.json);
  });
  app.get("/openapi/v3/*", async (request, reply) => {
    const path = (request.params as { "*": string })["*"].split("/").filter((s) => s !== "");
    const [root, ...rest] = path;
    const [group, version] =
      root === "api" && rest.length === 1 ? ["", rest[0]] : root === "apis" && rest.length === 2 ? rest : [];
    const document = group !== undefined && version !== undefined ? openApiV3Served(group, version) : undefined;
    if (!document) throw new ApiError("NotFound", "the server could not find the requested resource");
    reply.header("vary", "Accept").header("etag", `"${document.etag}"`);
    const hash = (request.query as { hash?: unknown }).hash;
    if (typeof hash === "string" && hash !== "") {
      if (hash !== document.etag) return reply.redirect(v3Url(path.join("/"), document.etag), 301);
      reply.header("cache-control", "public, immutable");
    }
    return reply.type("application/json").send(document.json);
  });
}
