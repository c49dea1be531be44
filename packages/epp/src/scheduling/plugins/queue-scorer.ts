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
        const known = endpoints.filter((e) => e.metricsFresh);
        const queues = known.map((e) => e.metrics.waitingQueueSize);
        const min = Math.min(...queues);
        const max = Math.max(...queues);
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
