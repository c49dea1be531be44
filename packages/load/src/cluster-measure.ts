import { request } from "undici";
import { bearerHeaders, readApiJson } from "./api-json.js";
import { histogramDelta, histogramPercentiles, histogramSum } from "./histograms.js";
import { insecureAgent } from "./insecure-agent.js";
import { fetchPodMetrics, LATENCY_METRICS } from "./pod-metrics.js";
import type { ClusterReport, ClusterSnapshot, HistogramData, PodCounters, PodTarget } from "./types.js";

export const DEFAULT_NAMESPACE = "my-first-model";
export const DEFAULT_SELECTOR = "llm-d.ai/role";
export const ROLE_LABEL = "llm-d.ai/role";
/** Every vLLM pod answers /metrics on 8000: vLLM itself on prefill pods, the routing sidecar's proxy on decode pods. */
export const POD_METRICS_PORT = 8000;

interface PodList {
  items?: Array<{
    metadata?: { name?: string; labels?: Record<string, string>; deletionTimestamp?: string };
    status?: { phase?: string; podIP?: string };
  }>;
}

/** The vLLM pods to read, from the API server: running pods matching the selector, in name order. */
export async function listPodTargets(
  apiUrl: string,
  namespace: string,
  selector: string,
  token?: string,
): Promise<PodTarget[]> {
  const url = `${apiUrl.replace(/\/$/, "")}/api/v1/namespaces/${encodeURIComponent(namespace)}/pods?labelSelector=${encodeURIComponent(selector)}`;
  let response: Awaited<ReturnType<typeof request>>;
  try {
    response = await request(url, {
      dispatcher: insecureAgent(),
      headers: bearerHeaders(token),
      signal: AbortSignal.timeout(5_000),
    });
  } catch (error) {
    throw new Error(`cannot reach the testbed API server at ${apiUrl}: ${(error as Error).message}`);
  }
  const body = (await readApiJson(response, apiUrl)) as PodList & { message?: string };
  if (response.statusCode !== 200) {
    throw new Error(`listing pods in ${namespace}: HTTP ${response.statusCode} ${body.message ?? ""}`.trim());
  }
  return (body.items ?? [])
    .filter((pod) => pod.status?.phase === "Running" && pod.status.podIP && !pod.metadata?.deletionTimestamp)
    .map((pod) => ({
      pod: pod.metadata?.name ?? "",
      role: pod.metadata?.labels?.[ROLE_LABEL] ?? "",
      url: `https://${pod.status?.podIP}:${POD_METRICS_PORT}`,
    }))
    .sort((a, b) => a.pod.localeCompare(b.pod));
}

/** Counters and latency histograms of the given pods now; a pod whose /metrics fails is listed as unreachable. */
export async function snapshotTargets(targets: readonly PodTarget[]): Promise<ClusterSnapshot> {
  const results = await Promise.allSettled(targets.map((target) => fetchPodMetrics(target)));
  const snapshot: ClusterSnapshot = { pods: [], histograms: {}, unreachable: {} };
  results.forEach((result, i) => {
    const target = targets[i] as PodTarget;
    if (result.status === "fulfilled") {
      snapshot.pods.push(result.value.counters);
      (snapshot.histograms as NonNullable<ClusterSnapshot["histograms"]>)[target.pod] = result.value.histograms;
    } else {
      (snapshot.unreachable as Record<string, string>)[target.pod] = String(result.reason?.message ?? result.reason);
    }
  });
  return snapshot;
}

/** Counters of every vLLM pod of the namespace (pods found through the testbed's API server). */
export async function snapshotPods(
  apiUrl: string,
  namespace: string,
  selector: string,
  token?: string,
): Promise<ClusterSnapshot> {
  return snapshotTargets(await listPodTargets(apiUrl, namespace, selector, token));
}

/**
 * Per-pod change between two snapshots, for the pods present at the end. A pod that is new, or
 * whose counters went down (it restarted), counts from zero, as Prometheus' increase() does.
 */
export function diffSnapshots(before: ClusterSnapshot, after: ClusterSnapshot): PodCounters[] {
  const earlier = new Map(before.pods.map((pod) => [pod.pod, pod]));
  return after.pods.map((pod) => {
    const start = earlier.get(pod.pod);
    const reset = !start || pod.requests < start.requests || pod.prefixQueries < start.prefixQueries;
    if (reset) return { ...pod };
    return {
      pod: pod.pod,
      role: pod.role,
      requests: pod.requests - start.requests,
      prefixHits: pod.prefixHits - start.prefixHits,
      prefixQueries: pod.prefixQueries - start.prefixQueries,
    };
  });
}

/** What the run did to the pods: per-pod deltas, the prefix-cache hit rate, and vLLM's own latency percentiles. */
export function clusterReport(before: ClusterSnapshot, after: ClusterSnapshot): ClusterReport {
  const pods = diffSnapshots(before, after);
  const hits = pods.reduce((total, pod) => total + pod.prefixHits, 0);
  const queries = pods.reduce((total, pod) => total + pod.prefixQueries, 0);
  const report: ClusterReport = { pods, cacheHitRate: queries > 0 ? hits / queries : undefined };
  const simulated: NonNullable<ClusterReport["simulated"]> = {};
  for (const [key, names] of Object.entries(LATENCY_METRICS) as Array<
    [keyof typeof LATENCY_METRICS, readonly string[]]
  >) {
    const percentiles = simulatedPercentiles(before, after, names);
    if (percentiles) simulated[key] = percentiles;
  }
  if (Object.keys(simulated).length > 0) report.simulated = simulated;
  return report;
}

/** The first of `names` (preferred metric first) that has observations over the run, summed over pods. */
function simulatedPercentiles(before: ClusterSnapshot, after: ClusterSnapshot, names: readonly string[]) {
  for (const name of names) {
    const deltas: HistogramData[] = [];
    for (const [pod, histograms] of Object.entries(after.histograms ?? {})) {
      const end = histograms[name];
      if (end) deltas.push(histogramDelta(before.histograms?.[pod]?.[name], end));
    }
    const total = histogramSum(deltas);
    const percentiles = total && histogramPercentiles(total);
    if (percentiles) return percentiles;
  }
  return undefined;
}

/** Snapshot the namespace's vLLM pods, run the load, snapshot again, and report the difference. */
export async function measureRun(
  apiUrl: string,
  run: () => Promise<unknown>,
  options: { namespace?: string; selector?: string } = {},
): Promise<ClusterReport> {
  const namespace = options.namespace ?? DEFAULT_NAMESPACE;
  const selector = options.selector ?? DEFAULT_SELECTOR;
  const before = await snapshotPods(apiUrl, namespace, selector);
  await run();
  const after = await snapshotPods(apiUrl, namespace, selector);
  return clusterReport(before, after);
}

/** The same measurement on pods given by URL (a vllm-sim started by hand, tests). */
export async function measureTargets(
  targets: readonly PodTarget[],
  run: () => Promise<unknown>,
): Promise<ClusterReport> {
  const before = await snapshotTargets(targets);
  await run();
  return clusterReport(before, await snapshotTargets(targets));
}
