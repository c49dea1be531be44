// Field sets as server-side apply tracks ownership (structured-merge-diff): every leaf field and
// every keyed list element of an object, as paths of `f:<field>` and `k:{"<key>":<value>}`
// segments, stored in managedFields in the FieldsV1 form (nested objects, `.` for an element itself).
import type { PatchMeta } from "./patch-meta.js";

type Json = Record<string, unknown>;

/** One path, its segments joined with SEP. */
export type FieldPath = string;
const SEP = "\u0001";

export function segmentsOf(path: FieldPath): string[] {
  return path.split(SEP);
}

/** Every owned path of an object (metadata's server-set fields excluded). */
export function fieldSetOf(object: unknown, meta: PatchMeta | undefined): Set<FieldPath> {
  const set = new Set<FieldPath>();
  walk(object, meta, [], set);
  for (const path of [...set]) if (serverOwned(path)) set.delete(path);
  return set;
}

const SERVER_FIELDS = ["apiVersion", "kind", "status"].map((f) => `f:${f}`);
const SERVER_METADATA = [
  "name",
  "namespace",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "managedFields",
  "deletionTimestamp",
  "selfLink",
];

function serverOwned(path: FieldPath): boolean {
  const [first, second] = segmentsOf(path);
  if (first !== undefined && SERVER_FIELDS.includes(first)) return true;
  return first === "f:metadata" && second !== undefined && SERVER_METADATA.includes(second.slice(2));
}

function walk(value: unknown, meta: PatchMeta | undefined, path: string[], set: Set<FieldPath>): void {
  if (isObject(value) && Object.keys(value).length > 0) {
    for (const [key, child] of Object.entries(value)) walk(child, meta?.properties?.[key], [...path, `f:${key}`], set);
    return;
  }
  if (Array.isArray(value) && meta?.mergeKey && value.every(isObject)) {
    // A keyed list is no field of its own: its elements are (each also owns itself, for removal).
    for (const item of value as Json[]) {
      const element = [...path, keySegment(meta.mergeKey, item[meta.mergeKey])];
      set.add(element.join(SEP));
      walk(item, meta.items, element, set);
    }
    return;
  }
  if (path.length > 0) set.add(path.join(SEP));
}

function keySegment(key: string, value: unknown): string {
  return `k:${JSON.stringify({ [key]: value })}`;
}

/** The value at a path, or undefined when it is not there. */
export function valueAt(object: unknown, path: FieldPath): unknown {
  let current: unknown = object;
  for (const segment of segmentsOf(path)) {
    current = step(current, segment);
    if (current === undefined) return undefined;
  }
  return current;
}

function step(current: unknown, segment: string): unknown {
  if (segment.startsWith("f:")) return isObject(current) ? current[segment.slice(2)] : undefined;
  if (!Array.isArray(current)) return undefined;
  const [key, value] = Object.entries(JSON.parse(segment.slice(2)) as Json)[0] ?? [];
  return current.find((item) => isObject(item) && key !== undefined && item[key] === value);
}

/** Remove the field or list element at a path (an emptied parent stays, as the real server leaves it). */
export function removeAt(object: unknown, path: FieldPath): void {
  const segments = segmentsOf(path);
  const last = segments.pop() as string;
  let parent: unknown = object;
  for (const segment of segments) parent = step(parent, segment);
  if (last.startsWith("f:") && isObject(parent)) delete parent[last.slice(2)];
  else if (Array.isArray(parent)) {
    const element = step(parent, last);
    const index = parent.indexOf(element);
    if (index >= 0) parent.splice(index, 1);
  }
}

/** `.spec.replicas`, `.spec.template.spec.containers[name="main"].image`: a path as conflicts print it. */
export function printPath(path: FieldPath): string {
  return segmentsOf(path)
    .map((segment) => {
      if (segment.startsWith("f:")) return `.${segment.slice(2)}`;
      const [key, value] = Object.entries(JSON.parse(segment.slice(2)) as Json)[0] ?? [];
      return `[${key}=${JSON.stringify(value)}]`;
    })
    .join("");
}

/** The FieldsV1 form stored in managedFields. */
export function toFieldsV1(set: Set<FieldPath>): Json {
  const root: Json = {};
  for (const path of [...set].sort()) {
    let node = root;
    for (const segment of segmentsOf(path)) {
      node[segment] = isObject(node[segment]) ? node[segment] : {};
      node = node[segment] as Json;
    }
    if (segmentsOf(path).at(-1)?.startsWith("k:") || Object.keys(node).length > 0) node["."] = {};
  }
  return root;
}

export function fromFieldsV1(fields: unknown): Set<FieldPath> {
  const set = new Set<FieldPath>();
  const visit = (node: unknown, path: string[]) => {
    if (!isObject(node)) return;
    const keys = Object.keys(node);
    if (keys.length === 0 && path.length > 0) set.add(path.join(SEP));
    for (const key of keys) {
      if (key === ".") set.add(path.join(SEP));
      else visit(node[key], [...path, key]);
    }
  };
  visit(fields, []);
  return set;
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
