// The PATCH content types of the API: JSON Patch (RFC 6902), JSON merge patch (RFC 7386), strategic
// merge patch (strategic-merge-patch.ts, built-in kinds only) and server-side apply (apply-patch+yaml,
// handled by the API server's server-side-apply.ts).
import fastJsonPatch, { type Operation } from "fast-json-patch";
import { ApiError } from "./api-error.js";
import type { PatchMeta } from "./patch-meta.js";
import { strategicMergePatch } from "./strategic-merge-patch.js";

export type PatchType = "json" | "merge" | "strategic" | "apply";

const CONTENT_TYPES: Record<string, PatchType> = {
  "application/json-patch+json": "json",
  "application/merge-patch+json": "merge",
  "application/strategic-merge-patch+json": "strategic",
  "application/apply-patch+yaml": "apply",
};

export function patchTypeOf(contentType: string | undefined): PatchType {
  const bare = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  const type = CONTENT_TYPES[bare];
  if (!type) {
    throw new ApiError(
      "UnsupportedMediaType",
      `the body of the request was in an unknown format - accepted media types include: ${Object.keys(CONTENT_TYPES).join(", ")}`,
    );
  }
  return type;
}

/** Apply a JSON, merge or strategic patch (`meta`: the kind's strategic metadata; server-side apply is not a patch here). */
export function applyPatch(document: unknown, patch: unknown, type: PatchType, meta?: PatchMeta): unknown {
  if (type === "json") return applyJsonPatch(document, patch);
  if (type === "strategic" && meta) return strategicMergePatch(document, patch, meta);
  return mergePatch(document, patch);
}

function applyJsonPatch(document: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) {
    throw rejected("", "json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  }
  try {
    return fastJsonPatch.applyPatch(structuredClone(document), patch as Operation[], true, false).newDocument;
  } catch (error) {
    const failure = error as { name?: string; operation?: { op?: string; path?: string }; message?: string };
    const op = failure.operation?.op ?? "";
    const path = failure.operation?.path ?? "";
    if (failure.name === "TEST_OPERATION_FAILED") throw rejected(path, `testing value ${path} failed: test failed`);
    if (failure.name?.startsWith("OPERATION_") || failure.name === "SEQUENCE_NOT_AN_ARRAY") {
      throw rejected(path, `${op} operation does not apply: doc is missing path: "${path}": missing value`);
    }
    throw rejected(path, (error as Error).message);
  }
}

/** The API server answers a patch that cannot be applied with 422 and the reason as the cause. */
function rejected(field: string, message: string): ApiError {
  return new ApiError("Invalid", "the server rejected our request due to an error in our request", {
    causes: [{ field, message, reason: "FieldValueInvalid" }],
  });
}

/** RFC 7386: objects merge recursively, null deletes, anything else (arrays too) replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return structuredClone(patch);
  const result: Record<string, unknown> = isPlainObject(target) ? structuredClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    // A "__proto__" member would set the prototype instead of a field: JSON objects never need it.
    if (key === "__proto__") continue;
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
