// What an Istio-generated gateway config asks of Envoy, checked at the gateway: SAN enforcement
// (match_subject_alt_names, auto_san_validation) with Istio's SDS-style CA, Istio's default retry
// policy (503 and connect failures retried on another host, resets not), weighted clusters, and a
// direct_response answered only after the filters before the router ran.
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, request as httpRequest } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { CertificateAuthority, silentSink } from "@testbed/common";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { type GatewayHandle, startGateway } from "../src/gateway.js";
import { routeCluster } from "../src/routing/weighted-clusters.js";
import { type LoopbackServer, listenOnLoopback } from "./loopback-server.js";

const HOST_NAME = "vllm.my-first-model.svc.cluster.local";
/** Istio's retry.go DefaultPolicy, as the mesh writes it. */
const ISTIO_RETRY_POLICY = {
  retry_on: "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes",
  num_retries: 2,
  retry_host_predicate: [{ name: "envoy.retry_host_predicates.previous_hosts" }],
  host_selection_retry_max_attempts: "5",
  retriable_status_codes: [503],
};

const socket = (hostPort: string) => {
  const [address, port] = hostPort.split(":");
  return { socket_address: { address, port_value: Number(port) } };
};

interface Parts {
  hosts: string[];
  transportSocket?: Record<string, unknown>;
  protocolOptions?: Record<string, unknown>;
  route: Record<string, unknown>;
  filters?: Record<string, unknown>[];
  extraClusters?: Record<string, unknown>[];
}

function config(parts: Parts): Record<string, unknown> {
  return {
    admin: { address: socket("127.0.0.1:0") },
    static_resources: {
      listeners: [
        {
          name: "test",
          address: socket("127.0.0.1:0"),
          filter_chains: [
            {
              filters: [
                {
                  name: "envoy.filters.network.http_connection_manager",
                  typed_config: {
                    stat_prefix: "test",
                    route_config: {
                      virtual_hosts: [{ name: "all", domains: ["*"], routes: [{ name: "r", ...parts.route }] }],
                    },
                    http_filters: [...(parts.filters ?? []), { name: "envoy.filters.http.router" }],
                  },
                },
              ],
            },
          ],
        },
      ],
      clusters: [
        {
          name: "backend",
          type: "STATIC",
          connect_timeout: "2s",
          load_assignment: {
            cluster_name: "backend",
            endpoints: [{ lb_endpoints: parts.hosts.map((h) => ({ endpoint: { address: socket(h) } })) }],
          },
          ...(parts.transportSocket ? { transport_socket: parts.transportSocket } : {}),
          ...(parts.protocolOptions
            ? {
                typed_extension_protocol_options: {
                  "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
                    "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
                    ...parts.protocolOptions,
                  },
                },
              }
            : {}),
        },
        ...(parts.extraClusters ?? []),
      ],
    },
  };
}

/** A DestinationRule's SIMPLE TLS as cluster_tls.go writes it: CA over SDS (file-root:), exact SANs. */
function istioTls(caFile: string, sans: string[] = [], sni?: string): Record<string, unknown> {
  return {
    name: "envoy.transport_sockets.tls",
    typed_config: {
      "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
      common_tls_context: {
        tls_params: { tls_minimum_protocol_version: "TLSv1_2", tls_maximum_protocol_version: "TLSv1_3" },
        combined_validation_context: {
          default_validation_context: sans.length ? { match_subject_alt_names: sans.map((exact) => ({ exact })) } : {},
          validation_context_sds_secret_config: {
            name: `file-root:${caFile}`,
            sds_config: {
              api_config_source: { api_type: "GRPC", grpc_services: [{ envoy_grpc: { cluster_name: "sds-grpc" } }] },
            },
          },
        },
      },
      ...(sni ? { sni } : {}),
    },
  };
}

interface Reply {
  status: number;
  body: string;
}

function get(gateway: GatewayHandle, path = "/", host?: string): Promise<Reply> {
  const url = new URL(path, gateway.listenerUrls.test);
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: host ? { host } : {} }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
    req.end();
  });
}

function clusterStats(gateway: GatewayHandle): Record<string, number> {
  return gateway.runtime().clusters.get("backend")?.runtime.stats.values as unknown as Record<string, number>;
}

