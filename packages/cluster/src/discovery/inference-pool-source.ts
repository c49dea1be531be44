import { isDeepStrictEqual } from "node:util";
import { isPodReady, type KubeObject, kindKey, matchesSelector, selectorFromObject } from "@testbed/apimachinery";
import type { EndpointSource, EndpointSpec } from "@testbed/epp";
import type { StoreView } from "../store/store-view.js";

/**
 * The EPP's view of its pool, as the real EPP's pod reconciler builds it: the InferencePool's
 * selector picks pods in the pool's namespace; each pod with an IP is an endpoint on the pool's
 * target port, a candidate only while its Ready condition is True.
 */
export class InferencePoolEndpointSource implements EndpointSource {
  private endpoints: EndpointSpec[] = [];
  private readonly listeners: Array<(endpoints: EndpointSpec[]) => void> = [];
  private readonly unwatch: () => void;
  private readonly poolKey: string;

  constructor(
    private readonly store: StoreView,
    private readonly pool: { group: string; namespace: string; name: string },
  ) {
    this.poolKey = kindKey({ group: pool.group, kind: "InferencePool" });
    this.endpoints = this.compute();
    this.unwatch = store.watch((event) => {
      if (event.key === "Pod" || event.key === this.poolKey) this.refresh();
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

  private refresh(): void {
    const next = this.compute();
    if (isDeepStrictEqual(next, this.endpoints)) return;
    this.endpoints = next;
    for (const listener of this.listeners) listener(next);
  }

  private compute(): EndpointSpec[] {
    const pool = this.store.get(this.poolKey, this.pool.namespace, this.pool.name);
    if (!pool) return [];
    const selector = selectorFromObject(pool.spec?.selector);
    const port = targetPort(pool);
    if (selector.length === 0 || port === undefined) return [];
    return this.store
      .list("Pod", { namespace: this.pool.namespace })
      .filter(
        (pod) => matchesSelector(selector, pod.metadata.labels) && pod.status?.podIP && !pod.metadata.deletionTimestamp,
      )
      .map((pod) => ({
        namespacedName: `${pod.metadata.namespace}/${pod.metadata.name}`,
        address: pod.status.podIP as string,
        port,
        labels: pod.metadata.labels ?? {},
        ready: isPodReady(pod),
      }));
  }
}

/** v1alpha2 `targetPortNumber`, v1 `targetPorts[0].number`. */
function targetPort(pool: KubeObject): number | undefined {
  const spec = pool.spec ?? {};
  if (typeof spec.targetPortNumber === "number") return spec.targetPortNumber;
  const first = Array.isArray(spec.targetPorts) ? spec.targetPorts[0] : undefined;
  return typeof first?.number === "number" ? first.number : undefined;
}
