// A minimal Envoy bootstrap for gateway tests: one listener, one route to one cluster, an optional
// ext_proc filter pointing at a processor cluster.

export interface SimpleConfigParts {
  upstream: string[];
  processor?: string;
  mode?: Record<string, string>;
  failureModeAllow?: boolean;
  messageTimeout?: string;
  routeTimeout?: string;
  retries?: number;
  upstreamTls?: { caPem?: string; sni?: string; insecure?: boolean };
  allowModeOverride?: boolean;
  clusterType?: string;
  listenerTls?: { cert: string; key: string };
}

const socket = (hostPort: string) => {
  const [address, port] = hostPort.split(":");
  return { socket_address: { address, port_value: Number(port) } };
};

/** The processing mode the EPP requires: every phase sent, bodies full-duplex streamed. */
export const EPP_PROCESSING_MODE = {
  request_header_mode: "SEND",
  response_header_mode: "SEND",
  request_body_mode: "FULL_DUPLEX_STREAMED",
  response_body_mode: "FULL_DUPLEX_STREAMED",
  request_trailer_mode: "SEND",
  response_trailer_mode: "SEND",
};

/** A STATIC cluster of one host; gRPC services (ext_proc, ext_authz, ratelimit) need `http2`. */
export function staticCluster(name: string, hostPort: string, http2 = true): Record<string, unknown> {
  return {
    name,
    type: "STATIC",
    ...(http2 ? { http2_protocol_options: {} } : {}),
    load_assignment: {
      cluster_name: name,
      endpoints: [{ lb_endpoints: [{ endpoint: { address: socket(hostPort) } }] }],
    },
  };
}

export function simpleConfig(parts: SimpleConfigParts): Record<string, unknown> {
  const filters: unknown[] = [];
  if (parts.processor !== undefined) {
    filters.push({
      name: "envoy.filters.http.ext_proc",
      typed_config: {
        "@type": "type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor",
        grpc_service: { envoy_grpc: { cluster_name: "processor" } },
        failure_mode_allow: parts.failureModeAllow ?? false,
        processing_mode: parts.mode ?? {},
        message_timeout: parts.messageTimeout ?? "5s",
        ...(parts.allowModeOverride ? { allow_mode_override: true } : {}),
      },
    });
  }
  filters.push({ name: "envoy.filters.http.router" });
  const clusters: unknown[] = [
    {
      name: "backend",
      type: parts.clusterType ?? "STATIC",
      connect_timeout: "2s",
      load_assignment: {
        cluster_name: "backend",
        endpoints: [{ lb_endpoints: parts.upstream.map((h) => ({ endpoint: { address: socket(h) } })) }],
      },
      ...(parts.upstreamTls
        ? {
            transport_socket: {
              name: "envoy.transport_sockets.tls",
              typed_config: {
                "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
                ...(parts.upstreamTls.sni ? { sni: parts.upstreamTls.sni } : {}),
                ...(parts.upstreamTls.insecure ? { insecure_skip_verify: true } : {}),
                ...(parts.upstreamTls.caPem
                  ? {
                      common_tls_context: {
                        validation_context: { trusted_ca: { inline_string: parts.upstreamTls.caPem } },
                      },
                    }
                  : {}),
              },
            },
          }
        : {}),
    },
  ];
  if (parts.processor !== undefined && parts.processor !== "") {
    clusters.push(staticCluster("processor", parts.processor));
  }
  return {
    admin: { address: { socket_address: { address: "127.0.0.1", port_value: 0 } } },
    static_resources: {
      listeners: [
        {
          name: "test",
          address: { socket_address: { address: "127.0.0.1", port_value: 0 } },
          filter_chains: [
            {
              ...(parts.listenerTls
                ? {
                    transport_socket: {
                      name: "envoy.transport_sockets.tls",
                      typed_config: {
                        common_tls_context: {
                          tls_certificates: [
                            {
                              certificate_chain: { inline_string: parts.listenerTls.cert },
                              private_key: { inline_string: parts.listenerTls.key },
                            },
                          ],
                        },
                      },
                    },
                  }
                : {}),
              filters: [
                {
                  name: "envoy.filters.network.http_connection_manager",
                  typed_config: {
                    stat_prefix: "test",
                    route_config: {
                      virtual_hosts: [
                        {
                          name: "all",
                          domains: ["*"],
                          routes: [
                            {
                              name: "direct",
                              match: { path: "/direct" },
                              direct_response: { status: 200, body: { inline_string: "direct ok" } },
                            },
                            {
                              name: "backend-route",
                              match: { prefix: "/" },
                              route: {
                                cluster: "backend",
                                ...(parts.routeTimeout ? { timeout: parts.routeTimeout } : {}),
                                ...(parts.retries !== undefined
                                  ? {
                                      retry_policy: {
                                        retry_on: "connect-failure,refused-stream,unavailable",
                                        num_retries: parts.retries,
                                      },
                                    }
                                  : {}),
                              },
                            },
                          ],
                        },
                      ],
                    },
                    http_filters: filters,
                  },
                },
              ],
            },
          ],
        },
      ],
      clusters,
    },
  };
}
