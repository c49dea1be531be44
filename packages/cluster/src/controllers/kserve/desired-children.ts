import type { KubeObject } from "@testbed/apimachinery";
import { schedulerDeployment, workloadDeployment } from "./deployments.js";
import { poolDestinationRule, schedulerDestinationRule, workloadDestinationRule } from "./destination-rules.js";
import { httpRoute } from "./http-route.js";
import { inferencePool, inferencePoolV1 } from "./inference-pool.js";
import { enginePodMonitor, schedulerServiceMonitor } from "./monitors.js";
import { childNames } from "./names.js";
import { eppService, schedulerServiceAccount, workloadService } from "./services.js";
import type { LlmisvcSpec } from "./spec.js";

export interface DesiredChildren {
  /** Objects this service owns alone (controller reference; deleted with it). */
  owned: KubeObject[];
  /** Per-namespace objects shared by every service in the namespace (created once, left alone after). */
  shared: KubeObject[];
}

/** The InferencePool API KServe's release uses (pool-api.ts): v1 pools besides v1alpha2, and the route's group. */
export interface PoolApi {
  v1Pools: boolean;
  routeGroup: string;
}

/** Everything KServe creates for one LLMInferenceService, in the order it creates them. */
export function desiredChildren(
  name: string,
  namespace: string,
  spec: LlmisvcSpec,
  poolApi: PoolApi = { v1Pools: false, routeGroup: "inference.networking.x-k8s.io" },
): DesiredChildren {
  const owned: KubeObject[] = [
    workloadDeployment(name, namespace, spec, spec.prefill ? "decode" : "both"),
    ...(spec.prefill ? [workloadDeployment(name, namespace, spec, "prefill")] : []),
    workloadService(name, namespace),
    workloadDestinationRule(name, namespace),
  ];
  const shared: KubeObject[] = [enginePodMonitor(namespace)];
  const router = spec.router;
  if (router?.scheduler) {
    const pool = inferencePool(name, namespace, router.scheduler.poolSpec);
    owned.push(
      schedulerServiceAccount(name, namespace),
      schedulerDeployment(name, namespace, spec),
      eppService(name, namespace),
      ...(poolApi.v1Pools ? [inferencePoolV1(pool)] : []),
      pool,
      schedulerDestinationRule(name, namespace),
      poolDestinationRule(name, namespace),
    );
    shared.push(schedulerServiceMonitor(namespace));
  }
  if (router?.managedRoute) {
    const pool = router.scheduler ? childNames(name).inferencePool : router.poolRef;
    owned.push(
      httpRoute({
        name,
        namespace,
        gateways: router.gateways,
        pool,
        userSpec: router.managedRoute.spec,
        poolGroup: poolApi.routeGroup,
      }),
    );
  }
  return { owned, shared };
}
