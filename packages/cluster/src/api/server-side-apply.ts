// `PATCH` with `application/apply-patch+yaml`: server-side apply as `kubectl apply --server-side`
// and helm 4 send it. The body is the manager's whole intent (YAML or JSON); `fieldManager` is
// required, `force=true` takes over conflicting fields. The object is created when missing (201).
// Also the manager name of ordinary writes (fieldManager, else the User-Agent's program name), so
// their fields are owned (operation Update) and conflict with an apply, as on a real server.
import {
  ApiError,
  type KindInfo,
  type KubeObject,
  kindKey,
  type OwnershipContext,
  patchMetaOf,
  recordUpdate,
  serverSideApply,
} from "@testbed/apimachinery";
import { parse } from "yaml";
import type { ObjectStore } from "../store/object-store.js";
import type { ResourcePath } from "./resource-path.js";

export interface ApplyRequest {
  query: Record<string, string | undefined>;
  body: string | undefined;
  userAgent?: string;
}

export function applyObject(
  store: ObjectStore,
  path: ResourcePath,
  request: ApplyRequest,
  identify: (body: KubeObject) => KubeObject,
): { status: number; object: KubeObject } {
  const manager = request.query.fieldManager;
  if (!manager) throw new ApiError("BadRequest", "PATCH /apply requires fieldManager");
  const applied = identify(parseApplyBody(request.body));
  if (applied.metadata?.name !== path.name) {
    throw new ApiError(
      "BadRequest",
      `the name of the object (${applied.metadata?.name}) does not match the name on the URL (${path.name})`,
    );
  }
  const key = kindKey(path.info);
  const current = store.get(key, path.namespace, path.name as string);
  const result = serverSideApply(current, applied, {
    ...ownership(store, path, manager),
    force: request.query.force === "true",
  });
  if (!current) return { status: 201, object: store.create(result) };
  result.metadata.resourceVersion = current.metadata.resourceVersion;
  return { status: 200, object: store.update(result) };
}

/** Ownership of an ordinary write's changes (create, PUT, JSON/merge/strategic patch). */
export function recordWrite(
  store: ObjectStore,
  path: ResourcePath,
  before: KubeObject | undefined,
  after: KubeObject,
  request: Pick<ApplyRequest, "query" | "userAgent">,
): KubeObject {
  return recordUpdate(before, after, ownership(store, path, managerOf(request)));
}

/** kube-apiserver's default manager: the User-Agent's program name (`kubectl`, `helm`), else "unknown". */
function managerOf(request: Pick<ApplyRequest, "query" | "userAgent">): string {
  if (request.query.fieldManager) return request.query.fieldManager;
  const program = (request.userAgent ?? "").split("/")[0]?.trim() ?? "";
  return program === "" ? "unknown" : program.slice(0, 128);
}

function ownership(store: ObjectStore, path: ResourcePath, manager: string): OwnershipContext {
  const info: KindInfo = path.info;
  return {
    manager,
    apiVersion: info.group === "" ? path.version : `${info.group}/${path.version}`,
    now: store.now(),
    meta: patchMetaOf(kindKey(info)),
  };
}

function parseApplyBody(text: string | undefined): KubeObject {
  if (text === undefined || text.trim() === "") throw new ApiError("BadRequest", "the request body is empty");
  let value: unknown;
  try {
    value = parse(text);
  } catch (error) {
    throw new ApiError("BadRequest", `error decoding YAML: ${(error as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ApiError("BadRequest", "the object provided is unrecognized: the body must be a YAML or JSON object");
  }
  return value as KubeObject;
}
