// Protobuf request bodies decoded as kube-apiserver decodes them: bodies written here field by field
// as gogo-protobuf writes them (every non-pointer field, zero or not), checked against the JSON the
// same object has — inlined structs, int-or-string, quantities, times, pointer zeros.
import protobuf from "protobufjs";
import { describe, expect, it } from "vitest";
import { protobufBodyToJson } from "../src/api/protobuf-body.js";

type Part = [field: number, value: string | number | boolean | Uint8Array];

/** One message: strings and nested messages length-delimited, numbers and booleans as varints. */
function message(...parts: Part[]): Uint8Array {
  const writer = protobuf.Writer.create();
  for (const [field, value] of parts) {
    if (typeof value === "string") writer.uint32((field << 3) | 2).string(value);
    else if (value instanceof Uint8Array) writer.uint32((field << 3) | 2).bytes(value);
    else writer.uint32(field << 3).int64(Number(value));
  }
  return writer.finish();
}

function envelope(apiVersion: string, kind: string, raw: Uint8Array): Buffer {
  const unknown = message([1, message([1, apiVersion], [2, kind])], [2, raw], [3, ""], [4, ""]);
  return Buffer.concat([Buffer.from("k8s\u0000", "latin1"), unknown]);
}

const entry = (key: string, value: string | Uint8Array) => message([1, key], [2, value]);
const zeroTime = message([1, 0], [2, 0]);

describe("protobuf request bodies", () => {
  it("a Deployment: pointer zeros kept, non-pointer zeros and the zero time dropped", () => {
    const meta = message([1, "web"], [3, "shop"], [7, 0], [8, zeroTime], [11, entry("app", "web")]);
    const container = message([1, "main"], [2, "web:1"], [5, ""], [8, message()], [16, false]);
    const template = message([1, message([11, entry("app", "web")])], [2, message([2, container], [3, "Always"])]);
    const maxSurge = message([1, 1], [2, 0], [3, "25%"]);
    const spec = message(
      [1, 0],
      [2, message([1, entry("app", "web")])],
      [3, template],
      [4, message([1, "RollingUpdate"], [2, message([2, maxSurge])])],
      [5, 0],
      [7, false],
    );
    const json = JSON.parse(
      protobufBodyToJson(envelope("apps/v1", "Deployment", message([1, meta], [2, spec], [3, message()])), {
        group: "apps",
        kind: "Deployment",
      }),
    );
    expect(json).toEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace: "shop", labels: { app: "web" } },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: { containers: [{ name: "main", image: "web:1", resources: {} }], restartPolicy: "Always" },
        },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%" } },
      },
      status: {},
    });
  });

  it("a Pod: VolumeSource and the probe handler inlined, ports as int-or-string, quantities and times", () => {
    const volume = message([1, "config"], [2, message([19, message([1, message([1, "settings"])], [3, 420])])]);
    const probe = message([1, message([2, message([1, "/health"], [2, message([1, 0], [2, 8000])])])], [4, 10]);
    const resources = message([1, entry("memory", message([1, "1Gi"]))]);
    const container = message([1, "vllm"], [8, resources], [11, probe]);
    const meta = message([1, "p"], [8, message([1, 1_700_000_000], [2, 0])]);
    const pod = message([1, meta], [2, message([1, volume], [2, container])]);
    const json = JSON.parse(protobufBodyToJson(envelope("v1", "Pod", pod), { group: "", kind: "Pod" }));
    expect(json.metadata).toEqual({ name: "p", creationTimestamp: "2023-11-14T22:13:20Z" });
    expect(json.spec.volumes).toEqual([{ name: "config", configMap: { name: "settings", defaultMode: 420 } }]);
    expect(json.spec.containers[0]).toEqual({
      name: "vllm",
      resources: { limits: { memory: "1Gi" } },
      readinessProbe: { httpGet: { path: "/health", port: 8000 }, periodSeconds: 10 },
    });
  });

  it("a Secret's data stays base64, as JSON carries bytes", () => {
    const secret = message([1, message([1, "s"])], [2, entry("token", Buffer.from("hunter2"))], [3, "Opaque"]);
    const json = JSON.parse(protobufBodyToJson(envelope("v1", "Secret", secret), { group: "", kind: "Secret" }));
    expect(json).toMatchObject({ data: { token: Buffer.from("hunter2").toString("base64") }, type: "Opaque" });
  });

  it("refuses what the real server refuses", () => {
    const kind = { group: "kuadrant.io", kind: "AuthPolicy" };
    expect(() => protobufBodyToJson(envelope("kuadrant.io/v1", "AuthPolicy", message()), kind)).toThrow(
      "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml",
    );
    const pods = { group: "", kind: "Pod" };
    expect(() => protobufBodyToJson(Buffer.from("k8s\u0000", "latin1"), pods)).toThrow(
      "the object provided is unrecognized (must be of type Pod): empty body (6b387300)",
    );
    expect(() => protobufBodyToJson(envelope("batch/v1", "Job", message()), pods)).toThrow(
      'Job in version "v1" cannot be handled as a Pod',
    );
    const truncated = envelope("v1", "Pod", message([1, message([1, "p"])])).subarray(0, 20);
    expect(() => protobufBodyToJson(truncated, pods)).toThrow(
      /^the object provided is unrecognized \(must be of type Pod\)/,
    );
  });
});
