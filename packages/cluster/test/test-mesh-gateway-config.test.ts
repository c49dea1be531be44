import type { KubeObject } from "@testbed/apimachinery";
import { readGatewayConfig } from "@testbed/gateway";
import { describe, expect, it } from "vitest";
import { generateGatewayConfig } from "../src/controllers/mesh/gateway-config.js";
import type { IstioVersion } from "../src/controllers/mesh/istio-version.js";
import { type MeshSnapshot, snapshotFromObjects } from "../src/controllers/mesh/mesh-snapshot.js";
import {
  cluster,
  clusters,
  effectiveOnRoute,
  endpointsOf,
  httpFilters,
  listener,
  route,
  routes,
} from "./config-inspection.js";
import { kserveRoute, SERVICE_CA, seedClusterObjects, TEST_CERT, TEST_KEY } from "./fixtures/seed-cluster.js";

/** Istio's gateway filters after the (optional) base ext_proc filter. */
const ISTIO_TAIL = [
  "envoy.filters.http.grpc_stats",
  "istio.alpn",
  "envoy.filters.http.fault",
  "envoy.filters.http.cors",
  "istio.stats",
  "envoy.filters.http.router",
];
const POOL_CLUSTER = "outbound|54321||qwen3-0-6b-inference-pool-ip-a5e07bf3.my-first-model.svc.cluster.local";
const SERVICE_CLUSTER = "outbound|8000||qwen3-0-6b-kserve-workload-svc.my-first-model.svc.cluster.local";
const EPP_CLUSTER = "outbound|9002||qwen3-0-6b-epp-service.my-first-model.svc.cluster.local";
const COMPLETIONS = "my-first-model.qwen3-0-6b-kserve-route.0";
const CHAT = "my-first-model.qwen3-0-6b-kserve-route.1";
const CATCH_ALL = "my-first-model.qwen3-0-6b-kserve-route.2";

function seed(mutate?: (objects: KubeObject[]) => KubeObject[]): MeshSnapshot {
  const objects = seedClusterObjects();
  return snapshotFromObjects(mutate ? mutate(objects) : objects);
}

/** The same cluster with its pools as inference.networking.k8s.io/v1 (what Istio 1.28+ watches). */
function v1Pools(snapshot: MeshSnapshot): MeshSnapshot {
  const toV1 = (pool: KubeObject): KubeObject => ({
    apiVersion: "inference.networking.k8s.io/v1",
    kind: "InferencePool",
    metadata: pool.metadata,
    spec: {
      selector: { matchLabels: pool.spec.selector },
      targetPorts: [{ number: pool.spec.targetPortNumber }],
      endpointPickerRef: {
        kind: "Service",
        name: pool.spec.extensionRef.name,
        port: { number: pool.spec.extensionRef.portNumber },
        failureMode: pool.spec.extensionRef.failureMode,
      },
    },
  });
  const routes = snapshot.httpRoutes.map((route) => {
    const copy = structuredClone(route);
    for (const rule of copy.spec.rules)
      for (const ref of rule.backendRefs) if (ref.kind === "InferencePool") ref.group = "inference.networking.k8s.io";
    return copy;
  });
  return { ...snapshot, inferencePools: snapshot.inferencePools.map(toV1), httpRoutes: routes };
}

/** A second model's pool and HTTPRoute on the same gateway (created after the seed's). */
function secondModel(objects: KubeObject[]): KubeObject[] {
  const pool = structuredClone(objects.find((o) => o.kind === "InferencePool") as KubeObject);
  pool.metadata = { ...pool.metadata, name: "second-inference-pool", uid: "uid-second-pool" };
  pool.spec.extensionRef.name = "second-epp-service";
  const route = kserveRoute("second-kserve-route", "openshift-ai-inference");
  for (const rule of route.spec.rules) {
    rule.matches[0].path.value = rule.matches[0].path.value.replace("qwen3-0-6b", "second");
    for (const ref of rule.backendRefs) if (ref.kind === "InferencePool") ref.name = "second-inference-pool";
  }
  return [pool, route];
}

function generate(snapshot: MeshSnapshot, gateway = "openshift-ai-inference", istio: IstioVersion = "1.26") {
  const object = snapshot.gateways.find((g) => g.metadata.name === gateway) as KubeObject;
  return generateGatewayConfig(snapshot, object, { istio });
}