const started: Array<{ close(): Promise<void> }> = [];
async function gatewayFor(parts: Parts): Promise<GatewayHandle> {
  const gateway = await startGateway(config(parts), { accessLogSink: silentSink, log: silentSink });
  started.push(gateway);
  return gateway;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

describe("upstream TLS as Istio configures it", () => {
  let caFile: string;
  let pod: LoopbackServer;
  const sniSeen: Array<string | false> = [];

  beforeAll(async () => {
    const authority = await CertificateAuthority.create("CN=openshift-service-serving-signer");
    const pair = await authority.issue({ name: `CN=${HOST_NAME}`, dnsNames: [HOST_NAME] });
    caFile = join(mkdtempSync(join(tmpdir(), "istio-ca-")), "service-ca.crt");
    writeFileSync(caFile, authority.certPem);
    const server = createHttpsServer({ cert: pair.cert, key: pair.key }, (request, response) => {
      sniSeen.push((request.socket as TLSSocket & { servername?: string | false }).servername ?? false);
      response.end("ok");
    });
    pod = await listenOnLoopback(server);
    started.length = 0;
    return () => pod.close();
  });

  it("verifies against the SDS file-root CA and passes when a SAN matches", async () => {
    const gateway = await gatewayFor({
      hosts: [pod.hostPort],
      transportSocket: istioTls(caFile, [HOST_NAME]),
      route: { match: { prefix: "/" }, route: { cluster: "backend" } },
    });
    expect(await get(gateway)).toEqual({ status: 200, body: "ok" });
    expect(clusterStats(gateway)["ssl.handshake"]).toBe(1);
  });

  it("fails the handshake on a SAN mismatch: 503 UF, ssl.fail_verify_san (not fail_verify_error)", async () => {
    const gateway = await gatewayFor({
      hosts: [pod.hostPort],
      transportSocket: istioTls(caFile, ["other.my-first-model.svc.cluster.local"]),
      route: { match: { prefix: "/" }, route: { cluster: "backend" } },
    });
    const reply = await get(gateway);
    expect(reply.status).toBe(503);
    expect(reply.body).toContain("CERTIFICATE_VERIFY_FAILED");
    const stats = clusterStats(gateway);
    expect(stats["ssl.fail_verify_san"]).toBe(1);
    expect(stats["ssl.fail_verify_error"]).toBe(0);
    expect(stats.upstream_cx_connect_fail).toBe(1);
  });

  it("auto_sni / auto_san_validation: the Host becomes the SNI and must be in the certificate", async () => {
    const gateway = await gatewayFor({
      hosts: [pod.hostPort],
      transportSocket: istioTls(caFile),
      protocolOptions: { upstream_http_protocol_options: { auto_sni: true, auto_san_validation: true } },
      route: { match: { prefix: "/" }, route: { cluster: "backend" } },
    });
    sniSeen.length = 0;
    expect((await get(gateway, "/", HOST_NAME)).status).toBe(200);
    expect(sniSeen).toEqual([HOST_NAME]);
    // The client's Host is an address the certificate does not name.
    expect((await get(gateway, "/", "10.0.0.1:80")).status).toBe(503);
    expect(clusterStats(gateway)["ssl.fail_verify_san"]).toBe(1);
  });

  it("refuses SAN matchers without a trusted CA, naming the field", async () => {
    const transportSocket = {
      name: "envoy.transport_sockets.tls",
      typed_config: {
        common_tls_context: { validation_context: { match_subject_alt_names: [{ exact: HOST_NAME }] } },
      },
    };
    await expect(
      startGateway(
        config({
          hosts: [pod.hostPort],
          transportSocket,
          route: { match: { prefix: "/" }, route: { cluster: "backend" } },
        }),
        {
          accessLogSink: silentSink,
          log: silentSink,
        },
      ),
    ).rejects.toThrow(
      "static_resources.clusters[0].transport_socket.typed_config.common_tls_context: SAN-based verification of peer certificates without trusted CA is insecure and not allowed",
    );
  });
});

describe("Istio's default retry policy at the gateway", () => {
  const servers: LoopbackServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function upstream(
    answer: (hits: number) => number | "reset",
  ): Promise<{ hostPort: string; hits: () => number; close: () => Promise<void> }> {
    let hits = 0;
    const server = createHttpServer((request, response) => {
      hits++;
      const outcome = answer(hits);
      if (outcome === "reset") {
        request.socket.destroy();
        return;
      }
      response.writeHead(outcome, { "content-type": "text/plain" }).end(`status ${outcome}`);
    });
    const listening = await listenOnLoopback(server);
    servers.push(listening);
    return { hostPort: listening.hostPort, hits: () => hits, close: listening.close };
  }

  it("retries a 503 on another host (previous_hosts) and counts the retry", async () => {
    const failing = await upstream(() => 503);
    const healthy = await upstream(() => 200);
    const gateway = await gatewayFor({
      hosts: [failing.hostPort, healthy.hostPort],
      route: { match: { prefix: "/" }, route: { cluster: "backend", retry_policy: ISTIO_RETRY_POLICY } },
    });
    expect(await get(gateway)).toEqual({ status: 200, body: "status 200" });
    expect(failing.hits()).toBe(1);
    const stats = clusterStats(gateway);
    expect(stats.upstream_rq_retry).toBe(1);
    expect(stats.upstream_rq_retry_success).toBe(1);
  });

  it("gives the client the last 503 itself, flagged URX, after two retries", async () => {
    const failing = await upstream(() => 503);
    const gateway = await gatewayFor({
      hosts: [failing.hostPort],
      route: { match: { prefix: "/" }, route: { cluster: "backend", retry_policy: ISTIO_RETRY_POLICY } },
    });
    expect(await get(gateway)).toEqual({ status: 503, body: "status 503" });
    expect(failing.hits()).toBe(3);
    expect(clusterStats(gateway).upstream_rq_retry_limit_exceeded).toBe(1);
    expect(gateway.accessLog.lines.at(-1)).toContain(" 503 URX via_upstream ");
  });

  it("does not retry a reset after the request went out (no `reset` in Istio's retry_on), but `reset` would", async () => {
    const resetting = await upstream((hits) => (hits === 1 ? "reset" : 200));
    const gateway = await gatewayFor({
      hosts: [resetting.hostPort],
      route: { match: { prefix: "/" }, route: { cluster: "backend", retry_policy: ISTIO_RETRY_POLICY } },
    });
    expect((await get(gateway)).status).toBe(503);
    expect(resetting.hits()).toBe(1);
    const withReset = await gatewayFor({
      hosts: [resetting.hostPort],
      route: {
        match: { prefix: "/" },
        route: { cluster: "backend", retry_policy: { ...ISTIO_RETRY_POLICY, retry_on: "reset" } },
      },
    });
    expect((await get(withReset)).status).toBe(200);
  });

  it("retries a refused connection on the next host", async () => {
    const healthy = await upstream(() => 200);
    const closed = await upstream(() => 200);
    await closed.close();
    servers.pop();
    const gateway = await gatewayFor({
      hosts: [closed.hostPort, healthy.hostPort],
      route: { match: { prefix: "/" }, route: { cluster: "backend", retry_policy: ISTIO_RETRY_POLICY } },
    });
    expect((await get(gateway)).status).toBe(200);
    expect(clusterStats(gateway).upstream_cx_connect_fail).toBe(1);
  });
});

describe("weighted clusters and direct responses", () => {
  it("splits by weight as the router does: each cluster owns the share its weight covers, weight 0 none", () => {
    const action = {
      weighted_clusters: {
        clusters: [
          { name: "a", weight: 3 },
          { name: "zero", weight: 0 },
          { name: "b", weight: 1 },
        ],
      },
    };
    const picks = [0, 0.2, 0.5, 0.74, 0.75, 0.99].map((r) => routeCluster(action, r));
    expect(picks).toEqual(["a", "a", "a", "a", "b", "b"]);
    expect(routeCluster({ cluster: "single" }, 0.9)).toBe("single");
  });

  it("runs the filters before a direct_response: a failing ext_authz answers 403 first", async () => {
    const gateway = await gatewayFor({
      hosts: ["127.0.0.1:1"],
      route: { match: { prefix: "/" }, direct_response: { status: 500 } },
      filters: [
        {
          name: "envoy.filters.http.ext_authz",
          typed_config: {
            "@type": "type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz",
            grpc_service: { envoy_grpc: { cluster_name: "authz" } },
          },
        },
      ],
      extraClusters: [
        {
          name: "authz",
          type: "STATIC",
          http2_protocol_options: {},
          load_assignment: {
            cluster_name: "authz",
            endpoints: [{ lb_endpoints: [{ endpoint: { address: socket("127.0.0.1:1") } }] }],
          },
        },
      ],
    });
    expect((await get(gateway)).status).toBe(403);
  });
});
