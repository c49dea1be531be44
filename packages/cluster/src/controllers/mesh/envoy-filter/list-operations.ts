// The patch operations on an ordered list of named things (filters, routes, clusters, …), as
// istiod applies them. `select` picks the elements the match names (all of them when it names
// none); `named` says whether it named one: if not, INSERT_BEFORE means "at the front" and
// INSERT_AFTER "at the end"; a named element that is absent inserts nothing.
import { protoMerge } from "./proto-merge.js";

type Json = Record<string, unknown>;

export type Operation = "MERGE" | "ADD" | "REMOVE" | "INSERT_BEFORE" | "INSERT_AFTER" | "INSERT_FIRST" | "REPLACE";

export class PatchError extends Error {}

/** Apply one operation to `list` in place; returns how many elements it touched. */
export function applyToList(
  list: Json[],
  operation: Operation,
  select: (item: Json) => boolean,
  named: boolean,
  value: Json | undefined,
): number {
  switch (operation) {
    case "ADD":
      list.push(required(value, operation));
      return 1;
    case "INSERT_FIRST":
      list.unshift(required(value, operation));
      return 1;
    case "INSERT_BEFORE":
    case "INSERT_AFTER":
      return insertRelative(list, operation, named ? select : undefined, required(value, operation));
    case "REMOVE":
      return removeSelected(list, select);
    case "REPLACE":
      return replaceSelected(list, select, required(value, operation));
    case "MERGE":
      return mergeSelected(list, select, required(value, operation));
    default:
      throw new PatchError(`unknown operation ${String(operation)}`);
  }
}

function insertRelative(
  list: Json[],
  operation: "INSERT_BEFORE" | "INSERT_AFTER",
  select: ((item: Json) => boolean) | undefined,
  value: Json,
): number {
  if (!select) {
    if (operation === "INSERT_BEFORE") list.unshift(value);
    else list.push(value);
    return 1;
  }
  const index = list.findIndex(select);
  if (index < 0) return 0;
  list.splice(operation === "INSERT_BEFORE" ? index : index + 1, 0, value);
  return 1;
}

function removeSelected(list: Json[], select: (item: Json) => boolean): number {
  const before = list.length;
  const kept = list.filter((item) => !select(item));
  list.splice(0, list.length, ...kept);
  return before - kept.length;
}

function replaceSelected(list: Json[], select: (item: Json) => boolean, value: Json): number {
  let count = 0;
  list.forEach((item, index) => {
    if (!select(item)) return;
    list[index] = structuredClone(value);
    count++;
  });
  return count;
}

function mergeSelected(list: Json[], select: (item: Json) => boolean, value: Json): number {
  let count = 0;
  list.forEach((item, index) => {
    if (!select(item)) return;
    list[index] = protoMerge(item, value) as Json;
    count++;
  });
  return count;
}

export function mergeInto(target: Json, value: Json): void {
  const merged = protoMerge(target, value) as Json;
  for (const key of Object.keys(target)) delete target[key];
  Object.assign(target, merged);
}

function required(value: Json | undefined, operation: string): Json {
  if (!value) throw new PatchError(`${operation} needs patch.value`);
  return structuredClone(value);
}
