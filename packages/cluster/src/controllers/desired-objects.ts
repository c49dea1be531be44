// How a controller writes the objects it manages (KServe's children, the mesh's shadow Services,
// Kuadrant's EnvoyFilters and AuthConfigs): create what is missing, and bring what drifted back to
// the desired state without erasing what others added.
import { isDeepStrictEqual } from "node:util";
import type { KubeObject } from "@testbed/apimachinery";
import { kindKey } from "@testbed/apimachinery";
import type { ObjectStore } from "../store/object-store.js";

/** Fields other controllers fill in on a Service (IP allocation); a desired spec that omits them keeps them. */
const ALLOCATED_SERVICE_FIELDS = ["clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy", "internalTrafficPolicy"];

/** What applyDesired did: a status updater reports an object created or changed in this pass as not yet in sync. */
export type DesiredOutcome = "created" | "updated" | "unchanged";

/** Create `desired`, or update the existing object when laying `desired` over it changes it. */
export function applyDesired(store: ObjectStore, desired: KubeObject): DesiredOutcome {
  const current = store.peek(kindKey(store.kindOf(desired)), desired.metadata.namespace, desired.metadata.name);
  if (!current) {
    store.create(desired);
    return "created";
  }
  const next = layDesired(current, desired);
  if (isDeepStrictEqual(next, current)) return "unchanged";
  store.update(next);
  return "updated";
}

/**
 * The existing object with the desired state laid over it: the desired top-level fields (spec,
 * data …) replace the existing ones; labels and annotations merge (others' stay); the desired owner
 * references come first, others' are kept; status and a Service's allocated IP fields stay.
 */
export function layDesired(existing: KubeObject, desired: KubeObject): KubeObject {
  const next = structuredClone(existing);
  if (desired.metadata.labels) next.metadata.labels = { ...existing.metadata.labels, ...desired.metadata.labels };
  if (desired.metadata.annotations) {
    next.metadata.annotations = { ...existing.metadata.annotations, ...desired.metadata.annotations };
  }
  const owners = desired.metadata.ownerReferences;
  if (owners) {
    const uids = new Set(owners.map((ref) => ref.uid));
    const others = (existing.metadata.ownerReferences ?? []).filter((ref) => !uids.has(ref.uid));
    next.metadata.ownerReferences = [...owners, ...others];
  }
  for (const [field, value] of Object.entries(desired)) {
    if (field === "apiVersion" || field === "kind" || field === "metadata" || field === "status") continue;
    next[field] = structuredClone(value);
  }
  if (existing.kind === "Service" && existing.spec && next.spec) {
    for (const field of ALLOCATED_SERVICE_FIELDS) {
      if (next.spec[field] === undefined && existing.spec[field] !== undefined) next.spec[field] = existing.spec[field];
    }
  }
  return next;
}
