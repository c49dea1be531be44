// Request bodies in Kubernetes' protobuf encoding, which client-go's typed clients send (`kubectl
// create deployment|service|serviceaccount|secret|configmap|namespace`, helm's release Secrets): the
// `k8s\0` magic, a runtime.Unknown {typeMeta, raw} and the raw object, decoded into the JSON the
// handlers read by the field tables of protobuf-messages.ts. As gogo-protobuf's generated Unmarshal
// does, a field number the table does not know is skipped. A protobuf body for a kind the testbed
// does not decode (custom resources: the real server has no protobuf serializer for them) is the 415
// kube-apiserver answers (apimachinery runtime/negotiation errUnsupportedMediaType); a body that is
// not protobuf at all is its 400 (apiserver handlers transformDecodeError).
import { ApiError, type KindInfo, kindKey } from "@testbed/apimachinery";
import protobuf from "protobufjs";
import { LEAF_MESSAGES, MESSAGES } from "./protobuf-messages.js";

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** The kinds whose protobuf form is decoded (kind key → root message), as kube-apiserver registers them. */
const DECODED_KINDS: ReadonlyMap<string, string> = new Map([
  ["Namespace", "Namespace"],
  ["Pod", "Pod"],
  ["Service", "Service"],
  ["Secret", "Secret"],
  ["ConfigMap", "ConfigMap"],
  ["Event", "Event"],
  ["ServiceAccount", "ServiceAccount"],
  ["apps/Deployment", "Deployment"],
  ["apps/ReplicaSet", "ReplicaSet"],
]);

interface FieldSpec {
  json: string;
  /** s, i, b, d, y or a message name. */
  type: string;
  map: boolean;
  repeated: boolean;
  pointer: boolean;
  inline: boolean;
}

const tables = new Map<string, Map<number, FieldSpec>>();

/** The root message of a kind whose protobuf form is decoded (`Deployment`), or undefined. */
export function decodedMessageOf(info: Pick<KindInfo, "group" | "kind">): string | undefined {
  return DECODED_KINDS.get(kindKey(info));
}

export function isProtobuf(contentType: string | undefined): boolean {
  return (contentType ?? "").toLowerCase().startsWith("application/vnd.kubernetes.protobuf");
}

/** The JSON text of a protobuf body sent to the resource `info`, for the handlers that read JSON. */
export function protobufBodyToJson(body: Buffer, info: Pick<KindInfo, "group" | "kind">): string {
  const root = DECODED_KINDS.get(kindKey(info));
  if (root === undefined) throw unsupported(["application/json", "application/yaml"]);
  if (body.length === 0) throw unrecognized(info.kind, "empty data", body);
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC))
    throw unrecognized(
      info.kind,
      "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]",
      body,
    );
  if (body.length === MAGIC.length) throw unrecognized(info.kind, "empty body", body);
  try {
    const unknown = decodeMessage("Unknown", body.subarray(MAGIC.length));
    const typeMeta = (unknown.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
    const raw = Buffer.from(String(unknown.raw ?? ""), "base64");
    // Another served kind is decoded too: the handlers then refuse the mismatch as for a JSON body.
    const sent = DECODED_KINDS.get(kindKey({ group: groupOf(typeMeta.apiVersion), kind: typeMeta.kind ?? "" }));
    if (sent === undefined)
      throw new ApiError(
        "BadRequest",
        `${typeMeta.kind ?? ""} in version "${versionOf(typeMeta.apiVersion)}" cannot be handled as a ${info.kind}`,
      );
    return JSON.stringify({ apiVersion: typeMeta.apiVersion, kind: typeMeta.kind, ...decodeMessage(sent, raw) });
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw unrecognized(info.kind, (error as Error).message, body);
  }
}

/** runtime.Unknown and its TypeMeta (k8s.io/apimachinery/pkg/runtime/generated.proto). */
const ENVELOPE: Readonly<Record<string, string>> = {
  Unknown: "1:typeMeta:TypeMeta 2:raw:y 3:contentEncoding:s 4:contentType:s",
  TypeMeta: "1:apiVersion:s 2:kind:s",
};

function table(message: string): Map<number, FieldSpec> {
  const known = tables.get(message);
  if (known) return known;
  const text = MESSAGES[message] ?? ENVELOPE[message];
  if (text === undefined) throw new Error(`no field table for ${message}`);
  const fields = new Map<number, FieldSpec>();
  for (const entry of text.split(" ")) {
    const [number, json, rawType] = entry.split(":") as [string, string, string];
    const repeated = rawType.includes("*");
    const pointer = rawType.endsWith("?");
    const inline = rawType.endsWith("^");
    const bare = rawType.replace(/[*?^]/g, "");
    const map = bare.startsWith("{");
    fields.set(Number(number), { json, type: map ? bare.slice(1, -1) : bare, map, repeated, pointer, inline });
  }
  tables.set(message, fields);
  return fields;
}

