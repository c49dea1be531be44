// Hand-written Envoy configs shaped like what Istio (OSSM 3.2) generates for the seed's
// openshift-ai-inference gateway: a base ext_proc filter, per-route overrides on the InferencePool
// routes, the pool's override-host cluster, the direct workload Service cluster, and the EPP's
// cluster with the DestinationRule's TLS. Tests vary the pieces the seed's fixes change.

export const POOL_CLUSTER = "outbound|54321||qwen3-0-6b-inference-pool-ip-a5e07bf3.my-first-model.svc.cluster.local";
export const SERVICE_CLUSTER = "outbound|8000||qwen3-0-6b-kserve-workload-svc.my-first-model.svc.cluster.local";
export const EPP_CLUSTER = "outbound|9002||qwen3-0-6b-epp-service.my-first-model.svc.cluster.local";
export const EPP_SNI = "qwen3-0-6b-epp-service.my-first-model.svc.cluster.local";

const EXT_PROC = "type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor";
const PER_ROUTE = "type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute";

/** The base filter Istio appends when a gateway routes to an InferencePool (state A). */
export const ISTIO_BASE_FILTER = {
  "@type": EXT_PROC,
  grpc_service: { envoy_grpc: { cluster_name: "dummy" }, timeout: "10s" },
  failure_mode_allow: true,
  processing_mode: { request_header_mode: "SKIP", response_header_mode: "SKIP" },
  message_timeout: "1000s",
  metadata_options: {
    forwarding_namespaces: { untyped: ["envoy.lb"] },
    receiving_namespaces: { untyped: ["envoy.lb"] },
  },
};

/** The per-route override Istio sets on InferencePool routes. */
export const ISTIO_ROUTE_OVERRIDE = {
  "@type": PER_ROUTE,
  overrides: {
    grpc_service: { envoy_grpc: { cluster_name: EPP_CLUSTER }, timeout: "10s" },
    failure_mode_allow: true,
    processing_mode: {
      request_header_mode: "SEND",
      response_header_mode: "SEND",
      request_body_mode: "FULL_DUPLEX_STREAMED",
      response_body_mode: "FULL_DUPLEX_STREAMED",
    },
  },
};

/** The seed's EnvoyFilter value (HTTP_FILTER + MERGE), merged into the base filter: state C. */
export const SEED_HTTP_FILTER_PATCH = {
  grpc_service: { envoy_grpc: { cluster_name: EPP_CLUSTER }, timeout: "30s" },
  failure_mode_allow: true,
  processing_mode: { request_header_mode: "SEND", response_header_mode: "SEND", request_body_mode: "STREAMED" },
  message_timeout: "30s",
};

export interface ConfigParts {
  pods: string[];
  epp: string;
  eppCaPem: string;
  baseFilter: Record<string, unknown>;
  routeOverride: Record<string, unknown> | undefined;
}

const socket = (hostPort: string) => {
  const [address, port] = hostPort.split(":");
  return { socket_address: { address, port_value: Number(port) } };
};

const endpoints = (name: string, hosts: string[]) => ({
  cluster_name: name,
  endpoints: [{ lb_endpoints: hosts.map((h) => ({ endpoint: { address: socket(h) } })) }],
});

export function istioLikeConfig(parts: ConfigParts): Record<string, unknown> {
  const poolRoute = (name: string, prefix: string) => ({
    name,
    match: { prefix },
    route: { cluster: POOL_CLUSTER, prefix_rewrite: prefix.replace("/my-first-model/qwen3-0-6b", ""), timeout: "0s" },
    ...(parts.routeOverride ? { typed_per_filter_config: { "envoy.filters.http.ext_proc": parts.routeOverride } } : {}),
  });
  return {
    admin: { address: { socket_address: { address: "127.0.0.1", port_value: 0 } } },
    static_resources: {
      listeners: [
        {
          name: "0.0.0.0_80",
          address: { socket_address: { address: "127.0.0.1", port_value: 0 } },
          filter_chains: [
            {
              filters: [
                {
                  name: "envoy.filters.network.http_connection_manager",
                  typed_config: {
                    "@type":
                      "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
                    stat_prefix: "outbound_0.0.0.0_80",
                    route_config: {
                      name: "http.80",
                      virtual_hosts: [
                        {
                          name: "*:80",
                          domains: ["*"],
                          routes: [
                            poolRoute(
                              "my-first-model.qwen3-0-6b-kserve-route.0",
                              "/my-first-model/qwen3-0-6b/v1/chat/completions",
                            ),
                            poolRoute(
                              "my-first-model.qwen3-0-6b-kserve-route.1",
                              "/my-first-model/qwen3-0-6b/v1/completions",
                            ),
                            {
                              name: "my-first-model.qwen3-0-6b-kserve-route.2",
                              match: { prefix: "/my-first-model/qwen3-0-6b" },
                              route: { cluster: SERVICE_CLUSTER, prefix_rewrite: "/", timeout: "0s" },
                            },
                          ],
                        },
                      ],
                    },
                    http_filters: [
                      { name: "envoy.filters.http.ext_proc", typed_config: parts.baseFilter },
                      {
                        name: "envoy.filters.http.router",
                        typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" },
                      },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
      clusters: [
        {
          name: POOL_CLUSTER,
          type: "STATIC",
          connect_timeout: "10s",
          load_assignment: endpoints(POOL_CLUSTER, parts.pods),
          load_balancing_policy: {
            policies: [
              {
                typed_extension_config: {
                  name: "envoy.load_balancing_policies.override_host",
                  typed_config: {
                    "@type":
                      "type.googleapis.com/envoy.extensions.load_balancing_policies.override_host.v3.OverrideHost",
                    override_host_sources: [
                      { metadata: { key: "envoy.lb", path: [{ key: "x-gateway-destination-endpoint" }] } },
                    ],
                    fallback_policy: {
                      policies: [
                        {
                          typed_extension_config: {
                            name: "envoy.load_balancing_policies.round_robin",
                            typed_config: {
                              "@type":
                                "type.googleapis.com/envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin",
                            },
                          },
                        },
                      ],
                    },
                  },
                },
              },
            ],
          },
        },
        {
          name: SERVICE_CLUSTER,
          type: "STATIC",
          connect_timeout: "10s",
          load_assignment: endpoints(SERVICE_CLUSTER, parts.pods),
        },
        {
          name: EPP_CLUSTER,
          type: "STATIC",
          connect_timeout: "10s",
          load_assignment: endpoints(EPP_CLUSTER, [parts.epp]),
          typed_extension_protocol_options: {
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
              explicit_http_config: { http2_protocol_options: {} },
            },
          },
          transport_socket: {
            name: "envoy.transport_sockets.tls",
            typed_config: {
              "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
              sni: EPP_SNI,
              common_tls_context: { validation_context: { trusted_ca: { inline_string: parts.eppCaPem } } },
            },
          },
        },
      ],
    },
  };
}
