// Request bodies in Kubernetes' protobuf encoding, which client-go's typed clients send (helm keeps
// its releases in Secrets that way): the `k8s\0` envelope around a runtime.Unknown (typeMeta, raw
// object), and the raw object for the kinds written so — Secret, ConfigMap and Namespace (`kubectl
// create secret|configmap|namespace`; field numbers from
// k8s.io/api/core/v1/generated.proto and apimachinery meta/v1/generated.proto). Any other protobuf
// body is the 415 kube-apiserver answers for a media type it cannot decode.
import { ApiError } from "@testbed/apimachinery";
import protobuf from "protobufjs";

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

type Fields = Map<number, Array<number | Uint8Array>>;

/** The core/v1 kinds whose protobuf form is decoded; any other is 415. */
const DECODED_KINDS = new Set(["Secret", "ConfigMap", "Namespace"]);

export function isProtobuf(contentType: string | undefined): boolean {
  return (contentType ?? "").toLowerCase().startsWith("application/vnd.kubernetes.protobuf");
}

/** The JSON text of a protobuf body, for the handlers that read JSON. */
export function protobufBodyToJson(body: Buffer): string {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw unsupported();
  const unknown = fieldsOf(body.subarray(4));
  const typeMeta = fieldsOf(bytes(unknown, 1));
  const apiVersion = text(typeMeta, 1);
  const kind = text(typeMeta, 2);
  const raw = fieldsOf(bytes(unknown, 2));
  if (apiVersion !== "v1" || !DECODED_KINDS.has(kind)) throw unsupported();
  const object: Record<string, unknown> = { apiVersion, kind, metadata: objectMeta(fieldsOf(bytes(raw, 1))) };
  if (kind === "Namespace") {
    // NamespaceSpec: repeated string finalizers = 1.
    const spec = fieldsOf(bytes(raw, 2));
    if (spec.has(1))
      object.spec = { finalizers: (spec.get(1) ?? []).map((v) => Buffer.from(v as Uint8Array).toString()) };
  } else if (kind === "Secret") {
    object.data = Object.fromEntries([...stringMap(raw, 2, true)]);
    if (raw.has(4)) object.stringData = Object.fromEntries([...stringMap(raw, 4)]);
    if (raw.has(3)) object.type = text(raw, 3);
    if (raw.has(5)) object.immutable = Number(raw.get(5)?.[0]) !== 0;
  } else {
    object.data = Object.fromEntries([...stringMap(raw, 2)]);
    if (raw.has(3)) object.binaryData = Object.fromEntries([...stringMap(raw, 3, true)]);
    if (raw.has(4)) object.immutable = Number(raw.get(4)?.[0]) !== 0;
  }
  return JSON.stringify(object);
}

function objectMeta(meta: Fields): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  const strings: Array<[number, string]> = [
    [1, "name"],
    [2, "generateName"],
    [3, "namespace"],
    [5, "uid"],
    [6, "resourceVersion"],
  ];
  for (const [field, name] of strings)
    if (meta.has(field) && text(meta, field) !== "") result[name] = text(meta, field);
  if (meta.has(11)) result.labels = Object.fromEntries([...stringMap(meta, 11)]);
  if (meta.has(12)) result.annotations = Object.fromEntries([...stringMap(meta, 12)]);
  if (meta.has(14)) result.finalizers = (meta.get(14) ?? []).map((v) => Buffer.from(v as Uint8Array).toString("utf8"));
  return result;
}

/** A protobuf map<string, string|bytes> field: repeated entries of key=1, value=2 (bytes as base64, as JSON has them). */
function stringMap(fields: Fields, field: number, binary = false): Map<string, string> {
  const map = new Map<string, string>();
  for (const entry of fields.get(field) ?? []) {
    const pair = fieldsOf(entry as Uint8Array);
    const value = bytes(pair, 2);
    map.set(text(pair, 1), binary ? Buffer.from(value).toString("base64") : Buffer.from(value).toString("utf8"));
  }
  return map;
}

function fieldsOf(buffer: Uint8Array): Fields {
  const reader = protobuf.Reader.create(buffer);
  const fields: Fields = new Map();
  try {
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      const field = tag >>> 3;
      const wireType = tag & 7;
      let value: number | Uint8Array;
      if (wireType === 2) value = reader.bytes();
      else if (wireType === 0) value = Number(reader.int64());
      else {
        reader.skipType(wireType);
        continue;
      }
      fields.set(field, [...(fields.get(field) ?? []), value]);
    }
  } catch {
    throw unsupported();
  }
  return fields;
}

function bytes(fields: Fields, field: number): Uint8Array {
  const value = fields.get(field)?.[0];
  return value instanceof Uint8Array ? value : new Uint8Array();
}

function text(fields: Fields, field: number): string {
  return Buffer.from(bytes(fields, field)).toString("utf8");
}

function unsupported(): ApiError {
  return new ApiError(
    "UnsupportedMediaType",
    "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml",
  );
}
