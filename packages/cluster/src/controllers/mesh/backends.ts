// An HTTPRoute backendRef resolved to the cluster Istio sends it to, or the reason it cannot be:
// a core Service (port required) → `outbound|<port>||<svc fqdn>`; an InferencePool of the group this
// Istio watches → its shadow Service's cluster on 54321 (a pool of the other group is, to that Istio,
// an unsupported kind). Other kinds are InvalidKind; references across namespaces
// need a ReferenceGrant, which the testbed does not serve, so they are RefNotPermitted.
import { findInferencePool, type InferencePoolView } from "./inference-pools.js";
import { findObject, type MeshSnapshot } from "./mesh-snapshot.js";
import { outboundCluster, SHADOW_SERVICE_PORT, serviceFqdn } from "./names.js";

/** A backendRef that resolves: its cluster and weight, and the pool when it names an InferencePool. */
export interface ResolvedBackend {
  ok: true;
  cluster: string;
  weight: number;
  pool: InferencePoolView | undefined;
}

export interface BackendProblem {
  ok: false;
  reason: "BackendNotFound" | "InvalidKind" | "RefNotPermitted";
  message: string;
}

export function resolveBackend(
  snapshot: MeshSnapshot,
  routeNamespace: string,
  ref: Record<string, unknown>,
  /** The InferencePool API group the Istio release watches. */
  poolGroup: string,
): ResolvedBackend | BackendProblem {
  const group = String(ref.group ?? "");
  const kind = String(ref.kind ?? "Service");
  const name = String(ref.name ?? "");
  const namespace = String(ref.namespace ?? routeNamespace);
  const weight = ref.weight === undefined ? 1 : Number(ref.weight);
  if (namespace !== routeNamespace) {
    return {
      ok: false,
      reason: "RefNotPermitted",
      message: `backendRef ${name}/${namespace} not accessible to a HTTPRoute in namespace "${routeNamespace}" (missing a ReferenceGrant?)`,
    };
  }
  if (group === "" && kind === "Service") {
    const service = findObject(snapshot.services, namespace, name);
    if (!service)
      return {
        ok: false,
        reason: "BackendNotFound",
        message: `backend(${name}.${namespace}.svc.cluster.local) not found`,
      };
    if (ref.port === undefined)
      return { ok: false, reason: "BackendNotFound", message: "port is required in backendRef" };
    return {
      ok: true,
      cluster: outboundCluster(Number(ref.port), serviceFqdn(name, namespace)),
      weight,
      pool: undefined,
    };
  }
  if (group === poolGroup && kind === "InferencePool") {
    const pool = findInferencePool(snapshot, group, namespace, name);
    if (!pool) return { ok: false, reason: "BackendNotFound", message: `InferencePool ${namespace}/${name} not found` };
    return {
      ok: true,
      cluster: outboundCluster(SHADOW_SERVICE_PORT, serviceFqdn(pool.shadowName, namespace)),
      weight,
      pool,
    };
  }
  return {
    ok: false,
    reason: "InvalidKind",
    message: `referencing unsupported backendRef: group "${group}" kind "${kind}"`,
  };
}
