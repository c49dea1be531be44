import type { KubeObject } from "@testbed/apimachinery";
import { readGatewayConfig } from "@testbed/gateway";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { applyEnvoyFilters } from "../src/controllers/mesh/envoy-filter/apply-envoy-filters.js";
import { protoMerge } from "../src/controllers/mesh/envoy-filter/proto-merge.js";
import { pushToProxy } from "../src/controllers/mesh/envoy-filter/xds-nack.js";
import { generateGatewayConfig } from "../src/controllers/mesh/gateway-config.js";
import { gatewayPodLabels } from "../src/controllers/mesh/gateway-deployment.js";
import { snapshotFromObjects } from "../src/controllers/mesh/mesh-snapshot.js";
import type { EnvoyConfig } from "../src/controllers/mesh-config-hub.js";
import { cluster, clusters, effectiveOnRoute, httpFilters, route } from "./config-inspection.js";
import { SEED_ENVOY_FILTER_YAML, seedClusterObjects } from "./fixtures/seed-cluster.js";

const EPP_CLUSTER = "outbound|9002||qwen3-0-6b-epp-service.my-first-model.svc.cluster.local";
const CHAT = "my-first-model.qwen3-0-6b-kserve-route.1";
const CATCH_ALL = "my-first-model.qwen3-0-6b-kserve-route.2";
const HCM = "envoy.filters.network.http_connection_manager";
const snapshot = snapshotFromObjects(seedClusterObjects());
let age = 0;

function patched(gatewayName: string, filters: KubeObject[]) {
  const gateway = snapshot.gateways.find((g) => g.metadata.name === gatewayName) as KubeObject;
  const { config } = generateGatewayConfig(snapshot, gateway, { istio: "1.26" });
  return applyEnvoyFilters(config, filters, {
    namespace: "openshift-ingress",
    gatewayName,
    podLabels: gatewayPodLabels(gateway),
  });
}

function envoyFilter(name: string, spec: Record<string, unknown>, namespace = "openshift-ingress"): KubeObject {
  age += 1;
  return {
    apiVersion: "networking.istio.io/v1alpha3",
    kind: "EnvoyFilter",
    metadata: { name, namespace, creationTimestamp: `2026-01-01T01:00:${String(age).padStart(2, "0")}Z` },
    spec,
  };
}

const seedFilter = parse(SEED_ENVOY_FILTER_YAML) as KubeObject;

/** The seed's first attempt (Bug 1 fix): the body mode changed per route, applyTo HTTP_ROUTE. */
const routeLevelFix = envoyFilter("fix-extproc-body-mode", {
  workloadSelector: { labels: { "gateway.networking.k8s.io/gateway-name": "openshift-ai-inference" } },
  configPatches: [
    {
      applyTo: "HTTP_ROUTE",
      match: { context: "GATEWAY", routeConfiguration: { vhost: { route: { name: CHAT } } } },
      patch: {
        operation: "MERGE",
        value: {
          typed_per_filter_config: {
            "envoy.filters.http.ext_proc": {
              "@type": "type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute",
              overrides: {
                processing_mode: {
                  request_header_mode: "SEND",
                  response_header_mode: "SEND",
                  request_body_mode: "STREAMED",
                  response_body_mode: "NONE",
                },
              },
            },
          },
        },
      },
    },
  ],
});

/** Istio's gateway filters after the base ext_proc filter (listener_builder.go). */
const ISTIO_AFTER_EXT_PROC = [
  "envoy.filters.http.grpc_stats",
  "istio.alpn",
  "envoy.filters.http.fault",
  "envoy.filters.http.cors",
  "istio.stats",
  "envoy.filters.http.router",
];

function extProcFilter(config: EnvoyConfig): Record<string, unknown> | undefined {
  return httpFilters(config).find((f) => f.name === "envoy.filters.http.ext_proc");
}

function valid(config: EnvoyConfig): void {
  expect(readGatewayConfig(config).warnings).toEqual([]);
}

