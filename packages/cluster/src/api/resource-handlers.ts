// The REST verbs on stored objects, free of HTTP: each takes the parsed path and request and returns
// a status code and body, or throws an ApiError the server turns into a Status.

import type { KubeObject } from "@testbed/apimachinery";
import {
  ApiError,
  applyPatch,
  invalid,
  type KindInfo,
  kindKey,
  type LabelSelector,
  matchesSelector,
  type PatchMeta,
  type PatchType,
  parseSelector,
  patchMetaOf,
  patchTypeOf,
  SelectorError,
} from "@testbed/apimachinery";
import type { ObjectStore } from "../store/object-store.js";
import { type FieldSelector, matchesFields } from "./field-selector.js";
import { fieldValidationOf, validateFields } from "./field-validation.js";
import { methodNotAllowed, type ResourcePath } from "./resource-path.js";
import { applyObject, recordWrite } from "./server-side-apply.js";

export interface ResourceRequest {
  method: string;
  path: ResourcePath;
  query: Record<string, string | undefined>;
  /** The raw body text (parsed here, so malformed JSON is a Status, not a crash). */
  body: string | undefined;
  contentType: string | undefined;
  /** `?fieldSelector=`, already checked against the kind (field-selector.ts). */
  fields?: FieldSelector;
  /** For the default field manager of a write (server-side-apply.ts). */
  userAgent?: string;
  /** A list's objects as they were at an earlier version (the later pages of a paged list). */
  listedAt?: readonly KubeObject[];
}

export interface ResourceResponse {
  status: number;
  body: unknown;
  /** Warnings for the `Warning` response header (fieldValidation=Warn's unknown fields). */
  warnings?: string[];
}

export function handleResource(store: ObjectStore, request: ResourceRequest): ResourceResponse {
  const { method, path } = request;
  if (path.subresource !== undefined && path.subresource !== "status") {
    throw new ApiError("NotFound", "the server could not find the requested resource");
  }
  if (path.name === undefined) {
    if (method === "GET") return { status: 200, body: listObjects(store, request) };
    if (method === "POST") return createObject(store, path, parseBody(request.body), request);
    throw methodNotAllowed(method);
  }
  if (method === "GET")
    return { status: 200, body: served(path, store.require(kindKey(path.info), path.namespace, path.name)) };
  if (method === "PUT") return replaceObject(store, path, parseBody(request.body), request);
  if (method === "PATCH" && patchTypeOf(request.contentType) === "apply") {
    const applied = applyObject(store, path, request, (body) => identify(path, body));
    return { status: applied.status, body: served(path, applied.object) };
  }
  if (method === "PATCH") return patchObject(store, path, request);
  if (method === "DELETE" && path.subresource === undefined) {
    return { status: 200, body: served(path, store.delete(kindKey(path.info), path.namespace, path.name)) };
  }
  throw methodNotAllowed(method);
}

function listObjects(store: ObjectStore, request: ResourceRequest): unknown {
  const { path, query } = request;
  const selector = selectorOf(query.labelSelector);
  const source =
    request.listedAt === undefined
      ? store.list(kindKey(path.info), { namespace: path.namespace, selector })
      : request.listedAt.filter(
          (object) =>
            (path.namespace === undefined || object.metadata.namespace === path.namespace) &&
            matchesSelector(selector, object.metadata.labels),
        );
  const items = source
    .filter((object) => matchesFields(path.info, request.fields ?? [], object))
    .map((object) => served(path, object));
  // The store's version, not the newest item's: a watch from it must not replay older changes.
  return {
    kind: `${path.info.kind}List`,
    apiVersion: groupVersion(path),
    metadata: { resourceVersion: store.resourceVersion },
    items,
  };
}

function selectorOf(text: string | undefined): LabelSelector {
  try {
    return parseSelector(text);
  } catch (error) {
    if (error instanceof SelectorError) throw new ApiError("BadRequest", error.message);
    throw error;
  }
}

function createObject(
  store: ObjectStore,
  path: ResourcePath,
  body: KubeObject,
  request: ResourceRequest,
): ResourceResponse {
  const directive = fieldValidationOf(request.query.fieldValidation, "CreateOptions");
  const { object, warnings } = validateFields(path, identify(path, body), directive, "write");
  const created = store.create(recordWrite(store, path, undefined, object, request));
  return { status: 201, body: served(path, created), warnings };
}

