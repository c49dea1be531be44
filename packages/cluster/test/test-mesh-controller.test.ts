import type { KubeObject } from "@testbed/apimachinery";
import { SimulatedClock } from "@testbed/common";
import { readGatewayConfig } from "@testbed/gateway";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { IstioVersion } from "../src/controllers/mesh/istio-version.js";
import { MeshController } from "../src/controllers/mesh/mesh-controller.js";
import { shadowServiceName } from "../src/controllers/mesh/names.js";
import { MeshConfigHub } from "../src/controllers/mesh-config-hub.js";
import { setPrivilegedPorts } from "../src/network/ports.js";
import { ObjectStore } from "../src/store/object-store.js";
import { cluster, effectiveOnRoute, endpointsOf } from "./config-inspection.js";
import { readyStatus, SEED_ENVOY_FILTER_YAML, seedClusterObjects } from "./fixtures/seed-cluster.js";

const GW_KEY = "openshift-ingress/openshift-ai-inference";
const POOL_CLUSTER = "outbound|54321||qwen3-0-6b-inference-pool-ip-a5e07bf3.my-first-model.svc.cluster.local";
const CHAT = "my-first-model.qwen3-0-6b-kserve-route.1";
const POOL = "inference.networking.x-k8s.io/InferencePool";

let running: MeshController | undefined;

beforeAll(() => setPrivilegedPorts(false));
afterEach(() => running?.stop());

async function cluster0(options: { gatewayPods?: boolean; istio?: IstioVersion } = {}) {
  const store = new ObjectStore(new SimulatedClock(Date.parse("2026-01-01T00:00:00Z")));
  const hub = new MeshConfigHub();
  const logs: string[] = [];
  for (const object of seedClusterObjects({ gatewayPods: options.gatewayPods ?? true })) {
    const { uid: _uid, creationTimestamp: _created, generation: _generation, ...metadata } = object.metadata;
    store.create({ ...object, metadata });
  }
  const controller = new MeshController({ hub, ...(options.istio ? { istio: options.istio } : {}) });
  running = controller;
  controller.start({
    store,
    clock: new SimulatedClock(Date.parse("2026-01-01T00:00:00Z")),
    log: (line) => logs.push(line),
  });
  const settle = async () => {
    for (let round = 0; round < 5; round++) {
      await store.settled();
      await controller.idle();
    }
  };
  await settle();
  return { store, hub, controller, settle, logs };
}

function setPodReady(store: ObjectStore, name: string, ready: boolean): void {
  const pod = store.require("Pod", "my-first-model", name);
  const status = readyStatus(pod.status.podIP);
  if (!ready) status.conditions = [{ type: "Ready", status: "False" }];
  store.updateStatus("Pod", "my-first-model", name, status);
}

