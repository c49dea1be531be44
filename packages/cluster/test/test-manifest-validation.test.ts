import type { ApiError } from "@testbed/apimachinery";
import { validateObject } from "@testbed/apimachinery";
import { describe, expect, it } from "vitest";
import { ObjectStore } from "../src/store/object-store.js";

const envoyFilter = (applyTo: string, operation = "MERGE") => ({
  apiVersion: "networking.istio.io/v1alpha3",
  kind: "EnvoyFilter",
  metadata: { name: "fix-extproc-body-mode", namespace: "openshift-ingress" },
  spec: { configPatches: [{ applyTo, match: { context: "GATEWAY" }, patch: { operation, value: {} } }] },
});

describe("validateObject", () => {
  it("accepts the seed's EnvoyFilter", () => {
    expect(validateObject(envoyFilter("HTTP_FILTER"))).toEqual([]);
  });

  it("names the field and the supported values of an EnvoyFilter enum", () => {
    const causes = validateObject(envoyFilter("HTTP_FILTR", "MERGER"));
    expect(causes.map((c) => c.field)).toEqual([
      "spec.configPatches[0].applyTo",
      "spec.configPatches[0].patch.operation",
    ]);
    expect(causes[0]?.message).toMatch(/^Unsupported value: "HTTP_FILTR": supported values: "INVALID", "LISTENER", /);
    expect(causes[0]?.message).toContain('"HTTP_FILTER"');
  });

  it("checks Service port ranges and types", () => {
    const service = (port: unknown) => ({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "svc" },
      spec: { ports: [{ port }] },
    });
    expect(validateObject(service(8000))).toEqual([]);
    expect(validateObject(service(70000))[0]).toMatchObject({
      field: "spec.ports[0].port",
      message: "Invalid value: 70000: must be between 1 and 65535, inclusive",
    });
    expect(validateObject(service("8000"))[0]?.message).toBe(
      'Invalid value: "string": spec.ports[0].port in body must be of type integer: "string"',
    );
  });

  it("requires an LLMInferenceService model uri and a Deployment selector matching its template", () => {
    const llm = { apiVersion: "serving.kserve.io/v1alpha1", kind: "LLMInferenceService", metadata: { name: "q" } };
    expect(validateObject({ ...llm, spec: { model: { name: "Qwen/Qwen3-0.6B" } } })).toEqual([
      { field: "spec.model.uri", message: "Required value", reason: "FieldValueRequired" },
    ]);
    const deployment = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "d" },
      spec: {
        selector: { matchLabels: { app: "a" } },
        template: { metadata: { labels: { app: "b" } }, spec: { containers: [{ name: "main", image: "x" }] } },
      },
    };
    expect(validateObject(deployment).map((c) => c.field)).toEqual(["spec.template.metadata.labels"]);
  });

  it("checks both InferencePool versions, DestinationRule TLS mode and connection pool, Gateway listeners and Secret base64", () => {
    const alpha = validateObject({
      apiVersion: "inference.networking.x-k8s.io/v1alpha2",
      kind: "InferencePool",
      metadata: { name: "p" },
      spec: { selector: { app: "x" }, targetPortNumber: 8000, extensionRef: {} },
    });
    expect(alpha.map((c) => c.field)).toEqual(["spec.extensionRef.name"]);
    const v1 = validateObject({
      apiVersion: "inference.networking.k8s.io/v1",
      kind: "InferencePool",
      metadata: { name: "p" },
      spec: { selector: { matchLabels: { app: "x" } }, targetPorts: [{ number: 0 }], endpointPickerRef: { name: "e" } },
    });
    expect(v1.map((c) => c.field)).toEqual(["spec.targetPorts[0].number"]);
    const rule = validateObject({
      apiVersion: "networking.istio.io/v1",
      kind: "DestinationRule",
      metadata: { name: "r" },
      spec: {
        trafficPolicy: {
          tls: { mode: "STRICT" },
          connectionPool: { tcp: { maxConnections: "1" }, http: { maxRetries: 1.5 } },
        },
      },
    });
    expect(rule.map((c) => c.field)).toEqual([
      "spec.host",
      "spec.trafficPolicy.tls.mode",
      "spec.trafficPolicy.connectionPool.tcp.maxConnections",
      "spec.trafficPolicy.connectionPool.http.maxRetries",
    ]);
    const gateway = validateObject({
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "Gateway",
      metadata: { name: "g" },
      spec: { listeners: [{ name: "https", port: 443, protocol: "HTTPX" }] },
    });
    expect(gateway.map((c) => c.field)).toEqual(["spec.gatewayClassName", "spec.listeners[0].protocol"]);
    const secret = validateObject({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "s" },
      data: { key: "no*pe" },
    });
    expect(secret[0]).toMatchObject({
      field: "data[key]",
      message: 'Invalid value: "no*pe": illegal base64 data at input byte 2',
    });
    expect(
      validateObject({ apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, data: { key: "aGVsbG8=" } }),
    ).toEqual([]);
  });

  it("is enforced by the store on create and update with a 422 Invalid naming every cause", () => {
    const store = new ObjectStore();
    store.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "openshift-ingress" } });
    const failure = (() => {
      try {
        store.create(envoyFilter("HTTP_FILTR"));
      } catch (error) {
        return error as ApiError;
      }
      return undefined;
    })();
    expect(failure?.code).toBe(422);
    expect(failure?.message).toMatch(
      /^EnvoyFilter "fix-extproc-body-mode" is invalid: spec\.configPatches\[0\]\.applyTo: Unsupported value/,
    );
    store.create(envoyFilter("HTTP_FILTER"));
    expect(() => store.update(envoyFilter("NOPE"))).toThrow(/is invalid/);
    expect(store.list("networking.istio.io/EnvoyFilter")[0]?.spec.configPatches[0].applyTo).toBe("HTTP_FILTER");
  });
});
