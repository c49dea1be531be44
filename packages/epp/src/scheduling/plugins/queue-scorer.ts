import type { Endpoint } from "../../datastore/endpoint.js";
import type { Scorer } from "../framework.js";
import type { PluginDefinition } from "./plugin-definition.js";

/**
 * queue-scorer: min-max normalised waiting queue. The shortest queue scores 1, the longest 0; when
 * all queues are equal every endpoint scores 1. An endpoint with unknown (stale) metrics scores 0.
 */
export const queueScorer: PluginDefinition = {
  type: "queue-scorer",
  create(name, parameters): Scorer {
    parameters.done();
    return {
      type: "queue-scorer",
      name,
      score(_cycle, _request, endpoints) {
        // Min and max over the endpoints with fresh metrics, in one pass (this runs for every request).
        let min = Number.POSITIVE_INFINITY;
        let max = Number.NEGATIVE_INFINITY;
        for (const endpoint of endpoints) {
          if (!endpoint.metricsFresh) continue;
          min = Math.min(min, endpoint.metrics.waitingQueueSize);
          max = Math.max(max, endpoint.metrics.waitingQueueSize);
        }
        const scores = new Map<Endpoint, number>();
        for (const endpoint of endpoints) {
          if (!endpoint.metricsFresh) scores.set(endpoint, 0);
          else if (max === min) scores.set(endpoint, 1);
          else scores.set(endpoint, (max - endpoint.metrics.waitingQueueSize) / (max - min));
        }
        return scores;
      },
    };
  },
};