describe("the seed's EnvoyFilters", () => {
  it("HTTP_FILTER MERGE (the seed's YAML verbatim) turns the base filter into the EPP's: state C", () => {
    const { config, outcomes } = patched("openshift-ai-inference", [seedFilter]);
    expect(outcomes).toEqual([
      { namespace: "openshift-ingress", name: "fix-extproc-body-mode", applied: true, changes: 1 },
    ]);
    const base = extProcFilter(config)?.typed_config as Record<string, unknown>;
    expect(base).toMatchObject({
      grpc_service: { envoy_grpc: { cluster_name: EPP_CLUSTER }, timeout: "30s" },
      processing_mode: { request_header_mode: "SEND", response_header_mode: "SEND", request_body_mode: "STREAMED" },
      message_timeout: "30s",
      failure_mode_allow: true,
      metadata_options: { receiving_namespaces: { untyped: ["envoy.lb"] } },
    });
    // The pool route keeps Istio's own override, which Envoy applies over the patched base filter:
    // FULL_DUPLEX_STREAMED to the EPP; only message_timeout (never per-route) comes from the patch.
    const effective = effectiveOnRoute(config, CHAT);
    expect(effective.clusterName).toBe(EPP_CLUSTER);
    expect(effective.mode).toMatchObject({
      request_header_mode: "SEND",
      response_header_mode: "SEND",
      request_body_mode: "FULL_DUPLEX_STREAMED",
    });
    expect(effective.messageTimeoutSeconds).toBe(30);
    // The catch-all route has no override: the patched base filter itself now reaches the EPP.
    expect(effectiveOnRoute(config, CATCH_ALL)).toMatchObject({
      enabled: true,
      clusterName: EPP_CLUSTER,
    });
    valid(config);
  });

  it("HTTP_ROUTE MERGE replaces the route's override whole: no grpc_service left, so Envoy falls back to `dummy` (state B)", () => {
    const { config, outcomes } = patched("openshift-ai-inference", [routeLevelFix]);
    expect(outcomes[0]).toMatchObject({ applied: true, changes: 1 });
    const override = (
      route(config, CHAT).typed_per_filter_config as Record<string, { overrides: Record<string, unknown> }>
    )["envoy.filters.http.ext_proc"];
    expect(override?.overrides.grpc_service).toBeUndefined();
    const effective = effectiveOnRoute(config, CHAT);
    expect(effective.mode).toMatchObject({
      request_header_mode: "SEND",
      request_body_mode: "STREAMED",
      request_trailer_mode: "SKIP",
    });
    expect(effective).toMatchObject({ enabled: true, clusterName: "dummy", failureModeAllow: true });
    valid(config);
  });

  it("the workloadSelector keeps maas-gateway unpatched (still state A)", () => {
    const { config, outcomes } = patched("maas-gateway", [seedFilter, routeLevelFix]);
    expect(outcomes).toEqual([]);
    const effective = effectiveOnRoute(config, "my-first-model.qwen3-0-6b-maas-route.1");
    expect(effective.clusterName).toBe(EPP_CLUSTER);
    expect(effective.mode).toMatchObject({ request_header_mode: "SEND", request_body_mode: "FULL_DUPLEX_STREAMED" });
  });

  it("targetRefs select a Gateway by name; root-namespace filters reach every gateway, other namespaces' none", () => {
    const { workloadSelector: _selector, ...spec } = seedFilter.spec;
    const byRef = envoyFilter("by-ref", {
      ...spec,
      targetRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "maas-gateway" }],
    });
    expect(patched("maas-gateway", [byRef]).outcomes[0]?.applied).toBe(true);
    expect(patched("openshift-ai-inference", [byRef]).outcomes).toEqual([]);
    const root = envoyFilter("everywhere", spec, "istio-system");
    const elsewhere = envoyFilter("elsewhere", spec, "my-first-model");
    expect(patched("maas-gateway", [root, elsewhere]).outcomes.map((o) => o.name)).toEqual(["everywhere"]);
  });
});

