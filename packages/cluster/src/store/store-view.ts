import type { KubeObject } from "@testbed/apimachinery";
import type { ListOptions, WatchHandler } from "./object-store.js";

/**
 * The read side of the store, which is all the programs inside pods need (the EPP's pool
 * discovery, Authorino's AuthConfigs and Secrets). In process the ObjectStore itself; in a pod
 * process (`--isolation process`) a mirror fed by the kubelet.
 */
export interface StoreView {
  get(key: string, namespace: string | undefined, name: string): KubeObject | undefined;
  /** The object as stored, without a copy: for readers that only read (ObjectStore.peek). */
  peek(key: string, namespace: string | undefined, name: string): KubeObject | undefined;
  list(key: string, options?: ListOptions): KubeObject[];
  /** Like list, but the objects as stored, without copies (ObjectStore.peekList). */
  peekList(key: string, options?: ListOptions): KubeObject[];
  watch(handler: WatchHandler): () => void;
}
