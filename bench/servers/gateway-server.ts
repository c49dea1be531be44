import { silentSink } from "@testbed/common";
import { startGateway } from "@testbed/gateway";

// A gateway in front of UPSTREAM (host:port); with EPP (host:port) set, every request goes through
// a full-duplex ext_proc exchange with it, as the InferencePool route does. Prints READY <url>.
const [address, port] = (process.env.UPSTREAM ?? "127.0.0.1:8000").split(":");
const epp = process.env.EPP;
const socket = (hostPort: string) => {
  const [a, p] = hostPort.split(":");
  return { socket_address: { address: a, port_value: Number(p) } };
};
const filters: unknown[] = [];
if (epp) {
  filters.push({
    name: "envoy.filters.http.ext_proc",
    typed_config: {
      grpc_service: { envoy_grpc: { cluster_name: "epp" } },
      processing_mode: {
        request_header_mode: "SEND",
        response_header_mode: "SEND",
        request_body_mode: "FULL_DUPLEX_STREAMED",
        response_body_mode: "FULL_DUPLEX_STREAMED",
        request_trailer_mode: "SEND",
        response_trailer_mode: "SEND",
      },
      message_timeout: "10s",
    },
  });
}
filters.push({ name: "envoy.filters.http.router" });
const clusters: unknown[] = [
  {
    name: "pool",
    type: "STATIC",
    load_assignment: {
      cluster_name: "pool",
      endpoints: [
        { lb_endpoints: [{ endpoint: { address: { socket_address: { address, port_value: Number(port) } } } }] },
      ],
    },
    load_balancing_policy: {
      policies: [
        {
          typed_extension_config: {
            name: "envoy.load_balancing_policies.override_host",
            typed_config: {
              "@type": "type.googleapis.com/envoy.extensions.load_balancing_policies.override_host.v3.OverrideHost",
              override_host_sources: [
                { metadata: { key: "envoy.lb", path: [{ key: "x-gateway-destination-endpoint" }] } },
              ],
            },
          },
        },
      ],
    },
  },
];
if (epp)
  clusters.push({
    name: "epp",
    type: "STATIC",
    http2_protocol_options: {},
    load_assignment: { cluster_name: "epp", endpoints: [{ lb_endpoints: [{ endpoint: { address: socket(epp) } }] }] },
  });
const gateway = await startGateway(
  {
    static_resources: {
      listeners: [
        {
          name: "bench",
          address: { socket_address: { address: "127.0.0.1", port_value: 0 } },
          filter_chains: [
            {
              filters: [
                {
                  name: "envoy.filters.network.http_connection_manager",
                  typed_config: {
                    stat_prefix: "bench",
                    route_config: {
                      virtual_hosts: [
                        {
                          name: "all",
                          domains: ["*"],
                          routes: [{ match: { prefix: "/" }, route: { cluster: "pool", timeout: "0s" } }],
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
  },
  // TRACE=off: no routing trace (bench/trace-overhead.ts compares the two).
  { accessLogSink: silentSink, log: silentSink, trace: process.env.TRACE !== "off" },
);
process.stdout.write(`READY ${Object.values(gateway.listenerUrls)[0]}\n`);

// Exit cleanly on SIGTERM so `node --cpu-prof` can write its profile.
process.on("SIGTERM", () => process.exit(0));
