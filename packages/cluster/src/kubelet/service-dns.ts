// Cluster DNS as the pods' programs see it: `<svc>.<ns>.svc[.cluster.local]` names a Service, which
// resolves to a Ready pod it selects (the testbed has no ClusterIPs: the pod's address stands in).
import { isPodReady, matchesSelector, selectorFromObject } from "@testbed/apimachinery";
import type { StoreView } from "../store/store-view.js";

export function resolveServiceHost(store: Pick<StoreView, "get" | "list">, host: string): string | undefined {
  const match = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc(\.cluster\.local)?$/.exec(host);
  if (!match?.[1] || !match[2]) return undefined;
  const service = store.get("Service", match[2], match[1]);
  if (!service?.spec?.selector) return undefined;
  const selector = selectorFromObject(service.spec.selector);
  const pod = store
    .list("Pod", { namespace: match[2] })
    .find((p) => matchesSelector(selector, p.metadata.labels) && isPodReady(p) && p.status?.podIP);
  return pod?.status?.podIP;
}
