/** What the EPP last scraped from a pod's /metrics. */
export interface EndpointMetrics {
  /** vllm:num_requests_waiting */
  waitingQueueSize: number;
  /** vllm:num_requests_running */
  runningRequests: number;
  /** vllm:kv_cache_usage_perc, 0..1 */
  kvCacheUsage: number;
  /** From vllm:cache_config_info, when exposed. */
  blockSize?: number;
  numGpuBlocks?: number;
  /** Clock time (ms) of the last successful scrape; undefined before the first. */
  updatedAt?: number;
}

/**
 * One model-server pod in the InferencePool, as the EPP sees it: where it is, its labels (for
 * filters such as prefill-filter), and the metrics last scraped from its /metrics.
 */
export interface Endpoint {
  /** namespace/name of the pod, e.g. my-first-model/qwen3-0-6b-kserve-decode-0. */
  namespacedName: string;
  address: string;
  port: number;
  labels: Record<string, string>;
  ready: boolean;
  metrics: EndpointMetrics;
  /** False when the last scrape is older than the staleness threshold (metrics unknown). */
  metricsFresh: boolean;
}

/** Each endpoint's "ip:port", made once: the scorers look endpoints up by it on every request. */
const hostPorts = new WeakMap<Pick<Endpoint, "address" | "port">, string>();

/**
 * "ip:port" of an endpoint. An endpoint object's address and port never change (the datastore
 * replaces an endpoint whose address moved), so the string is kept with the object.
 */
export function hostPort(endpoint: Pick<Endpoint, "address" | "port">): string {
  let text = hostPorts.get(endpoint);
  if (text === undefined) {
    text = `${endpoint.address}:${endpoint.port}`;
    hostPorts.set(endpoint, text);
  }
  return text;
}

export function emptyMetrics(): EndpointMetrics {
  return { waitingQueueSize: 0, runningRequests: 0, kvCacheUsage: 0 };
}
