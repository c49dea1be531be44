// The HTTPRoute of kserve-config-llm-router-route: the two OpenAI inference paths go to the
// InferencePool (through the EPP), everything else under `/<ns>/<n>` to the workload Service;
// each strips the `/<ns>/<n>` prefix. KServe disables the Gateway API timeouts (0s) because
// generations can be long.
import type { KubeObject } from "@testbed/apimachinery";
import { childNames, ownedObjectLabels } from "./names.js";
import { POOL_GROUP_V1, POOL_GROUP_V1ALPHA2, POOL_MIGRATED_ANNOTATION } from "./pool-api.js";
import type { ParentGateway, PodSpec } from "./spec.js";

export interface RouteInput {
  name: string;
  namespace: string;
  gateways: ParentGateway[];
  /** The pool the inference paths target; undefined when there is no scheduler (then the Service serves all). */
  pool: string | undefined;
  /** `spec.router.route.http.spec`, which replaces the preset's spec. */
  userSpec: PodSpec | undefined;
  /** The pool API group the backendRefs name (pool-api.ts); v1alpha2 unless KServe migrated the route. */
  poolGroup?: string;
}

const NO_TIMEOUTS = { backendRequest: "0s", request: "0s" };

export function httpRoute(input: RouteInput): KubeObject {
  const names = childNames(input.name);
  const base = `/${input.namespace}/${input.name}`;
  const service = { group: "", kind: "Service", name: names.workloadService, port: 8000, weight: 1 };
  const inferenceBackend = input.pool
    ? { group: input.poolGroup ?? POOL_GROUP_V1ALPHA2, kind: "InferencePool", name: input.pool, port: 8000, weight: 1 }
    : service;
  const parentRefs = input.gateways.map((gateway) => ({
    group: "gateway.networking.k8s.io",
    kind: "Gateway",
    name: gateway.name,
    namespace: gateway.namespace,
  }));
  const spec = input.userSpec
    ? { parentRefs, ...structuredClone(input.userSpec) }
    : {
        parentRefs,
        rules: [
          rule(`${base}/v1/completions`, "/v1/completions", inferenceBackend),
          rule(`${base}/v1/chat/completions`, "/v1/chat/completions", inferenceBackend),
          rule(base, "/", service),
        ],
      };
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: {
      name: names.route,
      namespace: input.namespace,
      labels: ownedObjectLabels(input.name, "llminferenceservice-router"),
      ...(input.poolGroup === POOL_GROUP_V1 ? { annotations: { [POOL_MIGRATED_ANNOTATION]: "v1" } } : {}),
    },
    spec,
  };
}

function rule(prefix: string, replacement: string, backend: Record<string, unknown>): Record<string, unknown> {
  return {
    backendRefs: [backend],
    filters: [
      { type: "URLRewrite", urlRewrite: { path: { type: "ReplacePrefixMatch", replacePrefixMatch: replacement } } },
    ],
    matches: [{ path: { type: "PathPrefix", value: prefix } }],
    timeouts: { ...NO_TIMEOUTS },
  };
}