describe("MeshController", () => {
  it("deploys each Istio-class Gateway as a Deployment and a LoadBalancer Service owned by the Gateway", async () => {
    const { store } = await cluster0();
    const gateway = store.require("gateway.networking.k8s.io/Gateway", "openshift-ingress", "openshift-ai-inference");
    const deployment = store.require(
      "apps/Deployment",
      "openshift-ingress",
      "openshift-ai-inference-openshift-ai-inference",
    );
    expect(deployment.metadata.ownerReferences?.[0]).toMatchObject({
      kind: "Gateway",
      uid: gateway.metadata.uid,
      controller: true,
    });
    expect(deployment.spec.replicas).toBe(1);
    const template = deployment.spec.template;
    expect(template.metadata.labels).toEqual({
      "gateway.networking.k8s.io/gateway-name": "openshift-ai-inference",
      "istio.io/gateway-name": "openshift-ai-inference",
      "service.istio.io/canonical-name": "openshift-ai-inference-openshift-ai-inference",
      "sidecar.istio.io/inject": "false",
    });
    const [container] = template.spec.containers;
    expect(container.name).toBe("istio-proxy");
    expect(container.image).toBe("registry.redhat.io/openshift-service-mesh/istio-proxyv2-rhel9:1.26.2");
    expect(container.ports.map((p: { containerPort: number }) => p.containerPort)).toEqual([15021, 15090, 443]);
    expect(container.readinessProbe.httpGet).toMatchObject({ path: "/healthz/ready", port: 15021 });
    const service = store.require("Service", "openshift-ingress", "openshift-ai-inference-openshift-ai-inference");
    expect(service.spec.type).toBe("LoadBalancer");
    expect(service.spec.ports.map((p: { port: number }) => p.port)).toEqual([15021, 443]);
    expect(service.status.loadBalancer.ingress).toEqual([{ ip: "127.77.1.2" }]);
    expect(store.get("apps/Deployment", "openshift-ingress", "maas-gateway-openshift-ai-inference")).toBeDefined();
  });

  it("creates the InferencePool's headless shadow Service, owned by the pool, with Istio's labels", async () => {
    const { store } = await cluster0();
    const pool = store.require(POOL, "my-first-model", "qwen3-0-6b-inference-pool");
    const shadow = store.require("Service", "my-first-model", "qwen3-0-6b-inference-pool-ip-a5e07bf3");
    expect(shadow.metadata.labels).toEqual({
      "istio.io/inferencepool-name": "qwen3-0-6b-inference-pool",
      "istio.io/inferencepool-extension-service": pool.spec.extensionRef.name,
      "istio.io/inferencepool-extension-port": "9002",
      "istio.io/inferencepool-extension-failure-mode": pool.spec.extensionRef.failureMode ?? "FailClose",
      "internal.istio.io/service-semantics": "inferencepool",
    });
    expect(shadow.metadata.ownerReferences?.[0]).toMatchObject({ uid: pool.metadata.uid, kind: "InferencePool" });
    expect(shadow.metadata.ownerReferences?.[0]?.controller).toBeUndefined();
    expect(shadow.spec).toMatchObject({
      type: "ClusterIP",
      clusterIP: "None",
      selector: pool.spec.selector,
      ports: [{ protocol: "TCP", port: 54321, targetPort: 8000 }],
    });
    expect(shadow.spec.ports[0].name).toBeUndefined();
  });

  it("as Istio 1.28, reads only v1 InferencePools: RHOAI 3.2's v1alpha2 pool gets no shadow Service, no status", async () => {
    const { store, hub } = await cluster0({ istio: "1.28" });
    expect(store.get("Service", "my-first-model", "qwen3-0-6b-inference-pool-ip-a5e07bf3")).toBeUndefined();
    const pool = store.require(
      "inference.networking.x-k8s.io/InferencePool",
      "my-first-model",
      "qwen3-0-6b-inference-pool",
    );
    expect(pool.status?.parent ?? []).toEqual([]);
    const config = hub.current(GW_KEY) as Record<string, unknown>;
    expect(JSON.stringify(config)).not.toContain(POOL_CLUSTER);
    const deployment = store.list("apps/Deployment", { namespace: "openshift-ingress" })[0];
    expect(deployment?.spec.template.spec.containers[0].image).toBe("docker.io/istio/proxyv2:1.28.4");
  });

  it("as Istio 1.28, gives a v1 pool with two targetPorts a shadow Service port for each: http-0 on 54321, http-1 on 54322", async () => {
    const { store, settle } = await cluster0({ istio: "1.28" });
    const alpha = store.require(
      "inference.networking.x-k8s.io/InferencePool",
      "my-first-model",
      "qwen3-0-6b-inference-pool",
    );
    store.create({
      apiVersion: "inference.networking.k8s.io/v1",
      kind: "InferencePool",
      metadata: { name: "two-port-pool", namespace: "my-first-model" },
      spec: {
        selector: { matchLabels: alpha.spec.selector },
        targetPorts: [{ number: 8000 }, { number: 8001 }],
        endpointPickerRef: { kind: "Service", name: alpha.spec.extensionRef.name, port: { number: 9002 } },
      },
    });
    await settle();
    const shadow = store.require("Service", "my-first-model", shadowServiceName("two-port-pool"));
    expect(shadow.spec.ports).toEqual([
      { name: "http-0", protocol: "TCP", port: 54321, targetPort: 8000 },
      { name: "http-1", protocol: "TCP", port: 54322, targetPort: 8001 },
    ]);
  });

  it("publishes each gateway's config under <namespace>/<name> and writes statuses", async () => {
    const { store, hub } = await cluster0();
    expect(hub.keys().sort()).toEqual(["openshift-ingress/maas-gateway", GW_KEY]);
    const config = hub.current(GW_KEY) as Record<string, unknown>;
    expect(readGatewayConfig(config).warnings).toEqual([]);
    expect(endpointsOf(cluster(config, POOL_CLUSTER))).toHaveLength(4);

    const gateway = store.require("gateway.networking.k8s.io/Gateway", "openshift-ingress", "openshift-ai-inference");
    expect(gateway.status.addresses).toEqual([{ type: "IPAddress", value: "127.77.1.2:8443" }]);
    expect(gateway.status.conditions.map((c: { type: string; status: string }) => `${c.type}=${c.status}`)).toEqual([
      "Accepted=True",
      "Programmed=True",
    ]);
    expect(gateway.status.listeners[0]).toMatchObject({ name: "https", attachedRoutes: 1 });

    const gatewayClass = store.require("gateway.networking.k8s.io/GatewayClass", undefined, "openshift-ai-inference");
    expect(gatewayClass.status.conditions[0]).toMatchObject({ type: "Accepted", status: "True" });

    const route = store.require("gateway.networking.k8s.io/HTTPRoute", "my-first-model", "qwen3-0-6b-kserve-route");
    expect(route.status.parents).toHaveLength(1);
    expect(route.status.parents[0]).toMatchObject({
      controllerName: "openshift.io/gateway-controller/v1",
      parentRef: {
        group: "gateway.networking.k8s.io",
        kind: "Gateway",
        name: "openshift-ai-inference",
        namespace: "openshift-ingress",
      },
    });
    expect(route.status.parents[0].conditions.map((c: { reason: string }) => c.reason)).toEqual([
      "Accepted",
      "ResolvedRefs",
    ]);

    const pool = store.require(POOL, "my-first-model", "qwen3-0-6b-inference-pool");
    expect(pool.status.parent.map((p: { parentRef: { name: string } }) => p.parentRef.name).sort()).toEqual([
      "maas-gateway",
      "openshift-ai-inference",
    ]);
    expect(
      pool.status.parent[0].conditions.map((c: { type: string; status: string }) => `${c.type}=${c.status}`),
    ).toEqual(["Accepted=True", "ResolvedRefs=True"]);
  });

  it("reports no address until a gateway pod is Ready", async () => {
    const { store } = await cluster0({ gatewayPods: false });
    const gateway = store.require("gateway.networking.k8s.io/Gateway", "openshift-ingress", "openshift-ai-inference");
    expect(gateway.status.addresses).toBeUndefined();
    expect(gateway.status.conditions[1]).toMatchObject({
      type: "Programmed",
      status: "False",
      reason: "AddressNotAssigned",
    });
  });

  it("republishes when a pod's readiness changes, and not when nothing the config depends on changed", async () => {
    const { store, hub, settle } = await cluster0();
    const seen: Array<Record<string, unknown>> = [];
    hub.subscribe(GW_KEY, (config) => seen.push(config));
    expect(seen).toHaveLength(1);
    setPodReady(store, "qwen3-0-6b-kserve-7d9f8b6c5d-4xk2p", false);
    await settle();
    expect(seen).toHaveLength(2);
    expect(endpointsOf(cluster(seen[1] as Record<string, unknown>, POOL_CLUSTER))).not.toContain("127.77.0.21:8000");
    const pod = store.require("Pod", "my-first-model", "qwen3-0-6b-kserve-7d9f8b6c5d-9wq7m");
    store.update({ ...pod, metadata: { ...pod.metadata, annotations: { note: "irrelevant" } } });
    await settle();
    expect(seen).toHaveLength(2);
    setPodReady(store, "qwen3-0-6b-kserve-7d9f8b6c5d-4xk2p", true);
    await settle();
    expect(seen).toHaveLength(3);
    expect(endpointsOf(cluster(seen[2] as Record<string, unknown>, POOL_CLUSTER))).toContain("127.77.0.21:8000");
  });

  it("applies the seed's EnvoyFilter live (state C) and records the outcome on the EnvoyFilter", async () => {
    const { store, hub, settle } = await cluster0();
    store.create(parse(SEED_ENVOY_FILTER_YAML) as KubeObject);
    await settle();
    const config = hub.current(GW_KEY) as Record<string, unknown>;
    expect(effectiveOnRoute(config, CHAT).clusterName).toBe(
      "outbound|9002||qwen3-0-6b-epp-service.my-first-model.svc.cluster.local",
    );
    const maas = hub.current("openshift-ingress/maas-gateway") as Record<string, unknown>;
    // maas-gateway is not selected: its pool route keeps Istio's override, the EPP cluster (state A there).
    expect(effectiveOnRoute(maas, "my-first-model.qwen3-0-6b-maas-route.1").clusterName).toBe(
      "outbound|9002||qwen3-0-6b-epp-service.my-first-model.svc.cluster.local",
    );
    const filter = store.require("networking.istio.io/EnvoyFilter", "openshift-ingress", "fix-extproc-body-mode");
    expect(filter.status.conditions[0]).toMatchObject({
      type: "Applied",
      status: "True",
      message: `applied to gateway(s) ${GW_KEY}`,
    });
  });

  it("skips a broken EnvoyFilter with a status message and a log line, keeping the gateway's config", async () => {
    const { store, hub, settle, logs } = await cluster0();
    const before = hub.current(GW_KEY);
    store.create({
      apiVersion: "networking.istio.io/v1alpha3",
      kind: "EnvoyFilter",
      metadata: { name: "broken", namespace: "openshift-ingress" },
      spec: {
        workloadSelector: { labels: { "gateway.networking.k8s.io/gateway-name": "openshift-ai-inference" } },
        configPatches: [{ applyTo: "HTTP_ROUTE", patch: { operation: "ADD", value: { name: "x" } } }],
      },
    });
    await settle();
    expect(hub.current(GW_KEY)).toEqual(before);
    const filter = store.require("networking.istio.io/EnvoyFilter", "openshift-ingress", "broken");
    expect(filter.status.conditions[0]).toMatchObject({
      status: "False",
      reason: "PatchFailed",
      message: `gateway ${GW_KEY}: configPatches[0]: operation ADD is not valid for applyTo HTTP_ROUTE`,
    });
    expect(logs.some((line) => line.includes("EnvoyFilter openshift-ingress/broken on gateway"))).toBe(true);
  });

  it("pushes a config the proxy refuses: the gateway keeps its listeners, istiod logs the NACK", async () => {
    const { store, hub, settle, logs } = await cluster0();
    const before = hub.current(GW_KEY) as { static_resources: { listeners: unknown[] } };
    store.create({
      apiVersion: "networking.istio.io/v1alpha3",
      kind: "EnvoyFilter",
      metadata: { name: "duplex-base", namespace: "openshift-ingress" },
      spec: {
        workloadSelector: { labels: { "gateway.networking.k8s.io/gateway-name": "openshift-ai-inference" } },
        configPatches: [
          {
            applyTo: "HTTP_FILTER",
            match: {
              listener: {
                filterChain: {
                  filter: {
                    name: "envoy.filters.network.http_connection_manager",
                    subFilter: { name: "envoy.filters.http.ext_proc" },
                  },
                },
              },
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
        ],
      },
    });
    await settle();
    const after = hub.current(GW_KEY) as { static_resources: { listeners: unknown[] } };
    expect(after.static_resources.listeners).toEqual(before.static_resources.listeners);
    expect(logs.some((line) => line.startsWith(`ADS:LDS: ACK ERROR ${GW_KEY} InvalidArgument:`))).toBe(true);
    const filter = store.require("networking.istio.io/EnvoyFilter", "openshift-ingress", "duplex-base");
    expect(filter.status.conditions[0]).toMatchObject({ status: "False", reason: "ProxyRejected" });
  });

  it("reports InvalidExtensionRef on the pool and BackendNotFound on the route when references break", async () => {
    const { store, settle, hub } = await cluster0();
    store.delete("Service", "my-first-model", "qwen3-0-6b-epp-service");
    store.delete("Service", "my-first-model", "qwen3-0-6b-kserve-workload-svc");
    await settle();
    const pool = store.require(POOL, "my-first-model", "qwen3-0-6b-inference-pool");
    expect(pool.status.parent[0].conditions[1]).toMatchObject({
      type: "ResolvedRefs",
      status: "False",
      reason: "InvalidExtensionRef",
    });
    const route = store.require("gateway.networking.k8s.io/HTTPRoute", "my-first-model", "qwen3-0-6b-kserve-route");
    expect(route.status.parents[0].conditions[1]).toMatchObject({
      type: "ResolvedRefs",
      status: "False",
      reason: "BackendNotFound",
    });
    expect(readGatewayConfig(hub.current(GW_KEY) as Record<string, unknown>).warnings).toEqual([]);
  });

  it("stops programming a deleted Gateway", async () => {
    const { store, hub, settle } = await cluster0();
    store.delete("gateway.networking.k8s.io/Gateway", "openshift-ingress", "maas-gateway");
    await settle();
    expect(hub.keys()).toEqual([GW_KEY]);
    expect(store.get("apps/Deployment", "openshift-ingress", "maas-gateway-openshift-ai-inference")).toBeUndefined();
  });

  it("ignores Gateways of classes other controllers own", async () => {
    const { store, hub, settle } = await cluster0();
    store.create({
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "GatewayClass",
      metadata: { name: "other" },
      spec: { controllerName: "example.com/other" },
    });
    store.create({
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "Gateway",
      metadata: { name: "foreign", namespace: "openshift-ingress" },
      spec: { gatewayClassName: "other", listeners: [{ name: "http", port: 80, protocol: "HTTP" }] },
    });
    await settle();
    expect(hub.keys()).not.toContain("openshift-ingress/foreign");
    expect(store.get("apps/Deployment", "openshift-ingress", "foreign-other")).toBeUndefined();
    expect(store.require("gateway.networking.k8s.io/GatewayClass", undefined, "other").status).toBeUndefined();
  });
});
