import type { Endpoint } from "../../datastore/endpoint.js";
import type { ResponseHeadersPlugin, Scorer } from "../framework.js";
import type { PluginDefinition } from "./plugin-definition.js";

/** The response header that carries the session token. */
export const SESSION_TOKEN_HEADER = "x-session-token";

/**
 * session-affinity-scorer (llm-d): the response carries `x-session-token`, the base64 of the serving
 * pod's namespaced name; a request presenting it scores that pod 1 and every other pod 0.
 */
export const sessionAffinityScorer: PluginDefinition = {
  type: "session-affinity-scorer",
  create(name, parameters): Scorer & ResponseHeadersPlugin {
    parameters.done();
    return {
      type: "session-affinity-scorer",
      name,
      score(_cycle, request, endpoints) {
        const token = request.headers[SESSION_TOKEN_HEADER];
        const pod = token ? Buffer.from(token, "base64").toString("utf8") : undefined;
        const scores = new Map<Endpoint, number>();
        for (const endpoint of endpoints) scores.set(endpoint, endpoint.namespacedName === pod ? 1 : 0);
        return scores;
      },
      onResponseHeaders(_request, served, headers) {
        if (served) headers[SESSION_TOKEN_HEADER] = Buffer.from(served.namespacedName, "utf8").toString("base64");
      },
    };
  },
};
