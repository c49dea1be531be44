// Node shapes from a topology: `kind: Node` manifests (what `oc get nodes -o yaml` or a must-gather's
// cluster-scoped-resources/core/nodes/ hold) become the cluster's nodes, with their labels,
// status.capacity and status.allocatable; the scheduler then fits pods into them (node-fit.ts).
// A GPU node's GPU is named by GPU Feature Discovery's label nvidia.com/gpu.product.
import type { KubeObject } from "@testbed/apimachinery";
import type { ObjectStore } from "../store/object-store.js";
import type { Node } from "./pod-network.js";
import { parseQuantity } from "./resource-quantity.js";

/** GPU Feature Discovery's product label (spaces become dashes: "Tesla-T4", "NVIDIA-L4"). */
export const GPU_PRODUCT_LABEL = "nvidia.com/gpu.product";
/** The extended resource the NVIDIA device plugin advertises. */
export const GPU_RESOURCE = "nvidia.com/gpu";

/** nvidia.com/gpu.product values → the vllm-sim GPU profile a pod on that node sees. */
const GPU_PRODUCTS: ReadonlyArray<[RegExp, string]> = [
  [/^Tesla-T4/i, "t4"],
  [/^NVIDIA-L4$/i, "l4"],
  [/^NVIDIA-A10G/i, "a10g"],
  [/^NVIDIA-A100-(SXM4|PCIE)-40GB/i, "a100-40gb"],
  [/^NVIDIA-H100/i, "h100-80gb"],
];

/** Node addresses use the second octet 128 + index (pod-network.ts), so at most 128 nodes. */
const MAX_NODES = 128;

/** The nodes a topology's Node manifests declare; undefined when it declares none (the default nodes). */
export function nodeShapes(manifests: readonly KubeObject[]): Node[] | undefined {
  const declared = manifests.filter(isNodeManifest);
  if (declared.length === 0) return undefined;
  if (declared.length > MAX_NODES)
    throw new Error(`the topology declares ${declared.length} nodes; the testbed runs at most ${MAX_NODES}`);
  return declared.map((object, index) => nodeFromObject(object, index));
}

export function isNodeManifest(object: KubeObject): boolean {
  return object.kind === "Node" && object.apiVersion === "v1";
}

/** Store a Node object per node, as each node's kubelet registers itself. */
export function registerNodes(store: ObjectStore, nodes: readonly Node[]): void {
  for (const node of nodes) {
    store.create(nodeObject(node, store.now()));
  }
}

function nodeFromObject(object: KubeObject, index: number): Node {
  const name = object.metadata.name;
  const labels = { ...((object.metadata.labels ?? {}) as Record<string, string>) };
  const status = (object.status ?? {}) as { capacity?: Record<string, unknown>; allocatable?: Record<string, unknown> };
  const capacity = quantities(status.capacity ?? {}, `node ${name}: status.capacity`);
  const allocatable = { ...capacity, ...quantities(status.allocatable ?? {}, `node ${name}: status.allocatable`) };
  const gpus = parseQuantity(allocatable[GPU_RESOURCE] ?? "0") ?? 0;
  const product = labels[GPU_PRODUCT_LABEL];
  const gpuProfile = gpus > 0 ? gpuProfileOf(name, product) : "";
  return { name, gpus, gpuProfile, octet: 128 + index, labels, capacity, allocatable, enforcesResources: true };
}

function gpuProfileOf(node: string, product: string | undefined): string {
  if (product === undefined) return "t4";
  const known = GPU_PRODUCTS.find(([pattern]) => pattern.test(product));
  if (!known)
    throw new Error(
      `node ${node}: ${GPU_PRODUCT_LABEL}=${product} is not a GPU the testbed simulates ` +
        "(Tesla-T4, NVIDIA-L4, NVIDIA-A10G, NVIDIA-A100-SXM4-40GB, NVIDIA-H100-80GB-HBM3)",
    );
  return known[1];
}

function quantities(raw: Record<string, unknown>, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [resource, value] of Object.entries(raw)) {
    if (parseQuantity(value) === undefined)
      throw new Error(`${where}.${resource}: ${JSON.stringify(value)} is not a quantity`);
    out[resource] = String(value);
  }
  return out;
}

/** The Node object the API server serves for a node (`oc get nodes`, `oc describe node`). */
export function nodeObject(node: Node, now: string): KubeObject {
  const gpuLabels: Record<string, string> =
    node.gpus > 0 && !node.labels?.[GPU_PRODUCT_LABEL] ? { [GPU_PRODUCT_LABEL]: "Tesla-T4" } : {};
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: node.name,
      labels: {
        "kubernetes.io/hostname": node.name,
        "kubernetes.io/os": "linux",
        "node-role.kubernetes.io/worker": "",
        ...gpuLabels,
        ...node.labels,
      },
    },
    spec: {},
    status: {
      capacity: node.capacity ?? {},
      allocatable: node.allocatable ?? node.capacity ?? {},
      conditions: [
        {
          type: "Ready",
          status: "True",
          reason: "KubeletReady",
          message: "kubelet is posting ready status",
          lastHeartbeatTime: now,
          lastTransitionTime: now,
        },
      ],
      addresses: [{ type: "Hostname", address: node.name }],
      nodeInfo: { kubeletVersion: "v1.33.5", operatingSystem: "linux", architecture: "amd64" },
    },
  };
}
