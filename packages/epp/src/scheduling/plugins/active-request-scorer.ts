import type { Endpoint } from "../../datastore/endpoint.js";
import type { Scorer } from "../framework.js";
import type { PluginDefinition } from "./plugin-definition.js";

/**
 * active-request-scorer (llm-d): fewer requests in flight on a pod scores higher. The real plugin
 * counts the requests the EPP itself dispatched; the testbed reads the pod's
 * vllm:num_requests_running instead, min-max normalised like queue-scorer (all equal → 1).
 */
export const activeRequestScorer: PluginDefinition = {
  type: "active-request-scorer",
  create(name, parameters): Scorer {
    parameters.accept("requestTimeout");
    parameters.done();
    return {
      type: "active-request-scorer",
      name,
      score(_cycle, _request, endpoints) {
        const running = endpoints.filter((e) => e.metricsFresh).map((e) => e.metrics.runningRequests);
        const min = Math.min(...running);
        const max = Math.max(...running);
        const scores = new Map<Endpoint, number>();
        for (const endpoint of endpoints) {
          if (!endpoint.metricsFresh) scores.set(endpoint, 0);
          else if (max === min) scores.set(endpoint, 1);
          else scores.set(endpoint, (max - endpoint.metrics.runningRequests) / (max - min));
        }
        return scores;
      },
    };
  },
};
