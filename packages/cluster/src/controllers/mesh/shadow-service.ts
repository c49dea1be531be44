// The headless "shadow" Service Istio creates for each InferencePool, read from
// pilot/pkg/config/kube/gateway/inferencepool_collection.go (translateShadowServiceToService) of
// openshift-service-mesh/istio 1.26.2-redhat and istio/istio 1.27–1.29:
// - name `<pool[:51]>-ip-<sha256(pool)[:8]>` (names.ts), clusterIP None, the pool's selector;
// - labels istio.io/inferencepool-name, -extension-service, -extension-port,
//   -extension-failure-mode and internal.istio.io/service-semantics=inferencepool. The route
//   translation reads the endpoint picker from these labels (conversion.go buildDestination);
// - ports: up to 1.27 one unnamed TCP port 54321 → the pool's targetPortNumber; from 1.28 one
//   port per spec.targetPorts[i] on 54321+i, named `port<i>` in 1.28.0 and `http-<i>` from 1.28.1;
// - an owner reference to the pool (apiVersion, kind, name, uid; no controller flag).
import type { KubeObject, OwnerReference } from "@testbed/apimachinery";
import type { InferencePoolView } from "./inference-pools.js";
import { POOL_NAME_LABEL, SHADOW_SERVICE_PORT } from "./names.js";

export const POOL_EXTENSION_SERVICE_LABEL = "istio.io/inferencepool-extension-service";
export const POOL_EXTENSION_PORT_LABEL = "istio.io/inferencepool-extension-port";
export const POOL_EXTENSION_FAILURE_MODE_LABEL = "istio.io/inferencepool-extension-failure-mode";
export const SERVICE_SEMANTICS_LABEL = "internal.istio.io/service-semantics";

/** The Istio release whose shadow Service is made when none is given: the seed's 1.26.2. */
const DEFAULT_ISTIO = "1.26";

/**
 * The pool's shadow Service as the given Istio release writes it ("1.26", "1.28", "1.28.0" …; a
 * release without a patch number stands for its latest patch).
 */
export function shadowService(pool: InferencePoolView, istio: string = DEFAULT_ISTIO): KubeObject {
  const picker = pool.endpointPicker;
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: pool.shadowName,
      namespace: pool.namespace,
      labels: {
        [POOL_NAME_LABEL]: pool.name,
        [POOL_EXTENSION_SERVICE_LABEL]: picker?.name ?? "",
        [POOL_EXTENSION_PORT_LABEL]: String(picker?.port ?? ""),
        [POOL_EXTENSION_FAILURE_MODE_LABEL]: picker?.failureMode ?? "FailClose",
        [SERVICE_SEMANTICS_LABEL]: "inferencepool",
      },
      ownerReferences: [poolReference(pool.object)],
    },
    spec: {
      type: "ClusterIP",
      clusterIP: "None",
      selector: { ...pool.selector },
      ports: shadowPorts(pool, istio),
    },
  };
}

function poolReference(pool: KubeObject): OwnerReference {
  return { apiVersion: pool.apiVersion, kind: pool.kind, name: pool.metadata.name, uid: pool.metadata.uid ?? "" };
}

/** The Service ports: one unnamed port up to 1.27, one per target port from 1.28. */
export function shadowPorts(pool: InferencePoolView, istio: string): Array<Record<string, unknown>> {
  const [major = 1, minor = 26, patch] = istio.split(".").map(Number);
  const single = major === 1 && minor < 28;
  if (single) {
    return [
      {
        protocol: "TCP",
        port: SHADOW_SERVICE_PORT,
        ...(pool.targetPort !== undefined ? { targetPort: pool.targetPort } : {}),
      },
    ];
  }
  const named = (index: number) => (minor === 28 && patch === 0 ? `port${index}` : `http-${index}`);
  return pool.targetPorts.map((port, index) => ({
    name: named(index),
    protocol: "TCP",
    port: SHADOW_SERVICE_PORT + index,
    targetPort: port,
  }));
}

/**
 * The endpoint picker a route to the pool uses, read from its shadow Service's labels as Istio's
 * conversion.go does; undefined when one of the three labels is missing or empty (Istio's
 * "InferencePool service invalid, extensionRef labels not found").
 */
export function shadowServiceExtension(
  service: KubeObject,
): { service: string; port: number; failureMode: string } | undefined {
  const labels = service.metadata.labels ?? {};
  const name = labels[POOL_EXTENSION_SERVICE_LABEL];
  const port = labels[POOL_EXTENSION_PORT_LABEL];
  const failureMode = labels[POOL_EXTENSION_FAILURE_MODE_LABEL];
  if (!name || !port || !failureMode) return undefined;
  return { service: name, port: Number(port), failureMode };
}
