// weighted_clusters as Envoy's router picks one (config_impl.cc WeightedClusterEntry selection): a
// random value modulo the sum of the weights, walked through the clusters in order, each owning
// the range its weight covers. A cluster of weight 0 is never chosen.
import type { RouteAction } from "../config/envoy-types.js";

/** The cluster of a route action: its `cluster`, or the weighted pick for `random` in [0, 1). */
export function routeCluster(action: RouteAction | undefined, random: number): string {
  if (action?.cluster) return action.cluster;
  const clusters = action?.weighted_clusters?.clusters ?? [];
  const total = clusters.reduce((sum, cluster) => sum + Math.max(0, Number(cluster.weight) || 0), 0);
  if (total <= 0) return clusters[0]?.name ?? "";
  let point = Math.floor(random * total);
  for (const cluster of clusters) {
    const weight = Math.max(0, Number(cluster.weight) || 0);
    if (point < weight) return cluster.name;
    point -= weight;
  }
  return clusters[clusters.length - 1]?.name ?? "";
}
