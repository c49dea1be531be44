import type { KubeObject } from "@testbed/apimachinery";
import { describe, expect, it } from "vitest";
import { generateGatewayConfig } from "../src/controllers/mesh/gateway-config.js";
import { snapshotFromObjects } from "../src/controllers/mesh/mesh-snapshot.js";
import { gatewayStatus } from "../src/controllers/mesh/status/gateway-status.js";
import { inferencePoolStatus } from "../src/controllers/mesh/status/pool-status.js";
import { httpRouteStatus } from "../src/controllers/mesh/status/route-status.js";
import { seedClusterObjects } from "./fixtures/seed-cluster.js";

const NOW = "2026-01-01T00:05:00Z";
const byName = (objects: KubeObject[], name: string) => objects.find((o) => o.metadata.name === name) as KubeObject;

describe("mesh status writers", () => {
  it("v1 InferencePools get status.parents[], v1alpha2 status.parent[]", () => {
    const snapshot = snapshotFromObjects(seedClusterObjects());
    const alpha = snapshot.inferencePools[0] as KubeObject;
    const gateway = byName(snapshot.gateways, "openshift-ai-inference");
    expect(inferencePoolStatus(snapshot, alpha, [gateway], NOW)).toHaveProperty("parent");
    const v1 = {
      ...alpha,
      apiVersion: "inference.networking.k8s.io/v1",
      spec: { endpointPickerRef: { kind: "Service", name: "missing", port: { number: 9002 } } },
    };
    const status = inferencePoolStatus(snapshot, v1, [gateway], NOW) as {
      parents: Array<{ parentRef: unknown; conditions: Array<{ reason: string }> }>;
    };
    expect(status).not.toHaveProperty("parent");
    expect(status.parents[0]?.parentRef).toEqual({
      group: "gateway.networking.k8s.io",
      kind: "Gateway",
      namespace: "openshift-ingress",
      name: "openshift-ai-inference",
    });
    expect(status.parents[0]?.conditions.map((c) => c.reason)).toEqual(["Accepted", "InvalidExtensionRef"]);
    expect(inferencePoolStatus(snapshot, { ...alpha, status: { parent: [{}] } }, [], NOW)).not.toHaveProperty("parent");
  });

  it("HTTPRoute parents keep other controllers' entries and report NotAllowedByListeners", () => {
    const objects = seedClusterObjects().map((o) =>
      o.kind === "Gateway"
        ? {
            ...o,
            spec: {
              ...o.spec,
              listeners: [{ ...o.spec.listeners[0], allowedRoutes: { namespaces: { from: "Same" } } }],
            },
          }
        : o,
    );
    const snapshot = snapshotFromObjects(objects);
    const gateway = byName(snapshot.gateways, "openshift-ai-inference");
    const generation = generateGatewayConfig(snapshot, gateway, { istio: "1.26" });
    const route = byName(snapshot.httpRoutes, "qwen3-0-6b-kserve-route");
    route.status = { parents: [{ parentRef: { name: "other" }, controllerName: "example.com/other", conditions: [] }] };
    const attachment = generation.attachments[0];
    if (!attachment) throw new Error("no attachment");
    const status = httpRouteStatus(
      route,
      [{ attachment, controllerName: "openshift.io/gateway-controller/v1" }],
      [],
      ["openshift.io/gateway-controller/v1"],
      NOW,
    ) as {
      parents: Array<{ controllerName: string; conditions: Array<{ type: string; status: string; reason: string }> }>;
    };
    expect(status.parents.map((p) => p.controllerName)).toEqual([
      "example.com/other",
      "openshift.io/gateway-controller/v1",
    ]);
    expect(status.parents[1]?.conditions[0]).toMatchObject({
      type: "Accepted",
      status: "False",
      reason: "NotAllowedByListeners",
    });
  });

  it("a listener without its certificate Secret is not programmed: ResolvedRefs False / InvalidCertificateRef", () => {
    const snapshot = snapshotFromObjects(
      seedClusterObjects({ gatewayPods: true }).filter((o) => o.metadata.name !== "openshift-ai-inference-tls"),
    );
    const gateway = byName(snapshot.gateways, "openshift-ai-inference");
    const status = gatewayStatus(
      snapshot,
      gateway,
      generateGatewayConfig(snapshot, gateway, { istio: "1.26" }),
      NOW,
    ) as {
      addresses: unknown;
      listeners: Array<{ conditions: Array<{ type: string; status: string; reason: string }> }>;
    };
    const conditions = status.listeners[0]?.conditions ?? [];
    expect(conditions.find((c) => c.type === "ResolvedRefs")).toMatchObject({
      status: "False",
      reason: "InvalidCertificateRef",
    });
    expect(conditions.find((c) => c.type === "Programmed")).toMatchObject({ status: "False", reason: "Invalid" });
    expect(status.addresses).toBeDefined();
  });
});
