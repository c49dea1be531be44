import { isDeepStrictEqual } from "node:util";
import { ApiError, controllerReference, type KubeObject, kindKey, type OwnerReference } from "@testbed/apimachinery";
import type { ObjectStore } from "../../store/object-store.js";
import { layDesired } from "../desired-objects.js";
import type { DesiredChildren } from "./desired-children.js";

/** Kinds whose objects an LLMInferenceService owns; anything of these kinds it controls but no longer wants is deleted. */
export const OWNED_KINDS = [
  "apps/Deployment",
  "Service",
  "ServiceAccount",
  "inference.networking.x-k8s.io/InferencePool",
  "inference.networking.k8s.io/InferencePool",
  "gateway.networking.k8s.io/HTTPRoute",
  "networking.istio.io/DestinationRule",
] as const;

/**
 * Makes the store hold exactly the desired children: creates the missing ones (including ones
 * someone deleted), rewrites drifted ones, deletes ones the spec no longer calls for (e.g. the
 * prefill Deployment after `spec.prefill` is removed). Returns why some children could not be applied.
 */
export function syncChildren(store: ObjectStore, owner: KubeObject, desired: DesiredChildren): string[] {
  const reference = controllerReference(owner);
  const problems: string[] = [];
  for (const child of desired.owned) {
    try {
      const problem = applyOwned(store, child, reference);
      if (problem) problems.push(problem);
    } catch (error) {
      // A child the API refuses (e.g. a user container without an image) is the spec's fault, not a crash.
      if (!(error instanceof ApiError) || error.reason !== "Invalid") throw error;
      problems.push(error.message);
    }
  }
  for (const child of desired.shared) ensureShared(store, child, reference);
  pruneUnwanted(store, owner, desired.owned);
  return problems;
}

function applyOwned(store: ObjectStore, desired: KubeObject, reference: OwnerReference): string | undefined {
  const key = kindKey(store.kindOf(desired));
  const { namespace, name } = desired.metadata;
  const existing = store.get(key, namespace, name);
  if (!existing) {
    store.create(withOwner(desired, reference));
    return undefined;
  }
  if (existing.metadata.deletionTimestamp) return undefined;
  const controller = existing.metadata.ownerReferences?.find((ref) => ref.controller);
  if (controller && controller.uid !== reference.uid) {
    return `${desired.kind} "${name}" is controlled by ${controller.kind} "${controller.name}"`;
  }
  const next = layDesired(existing, withOwner(desired, reference));
  if (!isDeepStrictEqual(next, existing)) store.update(next);
  return undefined;
}

function ensureShared(store: ObjectStore, desired: KubeObject, reference: OwnerReference): void {
  const key = kindKey(store.kindOf(desired));
  if (!store.get(key, desired.metadata.namespace, desired.metadata.name)) store.create(withOwner(desired, reference));
}

function pruneUnwanted(store: ObjectStore, owner: KubeObject, wanted: KubeObject[]): void {
  const keep = new Set(wanted.map((object) => `${kindKey(store.kindOf(object))}/${object.metadata.name}`));
  for (const key of OWNED_KINDS) {
    for (const object of store.peekList(key, { namespace: owner.metadata.namespace })) {
      const controlled = object.metadata.ownerReferences?.some(
        (ref) => ref.controller && ref.uid === owner.metadata.uid,
      );
      if (controlled && !keep.has(`${key}/${object.metadata.name}`)) {
        store.delete(key, object.metadata.namespace, object.metadata.name);
      }
    }
  }
}

function withOwner(object: KubeObject, reference: OwnerReference): KubeObject {
  return { ...object, metadata: { ...object.metadata, ownerReferences: [reference] } };
}
