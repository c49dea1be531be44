// /openapi/v2 and /openapi/v3 for every served kind, generated from the kind table: what kubectl
// reads before `apply` (does PATCH take `fieldValidation`? then the server validates), for
// `explain`, and for strategic-merge-patch metadata (x-kubernetes-patch-merge-key / -strategy of the
// built-in kinds, from patch-meta.ts). The built-in kinds' schemas are typed down to every field
// (built-in-schemas.ts); the custom resources the seed touches publish their CRD's structural schema
// inline, as kube-apiserver publishes a CRD's (crd-schemas/), the others stay open
// (x-kubernetes-preserve-unknown-fields). The testbed validates objects itself (validation.ts).
import { createHash } from "node:crypto";
import { BUILT_IN_PATCH_META, KINDS, type KindInfo, kindKey, type PatchMeta } from "@testbed/apimachinery";
import { addTypedDefinitions } from "./built-in-schemas.js";
import { crdSchemaOf } from "./crd-schemas/crd-schemas.js";
import { decodedMessageOf } from "./protobuf-body.js";

type Schema = Record<string, unknown>;

const OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

/** A /openapi/v3 document as served: its JSON and the hash of that JSON, kept once built. */
export interface ServedDocument {
  json: string;
  /** kube-openapi's computeETag: the upper-case hex SHA-512 of the JSON. */
  etag: string;
}

/** Built once each: the documents come from the static kind and schema tables. */
let v3Index: ServedDocument | undefined;
const v3Documents = new Map<string, ServedDocument>();

/** `/openapi/v3`: one entry per group/version, each with the URL of its document and that document's hash. */
export function openApiV3Index(): ServedDocument {
  if (!v3Index) {
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const gv of groupVersions()) {
      const path = v3Path(gv.group, gv.version);
      // kubectl caches a document under its hash, so a changed schema (a new testbed release) changes it.
      const served = openApiV3Served(gv.group, gv.version) as ServedDocument;
      paths[path] = { serverRelativeURL: v3Url(path, served.etag) };
    }
    v3Index = servedForm(JSON.stringify({ paths }));
  }
  return v3Index;
}

/** `api/v1` or `apis/<group>/<version>`: a document's path under /openapi/v3. */
export function v3Path(group: string, version: string): string {
  return group === "" ? `api/${version}` : `apis/${group}/${version}`;
}

/** handler3's constructServerRelativeURL: the document's URL with its hash. */
export function v3Url(path: string, etag: string): string {
  return `/openapi/v3/${path}?hash=${etag}`;
}

/** The served form of a group/version's document, or undefined for a group/version not served. */
export function openApiV3Served(group: string, version: string): ServedDocument | undefined {
  const key = v3Path(group, version);
  let document = v3Documents.get(key);
  if (!document) {
    const built = openApiV3Document(group, version);
    if (!built) return undefined;
    document = servedForm(JSON.stringify(built));
    v3Documents.set(key, document);
  }
  return document;
}

function servedForm(json: string): ServedDocument {
  return { json, etag: createHash("sha512").update(json).digest("hex").toUpperCase() };
}

/** `/openapi/v3/api/v1`, `/openapi/v3/apis/apps/v1`…, or undefined for a group/version not served. */
export function openApiV3Document(group: string, version: string): Schema | undefined {
  const kinds = KINDS.filter((k) => k.group === group && k.versions.includes(version));
  if (kinds.length === 0) return undefined;
  const schemas: Record<string, Schema> = { [OBJECT_META]: objectMetaSchema("#/components/schemas/") };
  const paths: Record<string, Schema> = {};
  for (const info of kinds) {
    addKind(schemas, info, version, "#/components/schemas/");
    Object.assign(
      paths,
      kindPaths(info, version, (name) => ({ $ref: `#/components/schemas/${name}` })),
    );
  }
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes", version: "v1.33.5" },
    paths,
    components: { schemas },
  };
}

/** `/openapi/v2`: every kind of every version in one Swagger 2.0 document. */
export function openApiV2Document(): Schema {
  const definitions: Record<string, Schema> = { [OBJECT_META]: objectMetaSchema("#/definitions/") };
  const paths: Record<string, Schema> = {};
  for (const gv of groupVersions()) {
    for (const info of KINDS.filter((k) => k.group === gv.group && k.versions.includes(gv.version))) {
      addKind(definitions, info, gv.version, "#/definitions/");
      Object.assign(
        paths,
        kindPaths(info, gv.version, (name) => ({ $ref: `#/definitions/${name}` }), true),
      );
    }
  }
  return { swagger: "2.0", info: { title: "Kubernetes", version: "v1.33.5" }, paths, definitions };
}

function groupVersions(): Array<{ group: string; version: string }> {
  const seen = new Map<string, { group: string; version: string }>();
  for (const info of KINDS) {
    for (const version of info.versions) seen.set(`${info.group}/${version}`, { group: info.group, version });
  }
  return [...seen.values()];
}

/** The definition name: the built-in kinds' real ones, `<reversed group>.<version>.<Kind>` for the rest. */
export function definitionName(info: KindInfo, version: string): string {
  const meta = BUILT_IN_PATCH_META[kindKey(info)];
  if (meta?.definition) return meta.definition.replace(/\.v1\./, `.${version}.`);
  return `${info.group.split(".").reverse().join(".")}.${version}.${info.kind}`;
}