function replaceObject(
  store: ObjectStore,
  path: ResourcePath,
  body: KubeObject,
  request: ResourceRequest,
): ResourceResponse {
  const directive = fieldValidationOf(request.query.fieldValidation, "UpdateOptions");
  const identified = identify(path, body);
  if (identified.metadata.name !== path.name) {
    throw new ApiError(
      "BadRequest",
      `the name of the object (${identified.metadata.name}) does not match the name on the URL (${path.name})`,
    );
  }
  if (path.subresource === "status") {
    const status = store.updateStatus(kindKey(path.info), path.namespace, path.name, identified.status);
    return { status: 200, body: served(path, status) };
  }
  const { object, warnings } = validateFields(path, identified, directive, "write");
  const before = store.get(kindKey(path.info), path.namespace, path.name);
  return { status: 200, body: served(path, store.update(recordWrite(store, path, before, object, request))), warnings };
}

function patchObject(store: ObjectStore, path: ResourcePath, request: ResourceRequest): ResourceResponse {
  const directive = fieldValidationOf(request.query.fieldValidation, "PatchOptions");
  const type = patchTypeOf(request.contentType);
  const patch = parseJson(request.body);
  const current = store.require(kindKey(path.info), path.namespace, path.name as string);
  const patched = applyPatch(current, patch, type, strategicMetaOf(path, type));
  if (!isObject(patched)) throw new ApiError("BadRequest", "the patched object is not an object");
  const identified = identify(path, patched as KubeObject);
  if (identified.metadata.name !== path.name) {
    throw new ApiError("Invalid", `metadata.name: Invalid value: "${identified.metadata.name}": field is immutable`);
  }
  if (path.subresource === "status") {
    const status = store.updateStatus(kindKey(path.info), path.namespace, path.name, identified.status);
    return { status: 200, body: served(path, status) };
  }
  const { object, warnings } = validateFields(path, identified, directive, "patch");
  return {
    status: 200,
    body: served(path, store.update(recordWrite(store, path, current, object, request))),
    warnings,
  };
}

/**
 * A strategic merge patch needs the kind's patch metadata: the built-in kinds have it; for the
 * others (custom resources) kube-apiserver refuses the content type with 415, as here.
 */
function strategicMetaOf(path: ResourcePath, type: PatchType): PatchMeta | undefined {
  if (type !== "strategic") return undefined;
  const meta = patchMetaOf(kindKey(path.info));
  if (!meta) {
    throw new ApiError(
      "UnsupportedMediaType",
      "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
    );
  }
  return meta;
}

/** Fill kind/apiVersion/namespace from the URL and refuse a body that names another one. */
function identify(path: ResourcePath, body: KubeObject): KubeObject {
  const info: KindInfo = path.info;
  const expectedVersion = groupVersion(path);
  const object = { ...body, apiVersion: body.apiVersion ?? expectedVersion, kind: body.kind ?? info.kind };
  if (object.kind !== info.kind) {
    throw new ApiError(
      "BadRequest",
      `the kind in the data (${object.kind}) does not match the expected kind (${info.kind})`,
    );
  }
  if (object.apiVersion !== expectedVersion) {
    throw new ApiError(
      "BadRequest",
      `the API version in the data (${object.apiVersion}) does not match the expected API version (${expectedVersion})`,
    );
  }
  // A patch that removed metadata (`remove /metadata`, `{"metadata":null}`) leaves nothing to name.
  if (!isObject(object.metadata)) {
    throw invalid(info.kind, path.name ?? "", [
      {
        field: "metadata.name",
        message: "Required value: name or generateName is required",
        reason: "FieldValueRequired",
      },
    ]);
  }
  object.metadata = { ...object.metadata };
  if (!info.namespaced) return object;
  if (object.metadata.namespace !== undefined && object.metadata.namespace !== path.namespace) {
    throw new ApiError(
      "BadRequest",
      "the namespace of the provided object does not match the namespace sent on the request",
    );
  }
  object.metadata.namespace = path.namespace;
  return object;
}

function parseBody(text: string | undefined): KubeObject {
  const value = parseJson(text);
  if (!isObject(value))
    throw new ApiError("BadRequest", "the object provided is unrecognized: the body must be a JSON object");
  return value as KubeObject;
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined || text.trim() === "") throw new ApiError("BadRequest", "the request body is empty");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ApiError(
      "BadRequest",
      `the object provided is unrecognized: json parse error: ${(error as Error).message}`,
    );
  }
}

/** The object as the requested version presents it (versions of one kind share a schema here). */
function served(path: ResourcePath, object: KubeObject): KubeObject {
  return { ...object, apiVersion: groupVersion(path) };
}

function groupVersion(path: ResourcePath): string {
  return path.info.group === "" ? path.version : `${path.info.group}/${path.version}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
