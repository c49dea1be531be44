import type { KubeObject } from "@testbed/apimachinery";
import type { ObjectStore } from "./object-store.js";

/**
 * Kubernetes Events about an object (what `oc describe` lists and `oc get events` shows). A repeat
 * of the same reason and message bumps `count` and `lastTimestamp` instead of adding a new Event.
 */
export function recordEvent(
  store: ObjectStore,
  involved: KubeObject,
  type: "Normal" | "Warning",
  reason: string,
  message: string,
  component: string,
): void {
  const namespace = involved.metadata.namespace ?? "default";
  if (!store.peek("Namespace", undefined, namespace)) return;
  const name = `${involved.metadata.name}.${eventSuffix(reason, message)}`;
  const now = store.now();
  try {
    const existing = store.peek("Event", namespace, name);
    if (existing) {
      store.update({ ...existing, count: Number(existing.count ?? 1) + 1, lastTimestamp: now });
      return;
    }
    store.create({
      apiVersion: "v1",
      kind: "Event",
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: involved.apiVersion,
        kind: involved.kind,
        name: involved.metadata.name,
        namespace,
        uid: involved.metadata.uid,
      },
      type,
      reason,
      message,
      source: { component },
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
    });
  } catch {
    // Events are best effort, as in Kubernetes: losing one never fails the caller.
  }
}

/** A stable hex suffix per (reason, message), so repeats find the same Event. */
function eventSuffix(reason: string, message: string): string {
  let hash = 2166136261;
  for (const char of `${reason}/${message}`) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 16777619) >>> 0;
  }
  return hash.toString(16).padStart(8, "0");
}
