// What a dumped object loses on import: the fields the API server and the controllers write
// (status, managedFields, uid, resourceVersion, creationTimestamp, generation, …), so the object
// reads as the manifest that was applied. Node objects keep status.capacity and allocatable: they
// are the node's shape (node-shapes.ts), not a controller's report.
import type { KubeObject } from "@testbed/apimachinery";

const SERVER_METADATA = [
  "managedFields",
  "uid",
  "resourceVersion",
  "creationTimestamp",
  "generation",
  "selfLink",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "ownerReferences",
  "finalizers",
] as const;

/** Annotations the cluster writes, not the user. */
const SERVER_ANNOTATIONS = [
  "kubectl.kubernetes.io/last-applied-configuration",
  "deployment.kubernetes.io/revision",
  "openshift.io/sa.scc.mcs",
  "openshift.io/sa.scc.supplemental-groups",
  "openshift.io/sa.scc.uid-range",
];

export function cleanObject(input: KubeObject): KubeObject {
  const object = structuredClone(input) as KubeObject & Record<string, unknown>;
  const metadata = object.metadata as unknown as Record<string, unknown>;
  for (const field of SERVER_METADATA) delete metadata[field];
  const annotations = metadata.annotations as Record<string, string> | undefined;
  if (annotations) {
    for (const annotation of SERVER_ANNOTATIONS) delete annotations[annotation];
    if (Object.keys(annotations).length === 0) delete metadata.annotations;
  }
  if (object.kind === "Node") {
    const status = (object.status ?? {}) as Record<string, unknown>;
    object.status = {
      ...(status.capacity ? { capacity: status.capacity } : {}),
      ...(status.allocatable ? { allocatable: status.allocatable } : {}),
    };
    object.spec = {};
  } else {
    delete object.status;
  }
  if (object.kind === "Service" && object.spec) {
    // Addresses the cluster assigned: the testbed's service network assigns its own.
    const { clusterIP: _ip, clusterIPs: _ips, ...spec } = object.spec as Record<string, unknown>;
    object.spec = spec;
  }
  if (object.kind === "Pod" && object.spec) {
    const { nodeName: _node, ...spec } = object.spec as Record<string, unknown>;
    object.spec = spec;
  }
  return object;
}
