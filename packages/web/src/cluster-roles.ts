// Which pod is what, read from the objects themselves as Prometheus and the seed read them: vLLM
// pods carry `llm-d.ai/role` (prefill/decode), the EPP is the pod with a container port named
// `metrics`, a gateway pod carries `gateway.networking.k8s.io/gateway-name`. The EPP's and the
// pool's Envoy clusters are named after the InferencePool's EPP Service and its shadow Service.
import type { KubeObject } from "@testbed/apimachinery";

export const ROLE_LABEL = "llm-d.ai/role";
export const GATEWAY_NAME_LABEL = "gateway.networking.k8s.io/gateway-name";
/** vLLM's (and the decode pods' routing sidecar's) port, HTTPS. */
export const VLLM_PORT = 8000;
/** Envoy's admin port on a gateway pod (Istio's bootstrap). */
export const ENVOY_ADMIN_PORT = 15000;

export type PodKind = "vllm" | "epp" | "gateway";

/** A running pod the page samples. */
export interface PodTarget {
  kind: PodKind;
  namespace: string;
  name: string;
  ip: string;
  /** prefill / decode for vLLM pods, the Gateway's name for gateway pods. */
  role: string;
  /** Where its numbers are: /metrics (vLLM, EPP) or the admin API (gateway). */
  url: string;
}

/** Every pod with an address, classified; others (Kuadrant, pending pods) are left out. */
export function podTargets(pods: readonly KubeObject[]): PodTarget[] {
  const targets: PodTarget[] = [];
  for (const pod of pods) {
    const ip = pod.status?.podIP as string | undefined;
    if (!ip || pod.metadata.deletionTimestamp) continue;
    const namespace = pod.metadata.namespace ?? "default";
    const labels = pod.metadata.labels ?? {};
    const base = { namespace, name: pod.metadata.name, ip };
    const role = labels[ROLE_LABEL];
    const gateway = labels[GATEWAY_NAME_LABEL];
    const metricsPort = namedPort(pod, "metrics");
    if (role) targets.push({ ...base, kind: "vllm", role, url: `https://${ip}:${VLLM_PORT}/metrics` });
    else if (gateway)
      targets.push({ ...base, kind: "gateway", role: gateway, url: `http://${ip}:${ENVOY_ADMIN_PORT}/clusters` });
    else if (metricsPort !== undefined)
      targets.push({ ...base, kind: "epp", role: "epp", url: `http://${ip}:${metricsPort}/metrics` });
  }
  return targets;
}

function namedPort(pod: KubeObject, name: string): number | undefined {
  const containers = (pod.spec?.containers ?? []) as { ports?: { name?: string; containerPort: number }[] }[];
  for (const container of containers) {
    const port = container.ports?.find((p) => p.name === name);
    if (port) return port.containerPort;
  }
  return undefined;
}

/** The Envoy cluster names an InferencePool gives rise to: its EPP's gRPC port and its shadow Service. */
export interface PoolClusters {
  pool: string;
  namespace: string;
  /** Substring of the EPP cluster's name: `|<port>||<service>.<namespace>.svc`. */
  eppCluster: string;
  /** Substring of the pool cluster's name: `<pool>-ip-` (Istio's shadow Service). */
  poolCluster: string;
}

export function poolClusters(pools: readonly KubeObject[]): PoolClusters[] {
  return pools.map((pool) => {
    const namespace = pool.metadata.namespace ?? "default";
    // v1 names the EPP in endpointPickerRef (port.number), v1alpha2 in extensionRef (portNumber).
    const v1 = pool.spec?.endpointPickerRef as { name?: string; port?: { number?: number } } | undefined;
    const alpha = pool.spec?.extensionRef as { name?: string; portNumber?: number } | undefined;
    const service = v1?.name ?? alpha?.name ?? "";
    const port = v1?.port?.number ?? alpha?.portNumber ?? 9002;
    return {
      pool: pool.metadata.name,
      namespace,
      eppCluster: `|${port}||${service}.${namespace}.svc`,
      poolCluster: `${pool.metadata.name}-ip-`,
    };
  });
}
