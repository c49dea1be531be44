import type { Endpoint } from "../../datastore/endpoint.js";
import type { Scorer } from "../framework.js";
import type { PluginDefinition } from "./plugin-definition.js";

/**
 * load-aware-scorer (llm-d): an empty queue scores 0.5; the score falls linearly to 0 as the waiting
 * queue reaches `threshold` (default 128), and stays 0 beyond it.
 */
export const loadAwareScorer: PluginDefinition = {
  type: "load-aware-scorer",
  create(name, parameters): Scorer {
    const threshold = parameters.number("threshold", 128, { min: 1 });
    parameters.done();
    return {
      type: "load-aware-scorer",
      name,
      score(_cycle, _request, endpoints) {
        const scores = new Map<Endpoint, number>();
        for (const endpoint of endpoints) {
          const queue = endpoint.metricsFresh ? endpoint.metrics.waitingQueueSize : threshold;
          scores.set(endpoint, queue === 0 ? 0.5 : 0.5 * Math.max(0, 1 - queue / threshold));
        }
        return scores;
      },
    };
  },
};
