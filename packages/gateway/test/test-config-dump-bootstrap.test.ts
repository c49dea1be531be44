// A gateway pod's /config_dump turned back into a bootstrap (config-dump-bootstrap.ts): RDS, EDS and
// SDS inlined, endpoints remapped by cluster name, what cannot run named — read from the fixture in
// Envoy's admin.v3 structure (test/fixtures/customer-cases/config-dump-bug1).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { bootstrapFromConfigDump } from "../src/config/config-dump-bootstrap.js";
import { endpointsOfConfigDump, parseClusterMapping } from "../src/config/config-dump-endpoints.js";
import { readGatewayConfig } from "../src/config/config-reader.js";

const FIXTURE = fileURLToPath(
  new URL("../../../test/fixtures/customer-cases/config-dump-bug1/config_dump.json", import.meta.url),
);
const dump = () => JSON.parse(readFileSync(FIXTURE, "utf8"));
const EPP = "outbound|9002||qwen3-0-6b-epp-service.my-first-model.svc.cluster.local";
const options = { clusterMap: {}, listenHost: "127.0.0.1", freePorts: true };
// biome-ignore lint/suspicious/noExplicitAny: the dump's JSON, walked by field names in assertions
type Raw = Record<string, any>;

describe("a config_dump as a bootstrap", () => {
  it("inlines the RDS route config, keeping Istio's ext_proc override on the InferencePool routes", async () => {
    const { bootstrap } = await bootstrapFromConfigDump(dump(), options);
    const { config } = readGatewayConfig(bootstrap);
    const https = config.listeners.find((listener) => listener.name === "0.0.0.0_443");
    const routes = https?.http_connection_manager.route_config.virtual_hosts[0]?.routes ?? [];
    const chat = routes.find((route) => route.name === "my-first-model.qwen3-0-6b-kserve-route.1");
    const override = ((chat?.typed_per_filter_config ?? {}) as Raw)["envoy.filters.http.ext_proc"].overrides;
    expect(override.processing_mode.request_body_mode).toBe("FULL_DUPLEX_STREAMED");
    expect(override.grpc_service.envoy_grpc.cluster_name).toBe(EPP);
    expect(https?.address.socket_address).toEqual({ address: "127.0.0.1", port_value: 0 });
  });

  it("serves a generated certificate where the dump's SDS key is redacted", async () => {
    const { bootstrap, notes } = await bootstrapFromConfigDump(dump(), options);
    const { config } = readGatewayConfig(bootstrap);
    const https = config.listeners.find((listener) => listener.name === "0.0.0.0_443");
    const certificate = https?.tls?.common_tls_context?.tls_certificates?.[0];
    expect(certificate?.private_key).toMatchObject({ inline_string: expect.stringContaining("PRIVATE KEY") });
    expect(notes).toContain(
      "listener 0.0.0.0_443: certificate kubernetes://openshift-ai-inference-tls is redacted in a config_dump; serving a generated self-signed one",
    );
  });

  it("turns EDS clusters into static ones with the mapped endpoints and the trusted CA", async () => {
    const { bootstrap } = await bootstrapFromConfigDump(dump(), {
      ...options,
      clusterMap: { [EPP]: [{ address: "127.0.0.9", port_value: 9002 }] },
      trustedCa: "/tmp/service-ca.crt",
    });
    const { config } = readGatewayConfig(bootstrap);
    const epp = config.clusters.find((cluster) => cluster.name === EPP);
    expect(epp?.type).toBe("STATIC");
    expect(epp?.endpoints).toEqual([{ address: "127.0.0.9", port_value: 9002 }]);
    expect(epp?.tls?.common_tls_context?.validation_context?.trusted_ca).toEqual({ filename: "/tmp/service-ca.crt" });
    expect(epp?.http2).toBe(true);
  });

  it("names what cannot run: unix-socket clusters, a listener without HTTP, a missing RDS config, unknown clusters", async () => {
    const input = dump();
    const listeners = input.configs.find((c: Raw) => c["@type"].endsWith("ListenersConfigDump"));
    listeners.dynamic_listeners.push(
      {
        name: "0.0.0.0_5432",
        active_state: {
          listener: {
            name: "0.0.0.0_5432",
            address: { socket_address: { address: "0.0.0.0", port_value: 5432 } },
            filter_chains: [{ filters: [{ name: "envoy.filters.network.tcp_proxy", typed_config: {} }] }],
          },
        },
      },
      { name: "0.0.0.0_8080", warming_state: {} },
    );
    const routes = input.configs.find((c: Raw) => c["@type"].endsWith(".RoutesConfigDump"));
    routes.dynamic_route_configs = [];
    const { unsupported } = await bootstrapFromConfigDump(input, { ...options, clusterMap: { nowhere: [] } });
    expect(unsupported).toEqual(
      expect.arrayContaining([
        "listener 0.0.0.0_8080: no active_state (warming or draining only), not run",
        "listener 0.0.0.0_5432: no http_connection_manager (envoy.filters.network.tcp_proxy), not run",
        expect.stringMatching(
          /^listener 0\.0\.0\.0_443: its RDS route config https\.443\.https\..* is not in the dump, not run$/,
        ),
        "cluster sds-grpc: a unix socket (pipe) address, left out",
        "cluster xds-grpc: a unix socket (pipe) address, left out",
        "--map-cluster nowhere: the dump has no cluster of that name",
      ]),
    );
  });

  it("refuses a document that is not a config_dump, naming what it expected", async () => {
    await expect(bootstrapFromConfigDump({ static_resources: {} }, options)).rejects.toThrow(
      /not an Envoy config_dump: expected \{"configs": \[\.\.\.\]\}/,
    );
  });

  it("reads a testbed gateway's endpoints and CA file by cluster name, and --map-cluster values", () => {
    const testbedDump = {
      configs: [
        {
          "@type": "type.googleapis.com/envoy.admin.v3.ClustersConfigDump",
          dynamic_active_clusters: [
            {
              cluster: {
                name: EPP,
                load_assignment: {
                  endpoints: [
                    {
                      lb_endpoints: [
                        { endpoint: { address: { socket_address: { address: "127.132.90.21", port_value: 9002 } } } },
                      ],
                    },
                  ],
                },
                transport_socket: {
                  typed_config: {
                    common_tls_context: {
                      combined_validation_context: {
                        validation_context_sds_secret_config: { name: "file-root:/tmp/pod/service-ca.crt" },
                      },
                    },
                  },
                },
              },
            },
          ],
        },
      ],
    };
    expect(endpointsOfConfigDump(testbedDump)).toEqual({
      clusterMap: { [EPP]: [{ address: "127.132.90.21", port_value: 9002 }] },
      trustedCa: "/tmp/pod/service-ca.crt",
    });
    expect(parseClusterMapping(`${EPP}=127.0.0.1:9002,[::1]:9003`)).toEqual([
      EPP,
      [
        { address: "127.0.0.1", port_value: 9002 },
        { address: "::1", port_value: 9003 },
      ],
    ]);
    expect(() => parseClusterMapping("epp=127.0.0.1")).toThrow(/127\.0\.0\.1 is not ADDR:PORT/);
  });
});
