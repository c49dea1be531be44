// Strategic merge patch (apimachinery pkg/util/strategicpatch) for the built-in kinds: maps merge
// as in a JSON merge patch, but lists with a merge key merge element by element (containers by
// name, env by name, ports by containerPort…), scalar lists with the merge strategy are unions,
// and the directives kubectl computes are honoured: `$patch: replace|delete|merge`, `$retainKeys`,
// `$deleteFromPrimitiveList/<field>` and `$setElementOrder/<field>`.
import type { PatchMeta } from "./patch-meta.js";

type Json = Record<string, unknown>;

const DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList/";
const SET_ELEMENT_ORDER = "$setElementOrder/";

export function strategicMergePatch(original: unknown, patch: unknown, meta: PatchMeta): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  return mergeMap(isObject(original) ? original : {}, patch, meta);
}

function mergeMap(original: Json, patch: Json, meta: PatchMeta | undefined): Json {
  const directive = patch.$patch;
  if (directive === "replace") return withoutDirectives(patch);
  if (directive === "delete") return {};
  const result: Json = structuredClone(original);
  if (Array.isArray(patch.$retainKeys)) {
    const retained = new Set(patch.$retainKeys as string[]);
    for (const key of Object.keys(result)) if (!retained.has(key)) delete result[key];
  }
  for (const [key, value] of Object.entries(patch)) {
    if (key === "$patch" || key === "$retainKeys" || key === "__proto__") continue;
    if (key.startsWith(SET_ELEMENT_ORDER)) continue;
    if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      const field = key.slice(DELETE_FROM_PRIMITIVE_LIST.length);
      const removed = new Set((Array.isArray(value) ? value : []).map((v) => JSON.stringify(v)));
      if (Array.isArray(result[field])) {
        result[field] = (result[field] as unknown[]).filter((v) => !removed.has(JSON.stringify(v)));
      }
      continue;
    }
    const fieldMeta = meta?.properties?.[key];
    if (value === null) delete result[key];
    else if (isObject(value))
      result[key] = mergeMap(isObject(result[key]) ? (result[key] as Json) : {}, value, fieldMeta);
    else if (Array.isArray(value) && fieldMeta?.strategy?.includes("merge") && fieldMeta.list) {
      result[key] = mergeList(Array.isArray(result[key]) ? (result[key] as unknown[]) : [], value, fieldMeta);
    } else result[key] = structuredClone(value);
  }
  return result;
}

function mergeList(original: unknown[], patch: unknown[], meta: PatchMeta): unknown[] {
  if (patch.some((item) => isObject(item) && item.$patch === "replace")) {
    return patch.filter((item) => !(isObject(item) && item.$patch === "replace")).map((item) => structuredClone(item));
  }
  const key = meta.mergeKey;
  if (!key) {
    // A scalar list with the merge strategy: the union, original order first.
    const seen = new Set(original.map((v) => JSON.stringify(v)));
    return [...original, ...patch.filter((v) => !seen.has(JSON.stringify(v)))];
  }
  const result = original.map((item) => structuredClone(item));
  for (const item of patch) {
    if (!isObject(item)) continue;
    const index = result.findIndex((existing) => isObject(existing) && existing[key] === item[key]);
    if (item.$patch === "delete") {
      if (index >= 0) result.splice(index, 1);
    } else if (index >= 0) result[index] = mergeMap(result[index] as Json, item, meta.items);
    else result.push(mergeMap({}, item, meta.items));
  }
  return result;
}

function withoutDirectives(patch: Json): Json {
  const { $patch: _patch, ...rest } = patch;
  return structuredClone(rest);
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
