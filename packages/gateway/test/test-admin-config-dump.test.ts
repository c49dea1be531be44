// /config_dump as Envoy's ConfigDumpHandler prints it: {"configs": [...]} per config tracker key,
// static_* or dynamic_* resources by how the config arrived, ?resource / ?mask / ?name_regex /
// ?include_eds, and the listener's TLS private key redacted.
import { CertificateAuthority, silentSink } from "@testbed/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redact } from "../src/admin/redaction.js";
import { type GatewayHandle, startGateway } from "../src/gateway.js";
import { type EchoUpstream, startEchoUpstream } from "./echo-upstream.js";
import { simpleConfig } from "./fixtures/simple-config.js";

type Json = Record<string, unknown>;

const ADMIN = "type.googleapis.com/envoy.admin.v3.";
let upstream: EchoUpstream;
let pair: { cert: string; key: string };
const gateways: GatewayHandle[] = [];

beforeAll(async () => {
  upstream = await startEchoUpstream();
  const ca = await CertificateAuthority.create("CN=ingress-operator");
  pair = await ca.issue({ name: "CN=gw.apps.testbed.local", dnsNames: ["gw.apps.testbed.local"] });
});

afterAll(async () => {
  for (const gateway of gateways) await gateway.close();
  await upstream.close();
});

async function gateway(options: Parameters<typeof startGateway>[1] = {}, config?: Json): Promise<GatewayHandle> {
  const g = await startGateway(config ?? simpleConfig({ upstream: [upstream.hostPort], listenerTls: pair }), {
    accessLogSink: silentSink,
    log: silentSink,
    ...options,
  });
  gateways.push(g);
  return g;
}

async function dump(g: GatewayHandle, query = ""): Promise<{ status: number; text: string; json: () => Json }> {
  const response = await fetch(`${g.adminUrl}/config_dump${query}`);
  const text = await response.text();
  return { status: response.status, text, json: () => JSON.parse(text) as Json };
}

const configsOf = (body: Json) => (body.configs ?? []) as Json[];
const typesOf = (body: Json) => configsOf(body).map((c) => String(c["@type"]).replace(ADMIN, ""));

