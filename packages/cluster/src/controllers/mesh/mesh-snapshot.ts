// Everything the mesh reads to program gateways, as plain lists. Generation works on a snapshot, so
// it is a pure function of cluster state (tests build one from objects, the controller from the store).
import type { KubeObject } from "@testbed/apimachinery";
import type { ObjectStore } from "../../store/object-store.js";
import { GATEWAY_GROUP, POOL_GROUP_ALPHA, POOL_GROUP_V1 } from "./names.js";

/** The cluster state gateway generation reads, kind by kind. */
export interface MeshSnapshot {
  namespaces: KubeObject[];
  gatewayClasses: KubeObject[];
  gateways: KubeObject[];
  httpRoutes: KubeObject[];
  services: KubeObject[];
  pods: KubeObject[];
  /** InferencePools of both API groups (v1alpha2 x-k8s.io and v1 k8s.io). */
  inferencePools: KubeObject[];
  destinationRules: KubeObject[];
  envoyFilters: KubeObject[];
  secrets: KubeObject[];
}

/** The store kind keys the mesh watches, and the snapshot list each fills. */
export const WATCHED_KINDS: Record<string, keyof MeshSnapshot> = {
  Namespace: "namespaces",
  [`${GATEWAY_GROUP}/GatewayClass`]: "gatewayClasses",
  [`${GATEWAY_GROUP}/Gateway`]: "gateways",
  [`${GATEWAY_GROUP}/HTTPRoute`]: "httpRoutes",
  Service: "services",
  Pod: "pods",
  [`${POOL_GROUP_ALPHA}/InferencePool`]: "inferencePools",
  [`${POOL_GROUP_V1}/InferencePool`]: "inferencePools",
  "networking.istio.io/DestinationRule": "destinationRules",
  "networking.istio.io/EnvoyFilter": "envoyFilters",
  Secret: "secrets",
};

export function emptySnapshot(): MeshSnapshot {
  return {
    namespaces: [],
    gatewayClasses: [],
    gateways: [],
    httpRoutes: [],
    services: [],
    pods: [],
    inferencePools: [],
    destinationRules: [],
    envoyFilters: [],
    secrets: [],
  };
}

export function snapshotFromStore(store: ObjectStore): MeshSnapshot {
  const snapshot = emptySnapshot();
  for (const [key, field] of Object.entries(WATCHED_KINDS)) snapshot[field].push(...store.peekList(key));
  return snapshot;
}

/** A snapshot from loose objects (manifests, test fixtures); objects of other kinds are ignored. */
export function snapshotFromObjects(objects: KubeObject[]): MeshSnapshot {
  const snapshot = emptySnapshot();
  for (const object of objects) {
    const slash = object.apiVersion.indexOf("/");
    const group = slash < 0 ? "" : object.apiVersion.slice(0, slash);
    const field = WATCHED_KINDS[group === "" ? object.kind : `${group}/${object.kind}`];
    if (field) snapshot[field].push(object);
  }
  return snapshot;
}

/** Objects in one namespace with one name. */
export function findObject(list: KubeObject[], namespace: string | undefined, name: string): KubeObject | undefined {
  return list.find((o) => o.metadata.name === name && o.metadata.namespace === namespace);
}

/** Creation order, then namespace/name: the tie-breaker Gateway API and Istio use. */
export function byAge(a: KubeObject, b: KubeObject): number {
  const age = (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? "");
  if (age !== 0) return age;
  return `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`);
}
