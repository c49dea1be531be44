import type { KubeObject } from "@testbed/apimachinery";
import type { Node } from "./pod-network.js";

/**
 * The scheduler's one decision the testbed models: pods that request `nvidia.com/gpu` go to GPU
 * nodes, others to CPU nodes, each to the node of its kind with the fewest pods (ties: first
 * node), so placement is deterministic. GPU capacity is not enforced, so a rolling update never
 * waits for a free GPU (a real cluster with exactly four T4s would need maxSurge 0).
 */
export class NodeScheduler {
  private readonly podsPerNode = new Map<string, number>();

  constructor(readonly nodes: Node[]) {}

  place(pod: KubeObject): Node | undefined {
    const wantsGpu = requestsGpu(pod);
    const candidates = this.nodes.filter((node) => (wantsGpu ? node.gpus > 0 : node.gpus === 0));
    let best: Node | undefined;
    for (const node of candidates) {
      if (!best || (this.podsPerNode.get(node.name) ?? 0) < (this.podsPerNode.get(best.name) ?? 0)) best = node;
    }
    if (best) this.podsPerNode.set(best.name, (this.podsPerNode.get(best.name) ?? 0) + 1);
    return best;
  }

  nodeNamed(name: string): Node | undefined {
    return this.nodes.find((node) => node.name === name);
  }

  release(node: Node): void {
    this.podsPerNode.set(node.name, Math.max(0, (this.podsPerNode.get(node.name) ?? 0) - 1));
  }
}

export function requestsGpu(pod: KubeObject): boolean {
  const containers = (pod.spec?.containers ?? []) as Array<{ resources?: Record<string, Record<string, unknown>> }>;
  return containers.some((c) => {
    const amount = c.resources?.limits?.["nvidia.com/gpu"] ?? c.resources?.requests?.["nvidia.com/gpu"];
    return amount !== undefined && Number(amount) > 0;
  });
}