describe("/config_dump", () => {
  it("never prints the listener's private key: Envoy redacts sensitive fields to [redacted]", async () => {
    const g = await gateway();
    const { status, text, json } = await dump(g);
    expect(status).toBe(200);
    expect(text).not.toContain(pair.key.trim().split("\n")[1]);
    expect(text).not.toContain("PRIVATE KEY");
    const listeners = configsOf(json()).find((c) => c["@type"] === `${ADMIN}ListenersConfigDump`) as Json;
    const listener = (listeners.static_listeners as Json[])[0]?.listener as Json;
    const tls = JSON.stringify(listener.filter_chains);
    expect(tls).toContain('"private_key":{"inline_string":"[redacted]"}');
    // The certificate is not secret and stays readable.
    expect(tls).toContain("BEGIN CERTIFICATE");
    const bootstrap = configsOf(json())[0]?.bootstrap as Json;
    expect(JSON.stringify(bootstrap)).toContain('"private_key":{"inline_string":"[redacted]"}');
  });

  it("lists Envoy's dump messages in config tracker key order, resources as static_* for a bootstrap", async () => {
    const g = await gateway();
    const body = (await dump(g)).json();
    expect(typesOf(body)).toEqual([
      "BootstrapConfigDump",
      "ClustersConfigDump",
      "ListenersConfigDump",
      "ScopedRoutesConfigDump",
      "RoutesConfigDump",
      "SecretsConfigDump",
    ]);
    const [, clusters, listeners, , routes] = configsOf(body) as [Json, Json, Json, Json, Json];
    const staticClusters = clusters.static_clusters as Json[];
    expect(staticClusters.map((c) => (c.cluster as Json).name)).toEqual(["backend"]);
    expect((staticClusters[0]?.cluster as Json | undefined)?.["@type"]).toBe(
      "type.googleapis.com/envoy.config.cluster.v3.Cluster",
    );
    expect(String(staticClusters[0]?.last_updated)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/);
    expect(listeners.dynamic_listeners).toBeUndefined();
    expect(((listeners.static_listeners as Json[])[0]?.listener as Json | undefined)?.["@type"]).toBe(
      "type.googleapis.com/envoy.config.listener.v3.Listener",
    );
    const routeConfig = (routes.static_route_configs as Json[])[0]?.route_config as Json;
    expect(routeConfig["@type"]).toBe("type.googleapis.com/envoy.config.route.v3.RouteConfiguration");
    expect(JSON.stringify(routeConfig.virtual_hosts)).toContain("backend-route");
  });

  it("reports pushed resources as dynamic, each with the version and time of the push that last changed it", async () => {
    const first = simpleConfig({ upstream: [upstream.hostPort] });
    const g = await gateway({ configDelivery: "xds" }, first);
    const before = (await dump(g)).json();
    const listenersBefore = configsOf(before)[2] as Json;
    expect(listenersBefore.version_info).toMatch(/Z\/1$/);
    const activeBefore = ((listenersBefore.dynamic_listeners as Json[])[0]?.active_state ?? {}) as Json;
    expect(activeBefore.version_info).toBe(listenersBefore.version_info);
    // The bootstrap pilot-agent wrote holds no listeners or clusters: those came over xDS.
    const bootstrap = configsOf(before)[0]?.bootstrap as Json | undefined;
    expect(bootstrap).toBeDefined();
    expect(bootstrap?.static_resources).toBeUndefined();

    const second = structuredClone(first) as { static_resources: { clusters: Json[] } };
    (second.static_resources.clusters[0] as Json).connect_timeout = "3s";
    await g.update(second);
    const after = (await dump(g)).json();
    const clusters = configsOf(after)[1] as Json;
    expect(clusters.version_info).toMatch(/Z\/2$/);
    expect((clusters.dynamic_active_clusters as Json[])[0]?.version_info).toMatch(/Z\/2$/);
    const listenersAfter = configsOf(after)[2] as Json;
    expect(listenersAfter.version_info).toMatch(/Z\/2$/);
    // The listener did not change in the second push: it keeps the first push's version.
    expect(((listenersAfter.dynamic_listeners as Json[])[0]?.active_state as Json | undefined)?.version_info).toMatch(
      /Z\/1$/,
    );
  });

  it("?resource= lists one repeated field's entries, ?mask= trims them with FieldMask semantics", async () => {
    const g = await gateway();
    const clusters = (await dump(g, "?resource=static_clusters&mask=cluster.name,cluster.type")).json();
    expect(configsOf(clusters)).toEqual([
      {
        "@type": `${ADMIN}ClustersConfigDump.StaticCluster`,
        cluster: { "@type": "type.googleapis.com/envoy.config.cluster.v3.Cluster", name: "backend", type: "STATIC" },
      },
    ]);
    const listeners = (await dump(g, "?mask=static_listeners")).json();
    expect(typesOf(listeners)).toEqual(["ListenersConfigDump"]);
    expect(Object.keys(configsOf(listeners)[0] ?? {})).toEqual(["@type", "static_listeners"]);
  });

  it("answers a bad ?resource or ?mask with Envoy's status and message", async () => {
    const g = await gateway();
    expect(await dump(g, "?resource=version_info")).toMatchObject({
      status: 400,
      text: "version_info is not a repeated field. Use ?mask=version_info to get only this field",
    });
    expect(await dump(g, "?resource=no_such_field")).toMatchObject({
      status: 404,
      text: "no_such_field not found in config dump",
    });
    expect(await dump(g, "?mask=no_such_field")).toMatchObject({
      status: 400,
      text: "FieldMask no_such_field could not be successfully applied to any configs.",
    });
    // A repeated field cannot be indexed through.
    expect((await dump(g, "?mask=static_clusters.cluster")).status).toBe(400);
    expect(await dump(g, "?resource=static_clusters&mask=cluster.no_such_field")).toMatchObject({
      status: 400,
      text: 'FieldMask paths: "cluster.no_such_field"\n could not be successfully used.',
    });
  });

  it("?name_regex= keeps resources whose name matches whole; ?include_eds adds the endpoints", async () => {
    const config = simpleConfig({ upstream: [upstream.hostPort], processor: "127.0.0.1:1" });
    const g = await gateway({}, config);
    const named = (await dump(g, "?resource=static_clusters&name_regex=proc.*")).json();
    expect(configsOf(named).map((c) => (c.cluster as Json).name)).toEqual(["processor"]);
    expect(configsOf((await dump(g, "?resource=static_clusters&name_regex=proc")).json())).toEqual([]);
    const withEds = (await dump(g, "?include_eds")).json();
    expect(typesOf(withEds)).toContain("EndpointsConfigDump");
    const endpoints = configsOf(withEds).find((c) => c["@type"] === `${ADMIN}EndpointsConfigDump`) as Json;
    expect(JSON.stringify(endpoints.static_endpoint_configs)).toContain(
      `"port_value":${Number(upstream.hostPort.split(":")[1])}`,
    );
    expect(typesOf((await dump(g)).json())).not.toContain("EndpointsConfigDump");
  });
});

describe("redaction", () => {
  it("redacts every sensitive field Envoy marks, strings and bytes alike, and nothing else", () => {
    const secret = {
      name: "s",
      tls_certificate: {
        certificate_chain: { filename: "/etc/cert.pem" },
        private_key: { filename: "/etc/key.pem" },
        password: { inline_bytes: "c2VjcmV0" },
      },
      session_ticket_keys: { keys: [{ inline_bytes: "AAAA" }] },
      generic_secret: { secret: { inline_string: "token" } },
    };
    expect(redact(secret)).toEqual({
      name: "s",
      tls_certificate: {
        certificate_chain: { filename: "/etc/cert.pem" },
        private_key: { filename: "[redacted]" },
        password: { inline_bytes: Buffer.from("[redacted]").toString("base64") },
      },
      session_ticket_keys: { keys: [{ inline_bytes: Buffer.from("[redacted]").toString("base64") }] },
      generic_secret: { secret: { inline_string: "[redacted]" } },
    });
  });
});