describe("Kuadrant-style EnvoyFilters on maas-gateway", () => {
  const authCluster = {
    name: "kuadrant-auth-service",
    type: "STATIC",
    connect_timeout: "1s",
    http2_protocol_options: {},
    load_assignment: {
      cluster_name: "kuadrant-auth-service",
      endpoints: [
        { lb_endpoints: [{ endpoint: { address: { socket_address: { address: "127.77.2.5", port_value: 50051 } } } }] },
      ],
    },
  };
  const limitadorCluster = { ...structuredClone(authCluster), name: "kuadrant-ratelimit-service" };
  const extAuthz = {
    name: "envoy.filters.http.ext_authz",
    typed_config: {
      "@type": "type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz",
      grpc_service: { envoy_grpc: { cluster_name: "kuadrant-auth-service" }, timeout: "1s" },
      transport_api_version: "V3",
    },
  };
  const rateLimit = {
    name: "envoy.filters.http.ratelimit",
    typed_config: {
      "@type": "type.googleapis.com/envoy.extensions.filters.http.ratelimit.v3.RateLimit",
      domain: "openshift-ingress/maas-gateway",
      failure_mode_deny: true,
      rate_limit_service: {
        grpc_service: { envoy_grpc: { cluster_name: "kuadrant-ratelimit-service" } },
        transport_api_version: "V3",
      },
    },
  };
  const rateLimits = [{ actions: [{ generic_key: { descriptor_key: "limit.free__1", descriptor_value: "1" } }] }];
  const selector = { labels: { "gateway.networking.k8s.io/gateway-name": "maas-gateway" } };
  const listener = { filterChain: { filter: { name: HCM, subFilter: { name: "envoy.filters.http.ext_proc" } } } };

  it("adds clusters, puts ext_authz and ratelimit before ext_proc, and rate_limits on every route", () => {
    const kuadrant = envoyFilter("kuadrant-maas-gateway", {
      workloadSelector: selector,
      configPatches: [
        { applyTo: "CLUSTER", match: { context: "GATEWAY" }, patch: { operation: "ADD", value: authCluster } },
        { applyTo: "CLUSTER", match: { context: "GATEWAY" }, patch: { operation: "ADD", value: limitadorCluster } },
        {
          applyTo: "HTTP_FILTER",
          match: { context: "GATEWAY", listener },
          patch: { operation: "INSERT_BEFORE", value: rateLimit },
        },
        {
          applyTo: "HTTP_FILTER",
          match: { context: "GATEWAY", listener: { filterChain: { filter: { name: HCM } } } },
          patch: { operation: "INSERT_FIRST", value: extAuthz },
        },
        {
          applyTo: "HTTP_ROUTE",
          match: { context: "GATEWAY", routeConfiguration: { vhost: { route: { action: "ROUTE" } } } },
          patch: { operation: "MERGE", value: { route: { rate_limits: rateLimits } } },
        },
      ],
    });
    const { config, outcomes } = patched("maas-gateway", [kuadrant]);
    expect(outcomes[0]).toMatchObject({ applied: true, changes: 7 });
    expect(httpFilters(config).map((f) => f.name)).toEqual([
      "envoy.filters.http.ext_authz",
      "istio.metadata_exchange",
      // INSERT_BEFORE the ext_proc filter: after Istio's metadata exchange.
      "envoy.filters.http.ratelimit",
      "envoy.filters.http.ext_proc",
      ...ISTIO_AFTER_EXT_PROC,
    ]);
    expect(cluster(config, "kuadrant-auth-service")).toMatchObject({ type: "STATIC" });
    const read = readGatewayConfig(config).config;
    expect(read.clusters.find((c) => c.name === "kuadrant-ratelimit-service")?.http2).toBe(true);
    const readRoutes =
      read.listeners[0]?.http_connection_manager.route_config.virtual_hosts.flatMap((h) => h.routes) ?? [];
    expect(readRoutes).toHaveLength(3);
    for (const r of readRoutes) expect(r.route?.rate_limits).toEqual(rateLimits);
    // the other gateway is untouched
    expect(patched("openshift-ai-inference", [kuadrant]).outcomes).toEqual([]);
  });

  it("a second MERGE of rate_limits appends (repeated fields), as protobuf merge does", () => {
    const merge = (name: string) =>
      envoyFilter(name, {
        workloadSelector: selector,
        configPatches: [
          {
            applyTo: "HTTP_ROUTE",
            match: { context: "GATEWAY" },
            patch: { operation: "MERGE", value: { route: { rate_limits: rateLimits } } },
          },
        ],
      });
    const { config } = patched("maas-gateway", [merge("a"), merge("b")]);
    expect(
      (route(config, CATCH_ALL.replace("kserve-route", "maas-route")).route as { rate_limits: unknown[] }).rate_limits,
    ).toHaveLength(2);
  });
});

