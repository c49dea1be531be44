// Prometheus scrape targets KServe keeps once per namespace: the ServiceMonitor for every EPP
// Service's `metrics` port and the PodMonitor for every vLLM pod's metrics (HTTPS, port name https).
import type { KubeObject } from "@testbed/apimachinery";
import { ENGINE_MONITOR_NAME, SCHEDULER_MONITOR_NAME } from "./names.js";

const PART_OF = { "app.kubernetes.io/part-of": "llminferenceservice" };

export function schedulerServiceMonitor(namespace: string): KubeObject {
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "ServiceMonitor",
    metadata: { name: SCHEDULER_MONITOR_NAME, namespace, labels: { ...PART_OF } },
    spec: {
      endpoints: [{ port: "metrics", interval: "30s", scheme: "http" }],
      selector: { matchLabels: { "app.kubernetes.io/component": "llminferenceservice-router-scheduler", ...PART_OF } },
    },
  };
}

export function enginePodMonitor(namespace: string): KubeObject {
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PodMonitor",
    metadata: { name: ENGINE_MONITOR_NAME, namespace, labels: { ...PART_OF } },
    spec: {
      podMetricsEndpoints: [
        { port: "https", path: "/metrics", interval: "30s", scheme: "https", tlsConfig: { insecureSkipVerify: true } },
      ],
      selector: { matchLabels: { "kserve.io/component": "workload", ...PART_OF } },
    },
  };
}
