// /stats under the bootstrap's stats_config (Istio's default inclusion list hides the per-cluster
// stats that /clusters still shows), ?filter and ?format=json, /stats/prometheus with Envoy's or
// Istio's tag extraction, /server_info, /listeners, /certs and the admin's 404.
import { CertificateAuthority, silentSink } from "@testbed/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GatewayHandle, startGateway } from "../src/gateway.js";
import { type EchoUpstream, startEchoUpstream } from "./echo-upstream.js";
import { simpleConfig } from "./fixtures/simple-config.js";

type Json = Record<string, unknown>;

/** The stats_matcher Istio 1.26's pilot-agent writes (pkg/bootstrap/config.go, envoy_bootstrap.json). */
const ISTIO_STATS_MATCHER = {
  inclusion_list: {
    patterns: [
      { prefix: "reporter=" },
      { prefix: "cluster_manager" },
      { prefix: "listener_manager" },
      { prefix: "server" },
      { prefix: "cluster.xds-grpc" },
      { prefix: "wasm" },
      { suffix: "rbac.allowed" },
      { suffix: "rbac.denied" },
      { suffix: "shadow_allowed" },
      { suffix: "shadow_denied" },
      { safe_regex: { regex: "vhost\\..*\\.route\\..*" } },
      { prefix: "component" },
      { prefix: "istio" },
    ],
  },
};

/** Istio's cluster_name tag (envoy_bootstrap.json stats_tags), with Envoy's defaults off. */
const ISTIO_STATS_TAGS = {
  use_all_default_tags: false,
  stats_tags: [
    { tag_name: "cluster_name", regex: "^cluster\\.((.+?(\\..+?\\.svc\\.cluster\\.local)?)\\.)" },
    {
      tag_name: "http_conn_manager_prefix",
      regex: "^http\\.(((?:[_.[:digit:]]*|[_\\[\\]aAbBcCdDeEfF[:digit:]]*))\\.)",
    },
  ],
};

const MESH_CLUSTER = "outbound|8000||qwen-kserve-workload-svc.my-first-model.svc.cluster.local";

let upstream: EchoUpstream;
const gateways: GatewayHandle[] = [];

beforeAll(async () => {
  upstream = await startEchoUpstream();
});

afterAll(async () => {
  for (const gateway of gateways) await gateway.close();
  await upstream.close();
});

async function gatewayWith(extra: Json = {}, rename = false, options: Parameters<typeof startGateway>[1] = {}) {
  let config: Json = { ...simpleConfig({ upstream: [upstream.hostPort] }), ...extra };
  if (rename) config = JSON.parse(JSON.stringify(config).replaceAll('"backend"', JSON.stringify(MESH_CLUSTER)));
  const g = await startGateway(config, { accessLogSink: silentSink, log: silentSink, ...options });
  gateways.push(g);
  const base = Object.values(g.listenerUrls)[0] ?? "";
  expect((await fetch(`${base}/v1/models`)).status).toBe(200);
  return g;
}

const admin = async (g: GatewayHandle, path: string) => {
  const response = await fetch(`${g.adminUrl}${path}`);
  return { status: response.status, type: response.headers.get("content-type"), text: await response.text() };
};

describe("/stats", () => {
  it("lists every stat when the bootstrap has no stats_matcher", async () => {
    const g = await gatewayWith();
    const { text } = await admin(g, "/stats");
    expect(text).toContain("cluster.backend.upstream_rq_total: 1\n");
    expect(text).toContain("server.live: 1\n");
    const names = text
      .trim()
      .split("\n")
      .map((line) => line.split(":")[0] ?? "");
    expect(names).toEqual([...names].sort());
  });

  it("under Istio's default stats_matcher hides the cluster stats that /clusters still shows", async () => {
    const g = await gatewayWith({ stats_config: { stats_matcher: ISTIO_STATS_MATCHER } });
    const { text } = await admin(g, "/stats");
    expect(text).not.toContain("cluster.backend.");
    expect(text).toContain("cluster_manager.active_clusters: 1\n");
    expect(text).toContain("server.live: 1\n");
    expect((await admin(g, "/stats/prometheus")).text).not.toContain("upstream_rq_total");
    expect((await admin(g, "/clusters")).text).toContain(`backend::${upstream.hostPort}::rq_total::1`);
  });

  it("shows a cluster's stats again once proxyStatsMatcher adds it to the inclusion list", async () => {
    const patterns = [...ISTIO_STATS_MATCHER.inclusion_list.patterns, { safe_regex: { regex: ".*backend.*" } }];
    const g = await gatewayWith({ stats_config: { stats_matcher: { inclusion_list: { patterns } } } });
    expect((await admin(g, "/stats")).text).toContain("cluster.backend.upstream_rq_total: 1\n");
  });

  it("?filter keeps the names the regex finds; ?format=json lists name and value", async () => {
    const g = await gatewayWith();
    const filtered = (await admin(g, "/stats?filter=upstream_rq_(total|2xx)$")).text;
    expect(filtered).toBe("cluster.backend.upstream_rq_2xx: 1\ncluster.backend.upstream_rq_total: 1\n");
    const json = JSON.parse((await admin(g, "/stats?format=json&filter=rq_total")).text) as Json;
    expect(json.stats).toEqual([{ name: "cluster.backend.upstream_rq_total", value: 1 }]);
    expect((await admin(g, "/stats?filter=(")).status).toBe(400);
  });
});

