import type { KubeObject } from "@testbed/apimachinery";
import { add, fitErrorMessage, insufficientResources, podRequests, type ResourceAmounts } from "./node-fit.js";
import type { Node } from "./pod-network.js";

/** Where the scheduler put a pod, or why it could not (the FailedScheduling message). */
export type Placement = { node: Node } | { unschedulable: string };

/**
 * The scheduler's decisions the testbed models: pods that request `nvidia.com/gpu` go to GPU
 * nodes, others to CPU nodes, each to the node of its kind with the fewest pods (ties: first
 * node), so placement is deterministic. On nodes with declared shapes (node-shapes.ts) a pod must
 * also fit into allocatable (node-fit.ts), otherwise it stays Pending with kube-scheduler's
 * message. The default nodes do not enforce capacity, so a rolling update never waits for a free
 * GPU (a real cluster with exactly four T4s would need maxSurge 0).
 */
export class NodeScheduler {
  /** Per node: the requests of the pods bound to it, by pod key. */
  private readonly bound = new Map<string, Map<string, ResourceAmounts>>();

  constructor(readonly nodes: Node[]) {}

  place(pod: KubeObject): Placement {
    const request = podRequests(pod);
    const reasonsByNode: string[][] = [];
    const fitting = this.nodes.filter((node) => {
      if (!node.enforcesResources) return true;
      const reasons = insufficientResources(request, node.allocatable ?? {}, this.used(node), this.podsOn(node));
      reasonsByNode.push(reasons);
      return reasons.length === 0;
    });
    const wantsGpu = requestsGpu(pod);
    const ofKind = fitting.filter((node) => (wantsGpu ? node.gpus > 0 : node.gpus === 0));
    const candidates = ofKind.length > 0 || !fitting.some((node) => node.enforcesResources) ? ofKind : fitting;
    let best: Node | undefined;
    for (const node of candidates) if (!best || this.podsOn(node) < this.podsOn(best)) best = node;
    if (!best) return { unschedulable: fitErrorMessage(reasonsByNode, this.nodes.length) };
    this.podsBound(best).set(podKey(pod), request);
    return { node: best };
  }

  nodeNamed(name: string): Node | undefined {
    return this.nodes.find((node) => node.name === name);
  }

  release(node: Node, key: string): void {
    this.podsBound(node).delete(key);
  }

  private podsOn(node: Node): number {
    return this.podsBound(node).size;
  }

  private used(node: Node): ResourceAmounts {
    const total: ResourceAmounts = {};
    for (const request of this.podsBound(node).values()) add(total, request);
    return total;
  }

  private podsBound(node: Node): Map<string, ResourceAmounts> {
    let pods = this.bound.get(node.name);
    if (!pods) {
      pods = new Map();
      this.bound.set(node.name, pods);
    }
    return pods;
  }
}

/** namespace/name, the kubelet's key for a pod. */
export function podKey(pod: KubeObject): string {
  return `${pod.metadata.namespace}/${pod.metadata.name}`;
}

export function requestsGpu(pod: KubeObject): boolean {
  const containers = (pod.spec?.containers ?? []) as Array<{ resources?: Record<string, Record<string, unknown>> }>;
  return containers.some((c) => {
    const amount = c.resources?.limits?.["nvidia.com/gpu"] ?? c.resources?.requests?.["nvidia.com/gpu"];
    return amount !== undefined && Number(amount) > 0;
  });
}
