// Endpoints as the EndpointSlice controller would compute them: the Ready pods a selector picks in
// one namespace (terminating pods excluded), each on the port the Service's targetPort names.
import { isPodReady, type KubeObject } from "@testbed/apimachinery";
import type { MeshSnapshot } from "./mesh-snapshot.js";

/** One Ready pod behind a Service, on the port its targetPort names. */
export interface Endpoint {
  address: string;
  port: number;
  podName: string;
}

/** A pod an endpoint may point at: Ready, with an IP, and not being deleted. */
export function isServingPod(pod: KubeObject): boolean {
  return !pod.metadata.deletionTimestamp && Boolean(pod.status?.podIP) && isPodReady(pod);
}

/** Ready pods whose labels carry every selector entry; an empty selector selects nothing (as for Services). */
export function readyPods(
  snapshot: MeshSnapshot,
  namespace: string | undefined,
  selector: Record<string, string>,
): KubeObject[] {
  const wanted = Object.entries(selector);
  if (wanted.length === 0) return [];
  return snapshot.pods
    .filter((pod) => pod.metadata.namespace === namespace && isServingPod(pod))
    .filter((pod) => wanted.every(([key, value]) => pod.metadata.labels?.[key] === value))
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

/** A targetPort (number, numeric string or container port name) on one pod; undefined when the name is unknown. */
export function resolveTargetPort(targetPort: unknown, servicePort: number, pod: KubeObject): number | undefined {
  if (targetPort === undefined || targetPort === null || targetPort === "") return servicePort;
  if (typeof targetPort === "number") return targetPort;
  const text = String(targetPort);
  if (/^\d+$/.test(text)) return Number(text);
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])] as Array<{
    ports?: Array<{ name?: string; containerPort?: number }>;
  }>;
  for (const container of containers) {
    const port = container.ports?.find((p) => p.name === text);
    if (port?.containerPort !== undefined) return port.containerPort;
  }
  return undefined;
}

/** The endpoints of one Service port. */
export function serviceEndpoints(
  snapshot: MeshSnapshot,
  service: KubeObject,
  port: { port: number; targetPort?: unknown },
): Endpoint[] {
  const selector = (service.spec?.selector ?? {}) as Record<string, string>;
  const out: Endpoint[] = [];
  for (const pod of readyPods(snapshot, service.metadata.namespace, selector)) {
    const target = resolveTargetPort(port.targetPort, port.port, pod);
    if (target !== undefined) out.push({ address: String(pod.status.podIP), port: target, podName: pod.metadata.name });
  }
  return out;
}

/** Envoy's load_assignment for a STATIC cluster. */
export function loadAssignment(clusterName: string, endpoints: Endpoint[]): Record<string, unknown> {
  return {
    cluster_name: clusterName,
    endpoints:
      endpoints.length === 0
        ? []
        : [
            {
              lb_endpoints: endpoints.map((e) => ({
                endpoint: { address: { socket_address: { address: e.address, port_value: e.port } } },
              })),
            },
          ],
  };
}
