// Where the collector finds each component's /debug/traces, read from the cluster's pods the way
// Prometheus finds its scrape targets: by labels and container ports, at the pod's IP. The same in
// every isolation mode: a pod run as a child process listens on the same IP and ports.

/** The parts of a Pod (as the API server or the store returns it) that locate a trace endpoint. */
export interface TracePodView {
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec?: { containers?: { name: string; ports?: { name?: string; containerPort: number }[] }[] };
  status?: { podIP?: string };
}

/** One component to ask: its debug endpoint's host:port and the pod's name, which names its hops. */
export interface TraceTarget {
  address: string;
  name: string;
}

/** Envoy's admin port in an Istio gateway pod (pilot-agent's bootstrap; the testbed binds it on the pod IP). */
export const GATEWAY_ADMIN_PORT = 15000;
/** vllm-sim's admin port in a model-server pod (the testbed's default --admin-port; no Service targets it). */
export const VLLM_SIM_ADMIN_PORT = 8100;

const GATEWAY_NAME_LABEL = "gateway.networking.k8s.io/gateway-name";
const ROLE_LABEL = "llm-d.ai/role";

/** Every running gateway, EPP and model-server pod's trace endpoint, sorted by pod name. */
export function traceTargets(pods: readonly TracePodView[]): TraceTarget[] {
  const targets: TraceTarget[] = [];
  for (const pod of pods) {
    const ip = pod.status?.podIP;
    if (!ip || pod.metadata.deletionTimestamp) continue;
    const labels = pod.metadata.labels ?? {};
    const name = pod.metadata.name;
    if (labels[GATEWAY_NAME_LABEL] !== undefined) targets.push({ address: `${ip}:${GATEWAY_ADMIN_PORT}`, name });
    else if (labels[ROLE_LABEL] !== undefined) targets.push({ address: `${ip}:${VLLM_SIM_ADMIN_PORT}`, name });
    else {
      const metrics = pod.spec?.containers?.flatMap((c) => c.ports ?? []).find((port) => port.name === "metrics");
      if (metrics) targets.push({ address: `${ip}:${metrics.containerPort}`, name });
    }
  }
  return targets.sort((a, b) => a.name.localeCompare(b.name));
}
