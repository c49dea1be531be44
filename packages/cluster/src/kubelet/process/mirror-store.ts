import type { KubeObject } from "@testbed/apimachinery";
import { matchesSelector } from "@testbed/apimachinery";
import {
  byNamespaceAndName,
  type ListOptions,
  objectId,
  type WatchEvent,
  type WatchHandler,
} from "../../store/object-store.js";
import type { StoreView } from "../../store/store-view.js";

/** A read-only copy of some of the store's kinds inside a pod process, kept current by the kubelet's events. */
export class MirrorStore implements StoreView {
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly watchers = new Set<WatchHandler>();

  constructor(initial: Array<{ key: string; object: KubeObject }>) {
    for (const { key, object } of initial) this.bucket(key).set(idOf(object), object);
  }

  apply(event: WatchEvent): void {
    if (event.type === "DELETED") this.bucket(event.key).delete(idOf(event.object));
    else this.bucket(event.key).set(idOf(event.object), event.object);
    for (const watcher of [...this.watchers]) watcher(event);
  }

  get(key: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const found = this.bucket(key).get(objectId(namespace, name));
    return found ? structuredClone(found) : undefined;
  }

  /** The mirrored object itself; the kubelet's events replace objects, never change them. */
  peek(key: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.bucket(key).get(objectId(namespace, name));
  }

  list(key: string, options: ListOptions = {}): KubeObject[] {
    return this.peekList(key, options).map((o) => structuredClone(o));
  }

  /** The mirrored objects themselves (see peek); the array is the caller's own. */
  peekList(key: string, options: ListOptions = {}): KubeObject[] {
    return [...this.bucket(key).values()]
      .filter((o) => options.namespace === undefined || o.metadata.namespace === options.namespace)
      .filter((o) => !options.selector || matchesSelector(options.selector, o.metadata.labels))
      .sort(byNamespaceAndName);
  }

  watch(handler: WatchHandler): () => void {
    this.watchers.add(handler);
    return () => this.watchers.delete(handler);
  }

  private bucket(key: string): Map<string, KubeObject> {
    let bucket = this.objects.get(key);
    if (!bucket) {
      bucket = new Map();
      this.objects.set(key, bucket);
    }
    return bucket;
  }
}

function idOf(object: KubeObject): string {
  return objectId(object.metadata.namespace, object.metadata.name);
}
