import type { Endpoint } from "../../datastore/endpoint.js";
import type { Scorer } from "../framework.js";
import type { PluginDefinition } from "./plugin-definition.js";

/** kv-cache-utilization-scorer: 1 − KV cache usage, so emptier caches win. Unknown metrics score 0. */
export const kvCacheUtilizationScorer: PluginDefinition = {
  type: "kv-cache-utilization-scorer",
  create(name, parameters): Scorer {
    parameters.done();
    return {
      type: "kv-cache-utilization-scorer",
      name,
      score(_cycle, _request, endpoints) {
        const scores = new Map<Endpoint, number>();
        for (const endpoint of endpoints) {
          scores.set(endpoint, endpoint.metricsFresh ? Math.max(0, 1 - endpoint.metrics.kvCacheUsage) : 0);
        }
        return scores;
      },
    };
  },
};