describe("generated gateway config for the seed's topology", () => {
  it("is a config the gateway reads without errors or warnings (both gateways, every Istio's own Envoy)", () => {
    for (const gateway of ["openshift-ai-inference", "maas-gateway"]) {
      for (const istio of ["1.27", "1.28", "1.29"] as const) {
        const { config } = generate(seed(), gateway, istio);
        const { warnings, config: read } = readGatewayConfig(config);
        expect(warnings).toEqual([]);
        expect(read.listeners.map((l) => l.name)).toEqual(["0.0.0.0_443"]);
        expect(read.admin?.address.socket_address).toEqual({ address: "127.0.0.1", port_value: 15000 });
      }
    }
  });

  it("binds 0.0.0.0:<port> and terminates TLS with the certificateRefs Secret inlined", () => {
    const { config } = generate(seed());
    const https = listener(config, 443);
    expect(https.address).toEqual({ socket_address: { address: "0.0.0.0", port_value: 443 } });
    const read = readGatewayConfig(config).config.listeners[0];
    expect(read?.tls?.common_tls_context?.tls_certificates?.[0]).toEqual({
      certificate_chain: { inline_string: TEST_CERT },
      private_key: { inline_string: TEST_KEY },
    });
  });

  it("names routes as Istio does, orders them by Gateway API precedence and rewrites paths as Istio emits them", () => {
    const { config } = generate(seed());
    expect(routes(config).map((r) => r.name)).toEqual([CHAT, COMPLETIONS, CATCH_ALL]);
    expect(route(config, CHAT).match).toEqual({
      path_separated_prefix: "/my-first-model/qwen3-0-6b/v1/chat/completions",
    });
    expect(route(config, CHAT).route).toMatchObject({
      cluster: POOL_CLUSTER,
      prefix_rewrite: "/v1/chat/completions",
      timeout: "0s",
    });
    // ReplacePrefixMatch "/" becomes route.go's regex_rewrite, not a prefix_rewrite "/" (which would leave "//").
    expect(route(config, CATCH_ALL).route).toMatchObject({
      cluster: SERVICE_CLUSTER,
      regex_rewrite: { pattern: { regex: "^/my-first-model/qwen3-0-6b(/?)(.*)" }, substitution: "/\\2" },
    });
    expect(route(config, CATCH_ALL).route).not.toHaveProperty("prefix_rewrite");
    // Istio's default retry policy (retry.go DefaultPolicy) on every route.
    expect(route(config, CHAT).route).toMatchObject({
      retry_policy: {
        retry_on: "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes",
        num_retries: 2,
        retriable_status_codes: [503],
        retry_host_predicate: [{ name: "envoy.retry_host_predicates.previous_hosts" }],
        host_selection_retry_max_attempts: "5",
      },
    });
  });

  it("adds Istio's BASE ext_proc filter (dummy, SKIP, fail-open, 1000s) where listener_builder.go puts it", () => {
    const filters = httpFilters(generate(seed()).config);
    expect(filters.map((f) => f.name)).toEqual([
      "istio.metadata_exchange",
      "envoy.filters.http.ext_proc",
      ...ISTIO_TAIL,
    ]);
    expect(filters[1]?.typed_config).toEqual({
      "@type": "type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor",
      grpc_service: { envoy_grpc: { cluster_name: "dummy" }, timeout: "10s" },
      failure_mode_allow: true,
      processing_mode: { request_header_mode: "SKIP", response_header_mode: "SKIP" },
      message_timeout: "1000s",
      metadata_options: {
        forwarding_namespaces: { untyped: ["envoy.lb"] },
        receiving_namespaces: { untyped: ["envoy.lb"] },
      },
    });
    expect(clusters(generate(seed()).config).some((c) => c.name === "dummy")).toBe(false);
  });

  it("has no ext_proc filter when no route targets an InferencePool", () => {
    const snapshot = seed((objects) => objects.filter((o) => o.kind !== "InferencePool"));
    expect(httpFilters(generate(snapshot).config).map((f) => f.name)).toEqual([
      "istio.metadata_exchange",
      ...ISTIO_TAIL,
    ]);
  });

  it("puts Istio's per-route override on pool routes only: no gRPC timeout; trailers SEND from Istio 1.28", () => {
    const ossm = generate(seed()).config;
    expect(route(ossm, CHAT).typed_per_filter_config).toEqual({
      "envoy.filters.http.ext_proc": {
        "@type": "type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute",
        overrides: {
          grpc_service: { envoy_grpc: { cluster_name: EPP_CLUSTER } },
          failure_mode_allow: true,
          processing_mode: {
            request_header_mode: "SEND",
            response_header_mode: "SEND",
            request_body_mode: "FULL_DUPLEX_STREAMED",
            response_body_mode: "FULL_DUPLEX_STREAMED",
          },
        },
      },
    });
    expect(route(ossm, CATCH_ALL).typed_per_filter_config).toBeUndefined();
    const modeOf = (istio: IstioVersion) =>
      (
        route(generate(v1Pools(seed()), "openshift-ai-inference", istio).config, COMPLETIONS)
          .typed_per_filter_config as Record<string, { overrides: { processing_mode: unknown } }>
      )["envoy.filters.http.ext_proc"]?.overrides.processing_mode;
    expect(modeOf("1.28")).toMatchObject({ request_trailer_mode: "SEND", response_trailer_mode: "SEND" });
    expect(modeOf("1.29")).toMatchObject({ request_trailer_mode: "SEND", response_trailer_mode: "SEND" });
    const upstream = generate(seed(), "openshift-ai-inference", "1.27").config;
    const mode = (
      route(upstream, COMPLETIONS).typed_per_filter_config as Record<
        string,
        { overrides: { processing_mode: unknown } }
      >
    )["envoy.filters.http.ext_proc"]?.overrides.processing_mode;
    expect(mode).not.toHaveProperty("request_trailer_mode");
  });

  it("FailClose pools get failure_mode_allow false on the override", () => {
    const snapshot = seed((objects) =>
      objects.map((o) =>
        o.kind === "InferencePool"
          ? { ...o, spec: { ...o.spec, extensionRef: { ...o.spec.extensionRef, failureMode: "FailClose" } } }
          : o,
      ),
    );
    const override = route(generate(snapshot).config, CHAT).typed_per_filter_config as Record<
      string,
      { overrides: { failure_mode_allow: boolean } }
    >;
    expect(override["envoy.filters.http.ext_proc"]?.overrides.failure_mode_allow).toBe(false);
  });

  it("as shipped (state A): Envoy applies the route's override over the base filter — FDS to the EPP, fail-open", () => {
    const effective = effectiveOnRoute(generate(seed()).config, CHAT);
    expect(effective).toMatchObject({ enabled: true, clusterName: EPP_CLUSTER, failureModeAllow: true });
    expect(effective.mode).toMatchObject({
      request_header_mode: "SEND",
      request_body_mode: "FULL_DUPLEX_STREAMED",
      request_trailer_mode: "SKIP",
    });
    expect(effective.grpcTimeoutSeconds).toBeUndefined();
  });

  it("Istio 1.28+ watches only inference.networking.k8s.io/v1: KServe's v1alpha2 pool route is an unsupported kind, 500", () => {
    const generation = generate(seed(), "openshift-ai-inference", "1.28");
    expect(route(generation.config, CHAT)).toMatchObject({ direct_response: { status: 500 } });
    expect(clusters(generation.config).some((c) => c.name === POOL_CLUSTER)).toBe(false);
    expect(generation.pools).toEqual([]);
    expect(generation.routeProblems.get("my-first-model/qwen3-0-6b-kserve-route")?.[0]).toMatchObject({
      reason: "InvalidKind",
      message: 'referencing unsupported backendRef: group "inference.networking.x-k8s.io" kind "InferencePool"',
    });
    // And 1.27 does not know v1 pools.
    expect(route(generate(v1Pools(seed()), "openshift-ai-inference", "1.27").config, CHAT)).toMatchObject({
      direct_response: { status: 500 },
    });
  });

  it("two HTTPRoutes on one hostname: up to Istio 1.28 only the older keeps its per-route ext_proc; 1.29 keeps both", () => {
    const snapshot = seed((objects) => [...objects, ...secondModel(objects)]);
    const second = "my-first-model.second-kserve-route.1";
    expect(
      route(generate(snapshot, "openshift-ai-inference", "1.27").config, second).typed_per_filter_config,
    ).toBeUndefined();
    expect(
      route(generate(snapshot, "openshift-ai-inference", "1.27").config, CHAT).typed_per_filter_config,
    ).toBeDefined();
    expect(
      route(generate(v1Pools(snapshot), "openshift-ai-inference", "1.28").config, second).typed_per_filter_config,
    ).toBeUndefined();
    const fixed = generate(v1Pools(snapshot), "openshift-ai-inference", "1.29").config;
    expect(effectiveOnRoute(fixed, second, "1.37").clusterName).toBe(
      "outbound|9002||second-epp-service.my-first-model.svc.cluster.local",
    );
    expect(effectiveOnRoute(fixed, CHAT, "1.37").clusterName).toBe(EPP_CLUSTER);
  });

  it("on 1.28, a v1 pool with two targetPorts gets ONE cluster on 54321 holding every pod on both ports", () => {
    const snapshot = v1Pools(seed());
    for (const pool of snapshot.inferencePools) pool.spec.targetPorts = [{ number: 8000 }, { number: 8001 }];
    const { config } = generate(snapshot, "openshift-ai-inference", "1.28");
    expect(endpointsOf(cluster(config, POOL_CLUSTER)).sort()).toEqual(
      ["127.77.0.21", "127.77.0.22", "127.77.0.23", "127.77.0.24"].flatMap((ip) => [`${ip}:8000`, `${ip}:8001`]),
    );
    // No cluster for the shadow Service's second port (cluster.go skips it for inference semantics).
    expect(
      clusters(config)
        .map((c) => String(c.name))
        .filter((name) => name.includes("-ip-")),
    ).toEqual([POOL_CLUSTER]);
    expect(route(config, CHAT)).toMatchObject({ route: { cluster: POOL_CLUSTER } });
  });

  it("builds the pool's shadow-Service cluster: Ready pods on the target port, override-host, workload TLS", () => {
    const { config } = generate(seed());
    const pool = cluster(config, POOL_CLUSTER);
    expect(endpointsOf(pool).sort()).toEqual([
      "127.77.0.21:8000",
      "127.77.0.22:8000",
      "127.77.0.23:8000",
      "127.77.0.24:8000",
    ]);
    const read = readGatewayConfig(config).config.clusters.find((c) => c.name === POOL_CLUSTER);
    expect(read?.override_host).toEqual({
      sources: [{ metadata: { key: "envoy.lb", path: [{ key: "x-gateway-destination-endpoint" }] } }],
      fallback: "ROUND_ROBIN",
    });
    expect(read?.tls).toEqual({ common_tls_context: { validation_context: { trusted_ca: { filename: SERVICE_CA } } } });
  });

  it("builds Service clusters: the EPP's over HTTP/2 with SIMPLE TLS and SNI, named ports resolved on the pod", () => {
    const { config } = generate(seed());
    const read = readGatewayConfig(config).config.clusters;
    const epp = read.find((c) => c.name === EPP_CLUSTER);
    expect(epp?.http2).toBe(true);
    expect(epp?.endpoints).toEqual([{ address: "127.77.0.30", port_value: 9002 }]);
    expect(epp?.tls?.sni).toBe("qwen3-0-6b-epp-service.my-first-model.svc.cluster.local");
    expect(epp?.tls?.common_tls_context?.validation_context?.trusted_ca).toEqual({ filename: SERVICE_CA });
    const health = read.find(
      (c) => c.name === "outbound|9003||qwen3-0-6b-epp-service.my-first-model.svc.cluster.local",
    );
    expect(health?.http2).toBe(true);
    expect(health?.endpoints).toEqual([{ address: "127.77.0.30", port_value: 9003 }]);
    const metrics = read.find(
      (c) => c.name === "outbound|9090||qwen3-0-6b-epp-service.my-first-model.svc.cluster.local",
    );
    expect(metrics?.http2).toBeUndefined();
    expect(read.find((c) => c.name === SERVICE_CLUSTER)?.endpoints).toHaveLength(4);
  });

  it("gives every cluster Istio's unlimited circuit breakers; a DestinationRule connectionPool lowers them", () => {
    const unlimited = {
      max_connections: 4294967295,
      max_pending_requests: 4294967295,
      max_requests: 4294967295,
      max_retries: 4294967295,
      track_remaining: true,
    };
    const shipped = readGatewayConfig(generate(seed()).config).config.clusters;
    for (const c of shipped) expect(c.circuit_breakers?.default).toEqual(unlimited);

    const limited = seed((objects) => {
      const rule = objects.find(
        (o) => o.kind === "DestinationRule" && String(o.spec?.host).includes("inference-pool"),
      ) as KubeObject;
      (rule.spec as Record<string, unknown>).trafficPolicy = {
        ...(rule.spec?.trafficPolicy as object),
        connectionPool: { tcp: { maxConnections: 1 }, http: { http1MaxPendingRequests: 2, maxRetries: 0 } },
      };
      return objects;
    });
    const read = readGatewayConfig(generate(limited).config).config.clusters;
    expect(read.find((c) => c.name === POOL_CLUSTER)?.circuit_breakers?.default).toEqual({
      ...unlimited,
      max_connections: 1,
      max_pending_requests: 2,
    });
    expect(read.find((c) => c.name === SERVICE_CLUSTER)?.circuit_breakers?.default).toEqual(unlimited);

    // A port-level entry replaces the rule's policy for its port: nothing is inherited (not even TLS).
    const perPort = seed((objects) => {
      const rule = objects.find(
        (o) => o.kind === "DestinationRule" && String(o.spec?.host).includes("workload-svc"),
      ) as KubeObject;
      (rule.spec as Record<string, unknown>).trafficPolicy = {
        ...(rule.spec?.trafficPolicy as object),
        connectionPool: { tcp: { maxConnections: 1 } },
        portLevelSettings: [{ port: { number: 8000 }, connectionPool: { http: { http2MaxRequests: 3 } } }],
      };
      return objects;
    });
    const service = readGatewayConfig(generate(perPort).config).config.clusters.find((c) => c.name === SERVICE_CLUSTER);
    expect(service?.circuit_breakers?.default).toEqual({ ...unlimited, max_requests: 3 });
    expect(service?.tls).toBeUndefined();
  });

  it("leaves unready and terminating pods out of endpoints", () => {
    const snapshot = seed((objects) =>
      objects.map((o) => {
        if (o.metadata.name === "qwen3-0-6b-kserve-7d9f8b6c5d-4xk2p")
          return { ...o, status: { ...o.status, conditions: [{ type: "Ready", status: "False" }] } };
        if (o.metadata.name === "qwen3-0-6b-kserve-7d9f8b6c5d-9wq7m")
          return { ...o, metadata: { ...o.metadata, deletionTimestamp: "2026-01-01T00:10:00Z" } };
        return o;
      }),
    );
    expect(endpointsOf(cluster(generate(snapshot).config, POOL_CLUSTER)).sort()).toEqual([
      "127.77.0.23:8000",
      "127.77.0.24:8000",
    ]);
  });

  it("answers 500 directly when a rule's backend does not resolve, and reports why", () => {
    const snapshot = seed((objects) => objects.filter((o) => o.metadata.name !== "qwen3-0-6b-kserve-workload-svc"));
    const generation = generate(snapshot);
    expect(route(generation.config, CATCH_ALL).direct_response).toEqual({ status: 500 });
    expect(route(generation.config, CATCH_ALL).route).toBeUndefined();
    expect(generation.routeProblems.get("my-first-model/qwen3-0-6b-kserve-route")?.[0]?.reason).toBe("BackendNotFound");
    expect(readGatewayConfig(generation.config).warnings).toEqual([]);
  });

  it("leaves an HTTPS listener whose Secret is missing unprogrammed (InvalidCertificateRef)", () => {
    const snapshot = seed((objects) => objects.filter((o) => o.metadata.name !== "openshift-ai-inference-tls"));
    const generation = generate(snapshot);
    expect((generation.config.static_resources as { listeners: unknown[] }).listeners).toEqual([]);
    expect(generation.listeners[0]).toMatchObject({
      name: "https",
      programmed: false,
      reason: "InvalidCertificateRef",
    });
  });

  it("translates Exact, RegularExpression, header and method matches, weights and Gateway API durations", () => {
    const custom: KubeObject = {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: "custom", namespace: "my-first-model", creationTimestamp: "2026-01-02T00:00:00Z" },
      spec: {
        parentRefs: [{ name: "openshift-ai-inference", namespace: "openshift-ingress" }],
        rules: [
          {
            name: "exact-health",
            matches: [
              { path: { type: "Exact", value: "/health" }, method: "GET", headers: [{ name: "X-Debug", value: "1" }] },
            ],
            backendRefs: [{ name: "qwen3-0-6b-kserve-workload-svc", port: 8000 }],
            timeouts: { request: "1m30s" },
          },
          {
            matches: [
              {
                path: { type: "RegularExpression", value: "/v[0-9]+/.*" },
                headers: [{ type: "RegularExpression", name: "x-tier", value: "gold|silver" }],
              },
            ],
            backendRefs: [
              { name: "qwen3-0-6b-kserve-workload-svc", port: 8000, weight: 3 },
              {
                group: "inference.networking.x-k8s.io",
                kind: "InferencePool",
                name: "qwen3-0-6b-inference-pool",
                weight: 1,
              },
            ],
          },
        ],
      },
    };
    const generation = generate(seed((objects) => [...objects, custom]));
    const { config } = generation;
    expect(routes(config).map((r) => r.name)[0]).toBe("exact-health");
    expect(route(config, "exact-health").match).toEqual({
      path: "/health",
      headers: [
        { name: "x-debug", string_match: { exact: "1" } },
        { name: ":method", string_match: { exact: "GET" } },
      ],
    });
    expect(route(config, "exact-health").route).toMatchObject({ timeout: "90s" });
    const regex = route(config, "my-first-model.custom.1");
    expect(regex.match).toEqual({
      safe_regex: { regex: "/v[0-9]+/.*" },
      headers: [{ name: "x-tier", string_match: { safe_regex: { regex: "gold|silver" } } }],
    });
    expect(regex.route).toMatchObject({
      weighted_clusters: {
        clusters: [
          { name: SERVICE_CLUSTER, weight: 3 },
          { name: POOL_CLUSTER, weight: 1 },
        ],
      },
    });
    // A second HTTPRoute on the same hostname: Istio 1.26 keeps only the older route's pool config.
    expect(regex.typed_per_filter_config).toBeUndefined();
    expect(routes(config).at(-1)?.name).toBe("my-first-model.custom.1");
    expect(readGatewayConfig(config).warnings).toEqual([]);
  });

  it("serves an accepted route on its hostnames' virtual hosts and refuses routes from namespaces a listener does not allow", () => {
    const snapshot = seed((objects) =>
      objects.map((o) =>
        o.kind === "Gateway" && o.metadata.name === "maas-gateway"
          ? {
              ...o,
              spec: {
                ...o.spec,
                listeners: [{ ...o.spec.listeners[0], allowedRoutes: { namespaces: { from: "Same" } } }],
              },
            }
          : o,
      ),
    );
    const maas = generate(snapshot, "maas-gateway");
    expect(maas.attachments[0]).toMatchObject({ accepted: false, reason: "NotAllowedByListeners" });
    expect(routes(maas.config).map((r) => r.name)).toEqual(["block_all"]);
    expect(maas.listeners[0]?.attachedRoutes).toBe(0);
    const hosted = kserveRoute("hosted", "openshift-ai-inference");
    hosted.spec.hostnames = ["models.example.com"];
    const withHost = generate(seed((objects) => [...objects, hosted]));
    const hosts =
      (
        withHost.config.static_resources as {
          listeners: Array<{
            filter_chains: Array<{
              filters: Array<{
                typed_config: { route_config: { virtual_hosts: Array<{ name: string; domains: string[] }> } };
              }>;
            }>;
          }>;
        }
      ).listeners[0]?.filter_chains[0]?.filters[0]?.typed_config.route_config.virtual_hosts ?? [];
    expect(hosts.map((h) => h.name)).toEqual(["models.example.com:443", "*:443"]);
    expect(hosts[0]?.domains).toEqual(["models.example.com", "models.example.com:*"]);
    expect(withHost.listeners[0]?.attachedRoutes).toBe(2);
  });

  it("reads v1 InferencePools (inference.networking.k8s.io) the same way", () => {
    const snapshot = seed((objects) =>
      objects.flatMap((o) => {
        if (o.kind === "InferencePool") {
          return [
            {
              apiVersion: "inference.networking.k8s.io/v1",
              kind: "InferencePool",
              metadata: o.metadata,
              spec: {
                selector: { matchLabels: o.spec.selector },
                targetPorts: [{ number: 8000 }],
                endpointPickerRef: {
                  kind: "Service",
                  name: "qwen3-0-6b-epp-service",
                  port: { number: 9002 },
                  failureMode: "FailOpen",
                },
              },
            },
          ];
        }
        if (o.kind === "HTTPRoute") {
          const copy = structuredClone(o);
          for (const rule of copy.spec.rules)
            for (const ref of rule.backendRefs)
              if (ref.kind === "InferencePool") ref.group = "inference.networking.k8s.io";
          return [copy];
        }
        return [o];
      }),
    );
    const { config } = generate(snapshot, "openshift-ai-inference", "1.28");
    expect(endpointsOf(cluster(config, POOL_CLUSTER))).toHaveLength(4);
    expect(route(config, CHAT).route).toMatchObject({ cluster: POOL_CLUSTER });
    expect(effectiveOnRoute(config, CHAT, "1.36").clusterName).toBe(EPP_CLUSTER);
  });
});