function decodeMessage(message: string, buffer: Uint8Array): Record<string, unknown> {
  const fields = table(message);
  const reader = protobuf.Reader.create(buffer);
  const object: Record<string, unknown> = {};
  const seen = new Set<FieldSpec>();
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const spec = fields.get(tag >>> 3);
    if (spec === undefined) {
      reader.skipType(tag & 7);
      continue;
    }
    seen.add(spec);
    const value = spec.map ? mapEntry(spec.type, reader.bytes()) : readValue(spec.type, tag & 7, reader);
    if (spec.map) {
      const entries = (object[spec.json] ?? {}) as Record<string, unknown>;
      entries[value[0] as string] = value[1];
      object[spec.json] = entries;
    } else if (spec.repeated) {
      object[spec.json] = [...((object[spec.json] as unknown[] | undefined) ?? []), ...(value as unknown[])];
    } else object[spec.json] = (value as unknown[])[0];
  }
  for (const spec of seen) settle(object, spec);
  return object;
}

/** Zero values of non-pointer Go fields are what gogo writes for "unset": JSON omits them. */
function settle(object: Record<string, unknown>, spec: FieldSpec): void {
  const value = object[spec.json];
  if (spec.inline && value !== undefined) {
    delete object[spec.json];
    Object.assign(object, value);
    return;
  }
  const zero = value === undefined || value === "" || value === 0 || value === false;
  if ((zero && !spec.pointer && !spec.repeated && !spec.map) || value === undefined) delete object[spec.json];
}

/** One value (in an array: a packed repeated field gives several). */
function readValue(type: string, wireType: number, reader: protobuf.Reader): unknown[] {
  if (type === "i" || type === "b") {
    if (wireType === 2) {
      const packed = protobuf.Reader.create(reader.bytes());
      const values: unknown[] = [];
      while (packed.pos < packed.len) values.push(scalar(type, packed));
      return values;
    }
    expectWire(wireType, 0);
    return [scalar(type, reader)];
  }
  if (type === "d") {
    expectWire(wireType, 1);
    return [reader.double()];
  }
  expectWire(wireType, 2);
  const bytes = reader.bytes();
  if (type === "s") return [Buffer.from(bytes).toString("utf8")];
  if (type === "y") return [Buffer.from(bytes).toString("base64")];
  return [LEAF_MESSAGES.has(type) ? leaf(type, bytes) : decodeMessage(type, bytes)];
}

function scalar(type: "i" | "b" | string, reader: protobuf.Reader): number | boolean {
  const value: unknown = reader.int64();
  const number = typeof value === "number" ? value : (value as { toNumber(): number }).toNumber();
  return type === "b" ? number !== 0 : number;
}

/** A map<string, T> entry: key = 1, value = 2. */
function mapEntry(type: string, bytes: Uint8Array): [string, unknown] {
  const reader = protobuf.Reader.create(bytes);
  let key = "";
  let value: unknown = type === "s" || type === "y" ? "" : {};
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 === 1) key = reader.string();
    else if (tag >>> 3 === 2) value = readValue(type, tag & 7, reader)[0];
    else reader.skipType(tag & 7);
  }
  return [key, value];
}

/** The types whose JSON is not an object of their fields: times, quantities, int-or-string, fieldsV1. */
function leaf(type: string, bytes: Uint8Array): unknown {
  const reader = protobuf.Reader.create(bytes);
  const fields = new Map<number, number | Uint8Array>();
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    fields.set(tag >>> 3, (tag & 7) === 2 ? reader.bytes() : (scalar("i", reader) as number));
  }
  const text = (field: number) => Buffer.from((fields.get(field) as Uint8Array | undefined) ?? []).toString("utf8");
  const number = (field: number) => Number(fields.get(field) ?? 0);
  switch (type) {
    case "Quantity":
      return text(1);
    case "IntOrString":
      return number(1) === 1 ? text(3) : number(2);
    case "FieldsV1":
      return JSON.parse(text(1) || "{}");
    default: {
      // Time (RFC 3339 in seconds) and MicroTime (microseconds); the zero time is JSON's null.
      const seconds = number(1);
      const nanos = number(2);
      if (seconds === 0 && nanos === 0) return undefined;
      const iso = new Date(seconds * 1000).toISOString().slice(0, 19);
      return type === "MicroTime" ? `${iso}.${String(Math.floor(nanos / 1000)).padStart(6, "0")}Z` : `${iso}Z`;
    }
  }
}

function expectWire(actual: number, expected: number): void {
  if (actual !== expected) throw new Error(`proto: wrong wireType = ${actual} for field`);
}

function groupOf(apiVersion: string | undefined): string {
  const slash = (apiVersion ?? "").indexOf("/");
  return slash < 0 ? "" : (apiVersion ?? "").slice(0, slash);
}

function versionOf(apiVersion: string | undefined): string {
  return (apiVersion ?? "").slice((apiVersion ?? "").indexOf("/") + 1);
}

function unsupported(accepted: string[]): ApiError {
  return new ApiError(
    "UnsupportedMediaType",
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(", ")}`,
  );
}

/** transformDecodeError's message: the base error, then the first 30 bytes of the body in hex. */
function unrecognized(kind: string, reason: string, body: Buffer): ApiError {
  const summary =
    body.length === 0
      ? "<empty>"
      : body.length > 30
        ? `${body.subarray(0, 30).toString("hex")} ...`
        : body.toString("hex");
  return new ApiError(
    "BadRequest",
    `the object provided is unrecognized (must be of type ${kind}): ${reason} (${summary})`,
  );
}
