import type { ClusterReport, LoadSummary, Percentiles, PodCounters } from "./types.js";

/**
 * The human report: requests by status, throughput, latency percentiles (wall-clock as the client
 * saw them, and simulated from vLLM's histograms when the cluster was measured), the per-pod
 * distribution grouped by llm-d.ai/role, and the prefix-cache hit rate.
 */
export function formatReport(summary: LoadSummary, cluster: ClusterReport | undefined): string {
  return [
    ...requestLines(summary),
    "",
    ...latencyLines(summary, cluster),
    ...(cluster ? ["", ...distributionLines(cluster.pods), "", cacheLine(cluster)] : []),
  ].join("\n");
}

function requestLines(summary: LoadSummary): string[] {
  const statuses = Object.entries(summary.byStatus)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([status, count]) => `${status === "0" ? "failed" : status}: ${count}`);
  const lines = [
    `Requests:    ${summary.total} (${statuses.join(", ")})`,
    `Duration:    ${(summary.durationMs / 1000).toFixed(2)} s`,
    `Throughput:  ${summary.requestsPerSecond.toFixed(2)} req/s, ${summary.outputTokensPerSecond.toFixed(1)} output tok/s`,
    `Through EPP: ${percent(summary.throughEppShare)} of responses (x-went-into-resp-headers: true)`,
  ];
  for (const [status, message] of Object.entries(summary.errors ?? {})) {
    lines.push(`Error ${status === "0" ? "(no response)" : status}: ${message}`);
  }
  return lines;
}

function latencyLines(summary: LoadSummary, cluster: ClusterReport | undefined): string[] {
  const rows: Array<[string, Percentiles | undefined]> = [
    ["E2E   wall", summary.wall.e2e],
    ["E2E   simulated", cluster?.simulated?.e2e],
    ["TTFT  wall", summary.wall.ttft],
    ["TTFT  simulated", cluster?.simulated?.ttft],
    ["ITL   wall", summary.wall.itl],
    ["ITL   simulated", cluster?.simulated?.itl],
  ];
  const header = `${"Latency (ms)".padEnd(18)}${["p50", "p90", "p99", "mean"].map((h) => h.padStart(10)).join("")}`;
  const lines = [header];
  for (const [label, values] of rows) {
    if (!values) continue;
    const cells = [values.p50, values.p90, values.p99, values.mean].map((v) => v.toFixed(2).padStart(10));
    lines.push(`${label.padEnd(18)}${cells.join("")}`);
  }
  if (cluster?.simulated) {
    lines.push(
      "(simulated: the vLLM pods' own histograms over the run, interpolated inside buckets as histogram_quantile)",
    );
  }
  if (!summary.wall.ttft) lines.push("(wall TTFT and ITL are measured on streamed requests: --stream)");
  return lines;
}

/** Per role, then per pod within it: requests and their share of the role (the seed's "60/40"). */
function distributionLines(pods: readonly PodCounters[]): string[] {
  const total = pods.reduce((sum, pod) => sum + pod.requests, 0);
  const lines = [
    `${"Pods by llm-d.ai/role".padEnd(50)}${"requests".padStart(9)}${"share".padStart(8)}${"cache hits".padStart(12)}`,
  ];
  const roles = [...new Set(pods.map((pod) => pod.role))].sort(roleOrder);
  for (const role of roles) {
    const members = pods.filter((pod) => pod.role === role);
    const roleTotal = members.reduce((sum, pod) => sum + pod.requests, 0);
    lines.push(
      `${(role || "(no role)").padEnd(50)}${String(roleTotal).padStart(9)}${share(roleTotal, total).padStart(8)}`,
    );
    for (const pod of members) {
      const hits = pod.prefixQueries > 0 ? percent(pod.prefixHits / pod.prefixQueries) : "-";
      lines.push(
        `  ${pod.pod.padEnd(48)}${String(pod.requests).padStart(9)}${share(pod.requests, roleTotal).padStart(8)}${hits.padStart(12)}`,
      );
    }
  }
  const split = roles
    .map((role) => {
      const members = pods.filter((pod) => pod.role === role);
      const roleTotal = members.reduce((sum, pod) => sum + pod.requests, 0);
      return `${role || "(no role)"} ${members.map((pod) => share(pod.requests, roleTotal).replace("%", "")).join("/")}`;
    })
    .join(", ");
  if (pods.length > 0) lines.push(`Distribution: ${split}`);
  return lines;
}

function cacheLine(cluster: ClusterReport): string {
  if (cluster.cacheHitRate === undefined)
    return "Prefix-cache hit rate: - (no prefix-cache queries; is --enable-prefix-caching on?)";
  const hits = cluster.pods.reduce((sum, pod) => sum + pod.prefixHits, 0);
  const queries = cluster.pods.reduce((sum, pod) => sum + pod.prefixQueries, 0);
  return `Prefix-cache hit rate: ${percent(cluster.cacheHitRate)} (${hits} of ${queries} prompt tokens)`;
}

// Decode first: it is the pod that answers; prefill pods only prefill for it.
function roleOrder(a: string, b: string): number {
  const rank = (role: string) => (role === "decode" ? 0 : role === "prefill" ? 1 : 2);
  return rank(a) - rank(b) || a.localeCompare(b);
}

function share(part: number, whole: number): string {
  return whole > 0 ? `${Math.round((part / whole) * 100)}%` : "-";
}

function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}