describe("/stats/prometheus", () => {
  it("prefixes envoy_, cuts Envoy's default tags out of the name and prints them as labels", async () => {
    const g = await gatewayWith();
    const { text, type } = await admin(g, "/stats/prometheus");
    expect(type).toContain("text/plain");
    expect(text).toContain(
      '# TYPE envoy_cluster_upstream_rq_total counter\nenvoy_cluster_upstream_rq_total{envoy_cluster_name="backend"} 1\n',
    );
    expect(text).toContain("# TYPE envoy_cluster_upstream_cx_active gauge\n");
    expect(text).toContain("envoy_server_live 1\n");
    const filtered = (await admin(g, "/stats/prometheus?filter=upstream_rq_total")).text;
    expect(filtered).toBe(
      '# TYPE envoy_cluster_upstream_rq_total counter\nenvoy_cluster_upstream_rq_total{envoy_cluster_name="backend"} 1\n',
    );
    expect((await admin(g, "/stats?format=prometheus&filter=upstream_rq_total")).text).toBe(filtered);
  });

  it("with Istio's stats_tags labels a mesh cluster by its whole name", async () => {
    const g = await gatewayWith({ stats_config: ISTIO_STATS_TAGS }, true);
    const { text } = await admin(g, "/stats/prometheus");
    expect(text).toContain(`envoy_cluster_upstream_rq_total{cluster_name="${MESH_CLUSTER}"} 1\n`);
  });
});

describe("admin surface", () => {
  it("/server_info reports the gateway's Envoy version profile", async () => {
    const byDefault = JSON.parse((await admin(await gatewayWith(), "/server_info")).text) as Json;
    expect(byDefault).toMatchObject({ state: "LIVE", hot_restart_version: "disabled" });
    expect(String(byDefault.version).split("/")[1]).toBe("1.34.0");
    const newer = await gatewayWith({ node: { id: "router~10.0.0.1~gw~ns.svc.cluster.local" } }, false, {
      envoyVersion: "1.36",
    });
    const info = JSON.parse((await admin(newer, "/server_info")).text) as Json;
    expect(String(info.version)).toMatch(/^[0-9a-f]{40}\/1\.36\.0\/Clean\/RELEASE\/BoringSSL$/);
    expect(info.node).toEqual({ id: "router~10.0.0.1~gw~ns.svc.cluster.local" });
  });

  it("/listeners names each listener with the address it is bound to", async () => {
    const g = await gatewayWith();
    const port = new URL(g.listenerUrls.test ?? "").port;
    expect((await admin(g, "/listeners")).text).toBe(`test::127.0.0.1:${port}\n`);
    expect(JSON.parse((await admin(g, "/listeners?format=json")).text)).toEqual({
      listener_statuses: [
        { name: "test", local_address: { socket_address: { address: "127.0.0.1", port_value: Number(port) } } },
      ],
    });
  });

  it("/certs describes the listener's certificate and the cluster's CA, never a key", async () => {
    const ca = await CertificateAuthority.create("CN=ingress-operator");
    const pair = await ca.issue({ name: "CN=gw.apps.testbed.local", dnsNames: ["gw.apps.testbed.local"] });
    const config = simpleConfig({
      upstream: [upstream.hostPort],
      listenerTls: pair,
      upstreamTls: { caPem: ca.certPem },
    });
    const g = await startGateway(config, { accessLogSink: silentSink, log: silentSink });
    gateways.push(g);
    const { text } = await admin(g, "/certs");
    expect(text).not.toContain("PRIVATE KEY");
    const [listener, cluster] = (JSON.parse(text) as { certificates: Json[] }).certificates as [Json, Json];
    const chain = (listener.cert_chain as Json[])[0] as Json;
    expect(chain).toMatchObject({ path: "<inline>", subject_alt_names: [{ dns: "gw.apps.testbed.local" }] });
    expect(Number(chain.days_until_expiration)).toBeGreaterThan(0);
    expect(String(chain.serial_number)).toMatch(/^[0-9a-f]+$/);
    expect((cluster.ca_cert as Json[]).length).toBe(1);
  });

  it("an unknown admin path is a 404 listing the commands", async () => {
    const g = await gatewayWith();
    const { status, text } = await admin(g, "/nope");
    expect(status).toBe(404);
    expect(text).toContain("invalid path. admin commands are:\n");
    expect(text).toContain("  /config_dump: dump current Envoy configs (experimental)\n");
  });
});
