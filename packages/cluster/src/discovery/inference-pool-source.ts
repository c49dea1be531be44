import { isDeepStrictEqual } from "node:util";
import {
  isPodReady,
  type KubeObject,
  kindKey,
  type LabelSelector,
  matchesSelector,
  selectorFromObject,
} from "@testbed/apimachinery";
import type { EndpointSource, EndpointSpec } from "@testbed/epp";
import { byId } from "../store/object-store.js";
import type { StoreView } from "../store/store-view.js";

/**
 * The EPP's view of its pool, as the real EPP's pod reconciler builds it: the InferencePool's
 * selector picks pods in the pool's namespace; each pod with an IP is an endpoint on the pool's
 * target port, a candidate only while its Ready condition is True. Like the real reconciler
 * (gateway-api-inference-extension pkg/epp/controller/pod_reconciler.go, Reconcile →
 * updateDatastore), a pod's event reconciles that one pod, read as it is now (the informer cache's
 * Get, so an event queued behind newer writes never brings back an older state); a change to the
 * pool re-lists its pods (inferencepool_reconciler.go). So a burst of n pods starting costs O(n)
 * pod reads, not a re-list (and copy) of every pod per event.
 */
export class InferencePoolEndpointSource implements EndpointSource {
  private endpoints: EndpointSpec[] = [];
  private readonly byPod = new Map<string, EndpointSpec>();
  private readonly listeners: Array<(endpoints: EndpointSpec[]) => void> = [];
  private readonly unwatch: () => void;
  private readonly poolKey: string;
  private membership: Membership | undefined;

  constructor(
    private readonly store: StoreView,
    private readonly pool: { group: string; namespace: string; name: string },
  ) {
    this.poolKey = kindKey({ group: pool.group, kind: "InferencePool" });
    this.relist();
    this.endpoints = this.sorted();
    this.unwatch = store.watch((event) => {
      if (event.object.metadata.namespace !== this.pool.namespace) return;
      if (event.key === "Pod") this.podChanged(event.object.metadata.name);
      else if (event.key === this.poolKey && event.object.metadata.name === this.pool.name) this.poolChanged();
    });
  }

  current(): EndpointSpec[] {
    return this.endpoints;
  }

  onChange(listener: (endpoints: EndpointSpec[]) => void): void {
    this.listeners.push(listener);
  }

  close(): void {
    this.unwatch();
  }

  /** One pod's reconcile: its entry added, replaced or removed; the list published if it changed. */
  private podChanged(name: string): void {
    const id = `${this.pool.namespace}/${name}`;
    const pod = this.store.peek("Pod", this.pool.namespace, name);
    const next = pod && this.membership ? endpointOf(pod, this.membership) : undefined;
    const previous = this.byPod.get(id);
    if (isDeepStrictEqual(previous, next)) return;
    if (next) this.byPod.set(id, next);
    else this.byPod.delete(id);
    this.publish(this.sorted());
  }

  private poolChanged(): void {
    this.relist();
    const next = this.sorted();
    if (!isDeepStrictEqual(next, this.endpoints)) this.publish(next);
  }

  private publish(next: EndpointSpec[]): void {
    this.endpoints = next;
    for (const listener of this.listeners) listener(next);
  }

  /** Every pod of the pool, from the store as it is now. */
  private relist(): void {
    this.byPod.clear();
    this.membership = membershipOf(this.store.peek(this.poolKey, this.pool.namespace, this.pool.name));
    if (!this.membership) return;
    for (const pod of this.store.peekList("Pod", { namespace: this.pool.namespace })) {
      const endpoint = endpointOf(pod, this.membership);
      if (endpoint) this.byPod.set(endpoint.namespacedName, endpoint);
    }
  }

  /** In the store's list order (namespace/name), as the endpoints have always been reported. */
  private sorted(): EndpointSpec[] {
    return [...this.byPod.values()].sort((a, b) => byId(a.namespacedName, b.namespacedName));
  }
}

/** What makes a pod a member: the pool's selector and its target port. */
interface Membership {
  selector: LabelSelector;
  port: number;
}

function membershipOf(pool: KubeObject | undefined): Membership | undefined {
  if (!pool) return undefined;
  const selector = selectorFromObject(pool.spec?.selector);
  const port = targetPort(pool);
  if (selector.length === 0 || port === undefined) return undefined;
  return { selector, port };
}

/** The pod's endpoint, or undefined when it is not (or no longer) one: no IP, being deleted, not selected. */
function endpointOf(pod: KubeObject, { selector, port }: Membership): EndpointSpec | undefined {
  if (!matchesSelector(selector, pod.metadata.labels) || !pod.status?.podIP || pod.metadata.deletionTimestamp) {
    return undefined;
  }
  return {
    namespacedName: `${pod.metadata.namespace}/${pod.metadata.name}`,
    address: pod.status.podIP as string,
    port,
    // The store's objects are frozen and shared; the EPP's datastore keeps labels of its own.
    labels: { ...(pod.metadata.labels ?? {}) },
    ready: isPodReady(pod),
  };
}

/** v1alpha2 `targetPortNumber`, v1 `targetPorts[0].number`. */
function targetPort(pool: KubeObject): number | undefined {
  const spec = pool.spec ?? {};
  if (typeof spec.targetPortNumber === "number") return spec.targetPortNumber;
  const first = Array.isArray(spec.targetPorts) ? spec.targetPorts[0] : undefined;
  return typeof first?.number === "number" ? first.number : undefined;
}
