// Server-side printing (`Accept: application/json;as=Table;g=meta.k8s.io;v=v1`): what `kubectl get`
// asks for, a meta.k8s.io Table whose rows carry the cells and, per `includeObject`, the object's
// metadata (the default), the whole object, or nothing. Content negotiation follows the Accept
// header's order, as the real server's does; protobuf is never chosen (JSON is always offered too,
// and a client that offers only protobuf gets 406).
import { ApiError, type KindInfo, type KubeObject } from "@testbed/apimachinery";
import { printerColumnsOf } from "./custom-resource-definitions.js";
import { columnsFor } from "./printer-columns.js";

export type Rendering = { as: "object" } | { as: "table"; version: "v1" | "v1beta1" };

/** What the Accept header asks for: a Table (first acceptable entry wins) or the objects themselves. */
export function negotiate(accept: string | undefined): Rendering {
  if (!accept || accept.trim() === "") return { as: "object" };
  let onlyProtobuf = true;
  for (const entry of accept.split(",")) {
    const [type = "", ...params] = entry.split(";").map((part) => part.trim());
    const mediaType = type.toLowerCase();
    if (mediaType === "application/vnd.kubernetes.protobuf") continue;
    onlyProtobuf = false;
    if (!JSON_TYPES.has(mediaType)) continue;
    const options = Object.fromEntries(params.map((p) => p.split("=").map((s) => s.trim()) as [string, string]));
    if (options.as === undefined) return { as: "object" };
    if (options.as === "Table" && options.g === "meta.k8s.io" && (options.v === "v1" || options.v === "v1beta1")) {
      return { as: "table", version: options.v };
    }
  }
  if (!onlyProtobuf) return { as: "object" };
  throw new ApiError(
    "NotAcceptable",
    "only the following media types are accepted: application/json, application/json;as=Table;v=v1;g=meta.k8s.io, application/json;as=Table;v=v1beta1;g=meta.k8s.io",
  );
}

const JSON_TYPES = new Set(["application/json", "*/*", "application/*", "application/yaml"]);

export type IncludeObject = "None" | "Metadata" | "Object";

export function parseIncludeObject(value: string | undefined): IncludeObject {
  if (value === undefined || value === "" || value === "Metadata") return "Metadata";
  if (value === "None" || value === "Object") return value;
  throw new ApiError(
    "BadRequest",
    `includeObject: Unsupported value: "${value}": supported values: "None", "Metadata", "Object"`,
  );
}

export interface TableRequest {
  info: KindInfo;
  version: "v1" | "v1beta1";
  includeObject: IncludeObject;
  now: number;
  /** The list's metadata (resourceVersion), or undefined for a single object. */
  listMeta?: Record<string, unknown>;
  /** The served apiVersion of the objects (for PartialObjectMetadata rows). */
  objectApiVersion: string;
}

/** A meta.k8s.io Table of these objects. */
export function toTable(objects: KubeObject[], request: TableRequest): Record<string, unknown> {
  const columns = columnsFor(request.info, printerColumnsOf(request.info));
  return {
    kind: "Table",
    apiVersion: `meta.k8s.io/${request.version}`,
    metadata: request.listMeta ?? { resourceVersion: objects[0]?.metadata.resourceVersion },
    columnDefinitions: columns.definitions,
    rows: objects.map((object) => ({
      cells: columns.cells(object, request.now),
      object: rowObject(object, request),
    })),
  };
}

function rowObject(object: KubeObject, request: TableRequest): unknown {
  if (request.includeObject === "None") return null;
  if (request.includeObject === "Object") return object;
  return {
    kind: "PartialObjectMetadata",
    apiVersion: `meta.k8s.io/${request.version}`,
    metadata: object.metadata,
  };
}
