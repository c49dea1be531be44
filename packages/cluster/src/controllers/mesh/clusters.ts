// The gateway's clusters, as istiod gives every gateway a cluster per Service port in the mesh:
// `outbound|<port>||<svc>.<ns>.svc.cluster.local`, STATIC here (endpoints inlined from Ready pods
// rather than sent over EDS), HTTP/2 for gRPC/h2c ports, upstream TLS from DestinationRules. Each
// InferencePool adds its shadow-Service cluster with Istio's override-host load balancing.
import type { KubeObject } from "@testbed/apimachinery";
import { DESTINATION_HEADER, LB_METADATA_NAMESPACE } from "@testbed/protocol";
import { istioCircuitBreakers } from "./circuit-breakers.js";
import { autoSniOptions, trafficPolicyFor, upstreamTransportSocket } from "./destination-rules.js";
import { type Endpoint, loadAssignment, readyPods, serviceEndpoints } from "./endpoints.js";
import { type InferencePoolView, readInferencePool } from "./inference-pools.js";
import type { MeshSnapshot } from "./mesh-snapshot.js";
import { outboundCluster, POOL_NAME_LABEL, SHADOW_SERVICE_PORT, serviceFqdn } from "./names.js";

const CONNECT_TIMEOUT = "10s";
const HTTP2_APP_PROTOCOLS = new Set(["grpc", "grpc-web", "http2", "kubernetes.io/h2c"]);
const HTTP2_NAME_PREFIXES = ["grpc", "http2", "grpc-web"];

interface ServicePort {
  name?: string;
  port: number;
  targetPort?: unknown;
  protocol?: string;
  appProtocol?: string;
}

/** Every cluster of a gateway's config: one per Service port, plus each InferencePool's shadow cluster. */
export function generateClusters(snapshot: MeshSnapshot): Record<string, unknown>[] {
  const clusters: Record<string, unknown>[] = [];
  for (const service of snapshot.services) {
    // Shadow Services are generated from their pools (below), with the pool's load balancing.
    if (service.metadata.labels?.[POOL_NAME_LABEL]) continue;
    for (const port of servicePorts(service)) clusters.push(serviceCluster(snapshot, service, port));
  }
  for (const pool of snapshot.inferencePools) clusters.push(poolCluster(snapshot, readInferencePool(pool)));
  return clusters.sort((a, b) => String(a.name).localeCompare(String(b.name)));
}

function servicePorts(service: KubeObject): ServicePort[] {
  return ((service.spec?.ports ?? []) as ServicePort[]).filter(
    (p) => Number.isInteger(Number(p.port)) && (p.protocol ?? "TCP") === "TCP",
  );
}

/** Istio's protocol selection: appProtocol first, then the port name's prefix (`grpc`, `grpc-health`). */
export function speaksHttp2(port: ServicePort): boolean {
  if (port.appProtocol) return HTTP2_APP_PROTOCOLS.has(port.appProtocol.toLowerCase());
  const prefix = (port.name ?? "").toLowerCase().split("-")[0] ?? "";
  return HTTP2_NAME_PREFIXES.includes(prefix);
}

function serviceCluster(snapshot: MeshSnapshot, service: KubeObject, port: ServicePort): Record<string, unknown> {
  const fqdn = serviceFqdn(service.metadata.name, service.metadata.namespace ?? "default");
  const name = outboundCluster(Number(port.port), fqdn);
  const policy = trafficPolicyFor(snapshot, fqdn, Number(port.port));
  return staticCluster(
    name,
    serviceEndpoints(snapshot, service, { port: Number(port.port), targetPort: port.targetPort }),
    {
      http2: speaksHttp2(port),
      transportSocket: upstreamTransportSocket(policy, { http2: speaksHttp2(port) }),
      autoSni: autoSniOptions(policy),
      circuitBreakers: istioCircuitBreakers(policy),
    },
  );
}

function staticCluster(
  name: string,
  endpoints: Endpoint[],
  options: {
    http2: boolean;
    transportSocket: Record<string, unknown> | undefined;
    autoSni: Record<string, boolean> | undefined;
    circuitBreakers: Record<string, unknown>;
  },
): Record<string, unknown> {
  const protocolOptions: Record<string, unknown> = {
    ...(options.autoSni ? { upstream_http_protocol_options: options.autoSni } : {}),
    ...(options.http2 ? { explicit_http_config: { http2_protocol_options: {} } } : {}),
  };
  return {
    name,
    type: "STATIC",
    connect_timeout: CONNECT_TIMEOUT,
    circuit_breakers: options.circuitBreakers,
    load_assignment: loadAssignment(name, endpoints),
    ...(Object.keys(protocolOptions).length > 0
      ? {
          typed_extension_protocol_options: {
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
              "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
              ...protocolOptions,
            },
          },
        }
      : {}),
    ...(options.transportSocket ? { transport_socket: options.transportSocket } : {}),
  };
}

/**
 * The pool's cluster: its Ready pods on its target ports, host chosen by the EPP, round robin
 * otherwise. Istio builds one cluster for the shadow Service's first port (54321) and, for a
 * Service of inference semantics, gives it the endpoints of EVERY port — all pods on all target
 * ports (cluster.go skips ports after the first; push_context.go ServiceEndpointsByPort merges;
 * istio #58412, in 1.28.1 and 1.29.0). A v1alpha2 pool has its one targetPortNumber.
 */
export function poolCluster(snapshot: MeshSnapshot, pool: InferencePoolView): Record<string, unknown> {
  const fqdn = serviceFqdn(pool.shadowName, pool.namespace);
  const name = outboundCluster(SHADOW_SERVICE_PORT, fqdn);
  const policy = trafficPolicyFor(snapshot, fqdn, SHADOW_SERVICE_PORT);
  const pods = readyPods(snapshot, pool.namespace, pool.selector);
  const endpoints = pool.targetPorts.flatMap((port) =>
    pods.map((pod) => ({ address: String(pod.status.podIP), port, podName: pod.metadata.name })),
  );
  return {
    ...staticCluster(name, endpoints, {
      http2: false,
      transportSocket: upstreamTransportSocket(policy),
      autoSni: autoSniOptions(policy),
      circuitBreakers: istioCircuitBreakers(policy),
    }),
    load_balancing_policy: overrideHostPolicy(),
  };
}

/** Istio's InferencePool policy: the host the EPP named in envoy.lb metadata, else round robin. */
function overrideHostPolicy(): Record<string, unknown> {
  return {
    policies: [
      {
        typed_extension_config: {
          name: "envoy.load_balancing_policies.override_host",
          typed_config: {
            "@type": "type.googleapis.com/envoy.extensions.load_balancing_policies.override_host.v3.OverrideHost",
            override_host_sources: [{ metadata: { key: LB_METADATA_NAMESPACE, path: [{ key: DESTINATION_HEADER }] } }],
            fallback_policy: {
              policies: [
                {
                  typed_extension_config: {
                    name: "envoy.load_balancing_policies.round_robin",
                    typed_config: {
                      "@type": "type.googleapis.com/envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin",
                    },
                  },
                },
              ],
            },
          },
        },
      },
    ],
  };
}