describe("EnvoyFilter operations and failures", () => {
  it("REMOVE, REPLACE and INSERT_AFTER address filters by name; camelCase values are read as proto names", () => {
    const filter = envoyFilter("ops", {
      configPatches: [
        {
          applyTo: "HTTP_FILTER",
          match: {
            listener: {
              portNumber: 443,
              filterChain: { filter: { name: HCM, subFilter: { name: "envoy.filters.http.ext_proc" } } },
            },
          },
          patch: {
            operation: "INSERT_AFTER",
            value: {
              name: "envoy.filters.http.lua",
              typedConfig: {
                "@type": "type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua",
                defaultSourceCode: { inlineString: "x" },
              },
            },
          },
        },
        {
          applyTo: "HTTP_FILTER",
          match: {
            listener: { filterChain: { filter: { name: HCM, subFilter: { name: "envoy.filters.http.ext_proc" } } } },
          },
          patch: {
            operation: "REPLACE",
            value: {
              name: "envoy.filters.http.ext_proc",
              typed_config: {
                "@type": "type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor",
                grpc_service: { envoy_grpc: { cluster_name: EPP_CLUSTER } },
              },
            },
          },
        },
        {
          applyTo: "CLUSTER",
          match: { cluster: { service: "qwen3-0-6b-epp-service.my-first-model.svc.cluster.local", portNumber: 9090 } },
          patch: { operation: "REMOVE" },
        },
      ],
    });
    const { config, outcomes } = patched("openshift-ai-inference", [filter]);
    expect(outcomes[0]).toMatchObject({ applied: true, changes: 3 });
    const filters = httpFilters(config);
    expect(filters.map((f) => f.name)).toEqual([
      "istio.metadata_exchange",
      "envoy.filters.http.ext_proc",
      "envoy.filters.http.lua",
      ...ISTIO_AFTER_EXT_PROC,
    ]);
    expect(filters[2]?.typed_config).toEqual({
      "@type": "type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua",
      default_source_code: { inline_string: "x" },
    });
    expect(filters[1]?.typed_config).not.toHaveProperty("processing_mode");
    expect(clusters(config).some((c) => String(c.name).startsWith("outbound|9090||"))).toBe(false);
    expect(clusters(config).some((c) => String(c.name).startsWith("outbound|9002||"))).toBe(true);
  });

  it("applies in priority order, then creation order", () => {
    const timeout = (name: string, value: string, priority?: number) =>
      envoyFilter(name, {
        ...(priority !== undefined ? { priority } : {}),
        configPatches: [
          {
            applyTo: "HTTP_FILTER",
            match: {
              listener: { filterChain: { filter: { name: HCM, subFilter: { name: "envoy.filters.http.ext_proc" } } } },
            },
            patch: {
              operation: "MERGE",
              value: {
                typed_config: {
                  "@type": "type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor",
                  message_timeout: value,
                },
              },
            },
          },
        ],
      });
    const late = timeout("late", "7s");
    const early = timeout("early", "5s", -1);
    const { config, outcomes } = patched("openshift-ai-inference", [late, early]);
    expect(outcomes.map((o) => o.name)).toEqual(["early", "late"]);
    expect(extProcFilter(config)?.typed_config).toMatchObject({ message_timeout: "7s" });
  });

  it("drops only the patch istiod cannot use: the filter's other patches and the other filters still apply", () => {
    const bad = envoyFilter("bad", {
      configPatches: [
        { applyTo: "CLUSTER", patch: { operation: "ADD", value: { name: "extra", type: "STATIC" } } },
        {
          applyTo: "CLUSTER",
          match: { cluster: { name: "extra" } },
          patch: { operation: "REPLACE", value: { name: "x" } },
        },
      ],
    });
    const { config, outcomes } = patched("openshift-ai-inference", [bad, seedFilter]);
    expect(outcomes.find((o) => o.name === "bad")).toMatchObject({
      applied: false,
      reason: "PatchFailed",
      message: "configPatches[1]: operation REPLACE is not valid for applyTo CLUSTER",
    });
    expect(clusters(config).some((c) => c.name === "extra")).toBe(true);
    expect(clusters(config).some((c) => c.name === "x")).toBe(false);
    expect(effectiveOnRoute(config, CHAT).clusterName).toBe(EPP_CLUSTER);
  });

  it("pushes a config the proxy refuses; the proxy NACKs it and keeps its previous listeners while taking the new clusters", () => {
    const duplex = envoyFilter("duplex", {
      configPatches: [
        {
          applyTo: "HTTP_FILTER",
          match: {
            listener: { filterChain: { filter: { name: HCM, subFilter: { name: "envoy.filters.http.ext_proc" } } } },
          },
          patch: {
            operation: "MERGE",
            value: {
              typed_config: {
                "@type": "type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor",
                processing_mode: { request_body_mode: "FULL_DUPLEX_STREAMED" },
              },
            },
          },
        },
        { applyTo: "CLUSTER", patch: { operation: "ADD", value: { name: "added-with-duplex", type: "STATIC" } } },
      ],
    });
    const before = patched("openshift-ai-inference", [seedFilter]).config;
    const application = patched("openshift-ai-inference", [seedFilter, duplex]);
    expect(application.rejection?.filter.metadata.name).toBe("duplex");
    const duplexOutcome = application.outcomes.find((o) => o.name === "duplex");
    expect(duplexOutcome).toMatchObject({ applied: false, reason: "ProxyRejected" });
    expect(duplexOutcome?.message).toContain("request_trailer_mode has to be set to SEND");
    expect(application.outcomes.find((o) => o.name === "fix-extproc-body-mode")?.applied).toBe(true);

    const running = pushToProxy(application.config, before);
    expect(running.nack?.type).toBe("LDS");
    expect(running.nack?.message).toContain("request_trailer_mode has to be set to SEND");
    expect((running.config.static_resources as { listeners: unknown[] }).listeners).toEqual(
      (before.static_resources as { listeners: unknown[] }).listeners,
    );
    expect(clusters(running.config).some((c) => c.name === "added-with-duplex")).toBe(true);
    valid(running.config);
    // A config it accepts goes through whole.
    expect(pushToProxy(before, undefined)).toEqual({ config: before });
  });

  it("names a route without a cluster as refused by the proxy", () => {
    const noCluster = envoyFilter("no-cluster", {
      configPatches: [{ applyTo: "HTTP_ROUTE", patch: { operation: "MERGE", value: { route: { cluster: "" } } } }],
    });
    const application = patched("openshift-ai-inference", [noCluster]);
    expect(application.rejection?.message).toContain("rejected by the proxy (NACK)");
    const running = pushToProxy(application.config, undefined);
    expect(running.nack?.type).toBe("LDS");
    expect((running.config.static_resources as { listeners: unknown[] }).listeners).toEqual([]);
  });

  it("ignores SIDECAR contexts and reports unsupported applyTo kinds", () => {
    const sidecar = envoyFilter("sidecar", {
      configPatches: [{ applyTo: "CLUSTER", match: { context: "SIDECAR_OUTBOUND" }, patch: { operation: "REMOVE" } }],
    });
    const extension = envoyFilter("extension", {
      configPatches: [{ applyTo: "EXTENSION_CONFIG", patch: { operation: "ADD", value: { name: "wasm" } } }],
    });
    const { config, outcomes } = patched("openshift-ai-inference", [sidecar, extension]);
    expect(outcomes[0]).toMatchObject({ name: "sidecar", applied: true, changes: 0 });
    expect(outcomes[1]).toMatchObject({ name: "extension", applied: false });
    expect(clusters(config).length).toBeGreaterThan(0);
  });
});

