import { isDeepStrictEqual } from "node:util";
import { kindKey } from "../../store/kinds.js";
import type { KubeObject } from "../../store/kube-object.js";
import type { ObjectStore } from "../../store/object-store.js";

/**
 * Create an object the mesh owns, or bring the fields it owns (labels, owner references, spec) back
 * to what it wants; anything else on the object (status, others' annotations, a Service's allocated
 * IP fields) is left alone.
 */
const ALLOCATED_SERVICE_FIELDS = ["clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy", "internalTrafficPolicy"];

export function ensureObject(store: ObjectStore, desired: KubeObject): void {
  const key = kindKey(store.kindOf(desired));
  const current = store.get(key, desired.metadata.namespace, desired.metadata.name);
  if (!current) {
    store.create(desired);
    return;
  }
  const spec = withAllocatedFields(current, desired);
  const labels = { ...(current.metadata.labels ?? {}), ...(desired.metadata.labels ?? {}) };
  const owners = desired.metadata.ownerReferences ?? current.metadata.ownerReferences;
  if (
    isDeepStrictEqual(current.spec, spec) &&
    isDeepStrictEqual(current.metadata.labels ?? {}, labels) &&
    isDeepStrictEqual(current.metadata.ownerReferences, owners)
  ) {
    return;
  }
  const { resourceVersion: _unconditional, ...metadata } = current.metadata;
  store.update({ ...current, metadata: { ...metadata, labels, ownerReferences: owners }, spec });
}

function withAllocatedFields(current: KubeObject, desired: KubeObject): unknown {
  if (current.kind !== "Service") return desired.spec;
  const spec = { ...(desired.spec ?? {}) };
  for (const field of ALLOCATED_SERVICE_FIELDS) {
    if (spec[field] === undefined && current.spec?.[field] !== undefined) spec[field] = current.spec[field];
  }
  return spec;
}
