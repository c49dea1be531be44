// kube-scheduler's NodeResourcesFit filter and its FitError, for nodes with declared shapes. A pod's
// request is the sum of its containers' requests (a limit stands in for a missing request, as the API
// server defaults it) or its largest init container's, whichever is larger (pkg/api/v1/resource
// PodRequests). A node fits when every requested resource fits in allocatable minus what its pods
// already request (pkg/scheduler/framework/plugins/noderesources/fit.go: "Too many pods",
// "Insufficient cpu", "Insufficient memory", "Insufficient <extended resource>").
import type { KubeObject } from "@testbed/apimachinery";
import { parseQuantity } from "./resource-quantity.js";

/** Requested amounts by resource name, in base units. */
export type ResourceAmounts = Record<string, number>;

interface ContainerResources {
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
}

/** The pod's effective request per resource. */
export function podRequests(pod: KubeObject): ResourceAmounts {
  const containers = (pod.spec?.containers ?? []) as ContainerResources[];
  const init = (pod.spec?.initContainers ?? []) as ContainerResources[];
  const total: ResourceAmounts = {};
  for (const container of containers) add(total, containerRequests(container));
  for (const container of init) {
    for (const [resource, amount] of Object.entries(containerRequests(container)))
      total[resource] = Math.max(total[resource] ?? 0, amount);
  }
  return total;
}

function containerRequests(container: ContainerResources): ResourceAmounts {
  const merged = { ...(container.resources?.limits ?? {}), ...(container.resources?.requests ?? {}) };
  const out: ResourceAmounts = {};
  for (const [resource, value] of Object.entries(merged)) {
    const amount = parseQuantity(value);
    if (amount !== undefined && amount > 0) out[resource] = amount;
  }
  return out;
}

export function add(into: ResourceAmounts, amounts: ResourceAmounts): void {
  for (const [resource, amount] of Object.entries(amounts)) into[resource] = (into[resource] ?? 0) + amount;
}

/** Why the pod does not fit on a node, in fit.go's words and order; empty when it fits. */
export function insufficientResources(
  request: ResourceAmounts,
  allocatable: Record<string, string>,
  used: ResourceAmounts,
  podCount: number,
): string[] {
  const reasons: string[] = [];
  const free = (resource: string) => (parseQuantity(allocatable[resource] ?? "0") ?? 0) - (used[resource] ?? 0);
  if (allocatable.pods !== undefined && podCount + 1 > (parseQuantity(allocatable.pods) ?? 0))
    reasons.push("Too many pods");
  const ordered = [
    "cpu",
    "memory",
    "ephemeral-storage",
    ...Object.keys(request)
      .filter((r) => !["cpu", "memory", "ephemeral-storage"].includes(r))
      .sort(),
  ];
  for (const resource of ordered) {
    const wanted = request[resource];
    if (wanted !== undefined && wanted > free(resource) + 1e-9) reasons.push(`Insufficient ${resource}`);
  }
  return reasons;
}

/**
 * The FailedScheduling message (framework/types.go FitError.Error): "0/N nodes are available: " and
 * the reasons' histogram sorted as strings, then default preemption's PostFilter message. Every pod
 * here has the same priority, so preemption finds no victims on any node.
 */
export function fitErrorMessage(reasonsByNode: readonly string[][], nodeCount: number): string {
  const histogram = new Map<string, number>();
  for (const reasons of reasonsByNode)
    for (const reason of reasons) histogram.set(reason, (histogram.get(reason) ?? 0) + 1);
  const reasons = [...histogram].map(([reason, count]) => `${count} ${reason}`).sort();
  const preemption = `preemption: 0/${nodeCount} nodes are available: ${nodeCount} No preemption victims found for incoming pod.`;
  return `0/${nodeCount} nodes are available: ${reasons.join(", ")}. ${preemption}`;
}