describe("protobuf merge", () => {
  it("replaces scalars and Durations, merges messages, appends repeated fields", () => {
    expect(
      protoMerge(
        { a: 1, m: { x: 1, y: 2 }, list: [1], timeout: { seconds: 5, nanos: 1 } },
        { a: 2, m: { y: 3 }, list: [2], timeout: { seconds: 9 } },
      ),
    ).toEqual({
      a: 2,
      m: { x: 1, y: 3 },
      list: [1, 2],
      timeout: { seconds: 9 },
    });
  });

  it("replaces map entries whole and Any values of another type; merges Any of the same type", () => {
    const target = {
      typed_per_filter_config: { a: { "@type": "T", overrides: { x: 1, y: 2 } }, b: { keep: true } },
      typed_config: { "@type": "T", x: 1, y: 2 },
    };
    expect(
      protoMerge(target, {
        typed_per_filter_config: { a: { "@type": "T", overrides: { y: 3 } } },
        typed_config: { "@type": "T", y: 3 },
      }),
    ).toEqual({
      typed_per_filter_config: { a: { "@type": "T", overrides: { y: 3 } }, b: { keep: true } },
      typed_config: { "@type": "T", x: 1, y: 3 },
    });
    expect(protoMerge(target, { typed_config: { "@type": "U", z: 1 } })).toMatchObject({
      typed_config: { "@type": "U", z: 1 },
    });
  });

  it("setting one member of a oneof clears the others", () => {
    expect(protoMerge({ name: "r", direct_response: { status: 500 } }, { route: { cluster: "c" } })).toEqual({
      name: "r",
      route: { cluster: "c" },
    });
    expect(protoMerge({ match: { path_separated_prefix: "/a" } }, { match: { prefix: "/" } })).toEqual({
      match: { prefix: "/" },
    });
  });
});
