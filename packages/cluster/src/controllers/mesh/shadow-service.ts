import { controllerReference, type KubeObject } from "@testbed/apimachinery";
import type { InferencePoolView } from "./inference-pools.js";
import { POOL_NAME_LABEL, SHADOW_SERVICE_PORT } from "./names.js";

/**
 * The headless Service Istio creates for each InferencePool (`<pool>-ip-<hash>`, port 54321 →
 * the pool's target port), so the pool is an ordinary mesh host whose cluster the routes can name.
 * Owned by the pool, so it goes when the pool goes.
 */
export function shadowService(pool: InferencePoolView): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: pool.shadowName,
      namespace: pool.namespace,
      labels: { [POOL_NAME_LABEL]: pool.name },
      ownerReferences: [controllerReference(pool.object)],
    },
    spec: {
      clusterIP: "None",
      selector: { ...pool.selector },
      ports: [
        {
          name: "http",
          protocol: "TCP",
          port: SHADOW_SERVICE_PORT,
          ...(pool.targetPort !== undefined ? { targetPort: pool.targetPort } : {}),
        },
      ],
    },
  };
}