function addKind(schemas: Record<string, Schema>, info: KindInfo, version: string, refBase: string): void {
  const name = definitionName(info, version);
  const meta = BUILT_IN_PATCH_META[kindKey(info)] ?? { properties: {} };
  const custom = crdSchemaOf(kindKey(info), version);
  const schema = custom ? publishedCustomSchema(custom, refBase) : nodeSchema(meta, refBase, schemas);
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  schemas[name] = {
    ...schema,
    description: `${info.kind} as the testbed serves it.`,
    type: "object",
    properties: {
      apiVersion: {
        type: "string",
        description: "APIVersion defines the versioned schema of this representation of an object.",
      },
      kind: {
        type: "string",
        description: "Kind is a string value representing the REST resource this object represents.",
      },
      ...properties,
      metadata: { $ref: `${refBase}${OBJECT_META}` },
      spec: properties.spec ?? openObject(`Specification of the desired behavior of the ${info.kind}.`),
      status: properties.status ?? openObject(`Most recently observed status of the ${info.kind}.`),
    },
    "x-kubernetes-group-version-kind": [{ group: info.group, version, kind: info.kind }],
  };
  const root = decodedMessageOf(info);
  if (root !== undefined) addTypedDefinitions(schemas, root, refBase);
}

/**
 * A CRD's structural schema as the published document carries it: inline, metadata by $ref (set by
 * the caller); Swagger 2.0 has no anyOf, so the v2 document drops it (int-or-string keeps its marker).
 */
function publishedCustomSchema(schema: Schema, refBase: string): Schema {
  return refBase === "#/definitions/" ? withoutAnyOf(schema) : schema;
}

function withoutAnyOf(node: unknown): Schema {
  if (Array.isArray(node)) return node.map(withoutAnyOf) as unknown as Schema;
  if (node === null || typeof node !== "object") return node as Schema;
  const copy: Schema = {};
  for (const [key, value] of Object.entries(node)) if (key !== "anyOf") copy[key] = withoutAnyOf(value);
  return copy;
}

/** A schema for one metadata node; named nodes become definitions referenced by $ref. */
function nodeSchema(meta: PatchMeta, refBase: string, schemas: Record<string, Schema>): Schema {
  if (meta.list) {
    return {
      type: "array",
      items: meta.items ? referenced(meta.items, refBase, schemas) : {},
      ...(meta.mergeKey ? { "x-kubernetes-patch-merge-key": meta.mergeKey } : {}),
      ...(meta.strategy ? { "x-kubernetes-patch-strategy": meta.strategy } : {}),
    };
  }
  const properties: Record<string, Schema> = {};
  for (const [field, child] of Object.entries(meta.properties ?? {})) {
    properties[field] =
      child.definition === OBJECT_META ? { $ref: `${refBase}${OBJECT_META}` } : referenced(child, refBase, schemas);
  }
  return {
    type: "object",
    properties,
    "x-kubernetes-preserve-unknown-fields": true,
    ...(meta.strategy ? { "x-kubernetes-patch-strategy": meta.strategy } : {}),
  };
}

function referenced(meta: PatchMeta, refBase: string, schemas: Record<string, Schema>): Schema {
  const schema = nodeSchema(meta, refBase, schemas);
  if (!meta.definition || meta.list) return schema;
  if (!schemas[meta.definition]) schemas[meta.definition] = schema;
  return { $ref: `${refBase}${meta.definition}` };
}

function objectMetaSchema(refBase: string): Schema {
  const meta = BUILT_IN_PATCH_META.Pod?.properties?.metadata ?? {};
  const schema = nodeSchema({ ...meta, definition: undefined }, refBase, {});
  const properties = schema.properties as Record<string, Schema>;
  return {
    description: "ObjectMeta is metadata that all persisted resources must have.",
    type: "object",
    properties: {
      name: { type: "string" },
      namespace: { type: "string" },
      labels: { type: "object", additionalProperties: { type: "string" } },
      annotations: { type: "object", additionalProperties: { type: "string" } },
      resourceVersion: { type: "string" },
      uid: { type: "string" },
      generation: { type: "integer", format: "int64" },
      creationTimestamp: { type: "string", format: "date-time" },
      deletionTimestamp: { type: "string", format: "date-time" },
      managedFields: { type: "array", items: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
      ...properties,
    },
  };
}

function openObject(description: string): Schema {
  return { description, type: "object", "x-kubernetes-preserve-unknown-fields": true };
}

/** The object and collection paths of a kind, each PATCH naming its GVK and the query parameters it takes. */
function kindPaths(
  info: KindInfo,
  version: string,
  ref: (name: string) => Schema,
  swagger = false,
): Record<string, Schema> {
  const base = info.group === "" ? `/api/${version}` : `/apis/${info.group}/${version}`;
  const scope = info.namespaced ? "/namespaces/{namespace}" : "";
  const gvk = { group: info.group, version, kind: info.kind };
  const body = swagger
    ? { schema: ref(definitionName(info, version)) }
    : { content: { "application/json": { schema: ref(definitionName(info, version)) } } };
  const query = (name: string) => ({
    name,
    in: "query",
    schema: { type: "string" },
    ...(swagger ? { type: "string" } : {}),
  });
  const operation = (verb: string, id: string) => ({
    operationId: `${id}${info.kind}`,
    "x-kubernetes-action": verb,
    "x-kubernetes-group-version-kind": gvk,
    parameters: ["dryRun", "fieldManager", "fieldValidation", ...(verb === "patch" ? ["force"] : [])].map(query),
    responses: { "200": { description: "OK", ...body } },
  });
  return {
    [`${base}${scope}/${info.plural}/{name}`]: {
      get: { ...operation("get", "read"), parameters: [] },
      put: operation("put", "replace"),
      patch: operation("patch", "patch"),
      delete: { ...operation("delete", "delete"), parameters: [query("dryRun")] },
    },
    [`${base}${scope}/${info.plural}`]: {
      get: { ...operation("list", "list"), parameters: [query("labelSelector"), query("fieldSelector")] },
      post: operation("post", "create"),
    },
  };
}
