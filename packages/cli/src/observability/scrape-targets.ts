// Which pods Prometheus scrapes, and with which labels: every vLLM pod (they carry `llm-d.ai/role`)
// on its port 8000 over TLS — on decode pods that is the routing sidecar, which proxies /metrics to
// vLLM on 8001 — and every EPP (the scheduler pod, the container port named `metrics`) over plain HTTP.
import { POD_METRICS_PORT, ROLE_LABEL } from "@testbed/load";
export type ScrapeJob = "vllm" | "epp";

export interface ScrapeTarget {
  job: ScrapeJob;
  /** host:port as Prometheus dials it. */
  address: string;
  /** Target labels: Prometheus attaches them to every series it scrapes from this address. */
  labels: { namespace: string; pod: string; role: string };
}

/** The parts of a Pod (as GET /api/v1/pods returns it) that decide scraping. */
export interface PodView {
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec?: { containers?: { name: string; ports?: { name?: string; containerPort: number }[] }[] };
  status?: { podIP?: string };
}

export const EPP_METRICS_PORT = 9090;

/** Scrape targets for the pods, sorted by job then pod name so the rendered file is stable. */
export function scrapeTargets(pods: PodView[]): ScrapeTarget[] {
  const targets: ScrapeTarget[] = [];
  for (const pod of pods) {
    const ip = pod.status?.podIP;
    // A terminating pod is on its way out; an unscheduled one has no address yet.
    if (!ip || pod.metadata.deletionTimestamp) continue;
    const namespace = pod.metadata.namespace ?? "default";
    const role = pod.metadata.labels?.[ROLE_LABEL];
    if (role) {
      targets.push({
        job: "vllm",
        address: `${ip}:${POD_METRICS_PORT}`,
        labels: { namespace, pod: pod.metadata.name, role },
      });
      continue;
    }
    const metricsPort = eppMetricsPort(pod);
    if (metricsPort !== undefined) {
      targets.push({
        job: "epp",
        address: `${ip}:${metricsPort}`,
        labels: { namespace, pod: pod.metadata.name, role: "epp" },
      });
    }
  }
  return targets.sort((a, b) => a.job.localeCompare(b.job) || a.labels.pod.localeCompare(b.labels.pod));
}

/** The EPP's metrics port, when the pod is an EPP: a container port named `metrics` (9090 as KServe ships it). */
function eppMetricsPort(pod: PodView): number | undefined {
  for (const container of pod.spec?.containers ?? []) {
    const port = container.ports?.find((p) => p.name === "metrics");
    if (port) return port.containerPort;
  }
  return undefined;
}
