import type { KubeObject } from "@testbed/apimachinery";
import { isPodReady, matchesSelector, selectorFromObject } from "@testbed/apimachinery";
import type { TranslatedPolicies } from "@testbed/kuadrant";
import type { ObjectStore } from "../../store/object-store.js";

export const AUTH_CLUSTER = "kuadrant-auth-service";
export const RATELIMIT_CLUSTER = "kuadrant-ratelimit-service";
const HCM = "envoy.filters.network.http_connection_manager";
const EXT_AUTHZ = "envoy.filters.http.ext_authz";

/**
 * The EnvoyFilter Kuadrant puts next to a Gateway it enforces policies on, in the Gateway's
 * namespace and selecting the Gateway's pods: two clusters (Authorino's and Limitador's gRPC
 * services, named as kuadrant-operator names them), the ext_authz and ratelimit HTTP filters
 * placed first (so the order is ext_authz → ratelimit → ext_proc → router), and the policies'
 * rate_limits and the ext_authz switch on every forwarding route. It goes through the mesh's EnvoyFilter machinery like any user's.
 * The real operator programs the same two calls into its wasm-shim (WasmPlugin) with the failure
 * modes kept here: auth Deny (a 500 while Authorino is down), rate limiting Allow.
 */
export function kuadrantEnvoyFilter(
  gateway: KubeObject,
  translated: TranslatedPolicies,
  store: ObjectStore,
): KubeObject {
  const listener = { filterChain: { filter: { name: HCM } } };
  const patches: Array<Record<string, unknown>> = [
    clusterPatch(AUTH_CLUSTER, serviceEndpoints(store, "kuadrant-system", "authorino-authorization", 50051)),
    clusterPatch(RATELIMIT_CLUSTER, serviceEndpoints(store, "kuadrant-system", "limitador-limitador", 8081)),
  ];
  if (translated.rateLimits.length > 0) {
    patches.push({
      applyTo: "HTTP_FILTER",
      match: { context: "GATEWAY", listener },
      patch: {
        operation: "INSERT_FIRST",
        value: {
          name: "envoy.filters.http.ratelimit",
          typed_config: {
            "@type": "type.googleapis.com/envoy.extensions.filters.http.ratelimit.v3.RateLimit",
            domain: translated.domain,
            // kuadrant-operator wires Limitador with FailureModeAllow: while it is down requests go on.
            failure_mode_deny: false,
            timeout: "1s",
            rate_limit_service: {
              grpc_service: { envoy_grpc: { cluster_name: RATELIMIT_CLUSTER } },
              transport_api_version: "V3",
            },
          },
        },
      },
    });
    patches.push({
      applyTo: "HTTP_ROUTE",
      // Only routes that forward: a direct-response route with rate_limits merged in would be invalid.
      match: { context: "GATEWAY", routeConfiguration: { vhost: { route: { action: "ROUTE" } } } },
      patch: { operation: "MERGE", value: { route: { rate_limits: translated.rateLimits } } },
    });
  }
  if (translated.authConfigs.length > 0) {
    patches.push({
      applyTo: "HTTP_FILTER",
      match: { context: "GATEWAY", listener },
      patch: {
        operation: "INSERT_FIRST",
        value: {
          name: EXT_AUTHZ,
          // Off unless a route turns it on: the wasm-shim calls Authorino only for requests an action
          // set matches, and action sets hang off HTTPRoute rules, so a request no route matches
          // reaches the router's 404 without a Check.
          disabled: true,
          typed_config: {
            "@type": "type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz",
            grpc_service: { envoy_grpc: { cluster_name: AUTH_CLUSTER }, timeout: "1s" },
            transport_api_version: "V3",
            // Authorino is wired FailureModeDeny; the wasm-shim's refusal is a 500 (SendReplyTask::default).
            failure_mode_allow: false,
            status_on_error: { code: 500 },
          },
        },
      },
    });
    patches.push({
      applyTo: "HTTP_ROUTE",
      match: { context: "GATEWAY", routeConfiguration: { vhost: { route: { action: "ROUTE" } } } },
      patch: {
        operation: "MERGE",
        value: {
          typed_per_filter_config: {
            [EXT_AUTHZ]: {
              "@type": "type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute",
              check_settings: {},
            },
          },
        },
      },
    });
  }
  return {
    apiVersion: "networking.istio.io/v1alpha3",
    kind: "EnvoyFilter",
    metadata: {
      name: `kuadrant-${gateway.metadata.name}`,
      namespace: gateway.metadata.namespace,
      labels: { "kuadrant.io/managed": "true" },
    },
    spec: {
      workloadSelector: { labels: { "gateway.networking.k8s.io/gateway-name": gateway.metadata.name } },
      configPatches: patches,
    },
  };
}

function clusterPatch(name: string, endpoints: string[]): Record<string, unknown> {
  return {
    applyTo: "CLUSTER",
    match: { context: "GATEWAY" },
    patch: {
      operation: "ADD",
      value: {
        name,
        type: "STATIC",
        connect_timeout: "1s",
        http2_protocol_options: {},
        load_assignment: {
          cluster_name: name,
          endpoints: [
            {
              lb_endpoints: endpoints.map((address) => {
                const [ip, port] = address.split(":");
                return { endpoint: { address: { socket_address: { address: ip, port_value: Number(port) } } } };
              }),
            },
          ],
        },
      },
    },
  };
}

/** Ready pods behind a Service (by name suffix, as the operator's deployments are named after their CR). */
function serviceEndpoints(store: ObjectStore, namespace: string, serviceSuffix: string, port: number): string[] {
  const service = store.list("Service", { namespace }).find((s) => s.metadata.name.endsWith(serviceSuffix));
  if (!service?.spec?.selector) return [];
  const selector = selectorFromObject(service.spec.selector);
  return store
    .list("Pod", { namespace })
    .filter((pod) => matchesSelector(selector, pod.metadata.labels) && isPodReady(pod) && pod.status?.podIP)
    .map((pod) => `${pod.status.podIP}:${port}`);
}
