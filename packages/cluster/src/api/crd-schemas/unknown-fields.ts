// The fields of an object its kind's structural schema does not declare, named by JSON path as
// kube-apiserver's pruning reports them for fieldValidation (`unknown field "spec.foo"`), and the
// object without them (what the apiextensions server stores). A node with
// x-kubernetes-preserve-unknown-fields keeps everything below it; apiVersion, kind and metadata at
// the root are the apiextensions server's own (ObjectMeta is validated apart), as in its pruning.
import type { Schema } from "./schema-notation.js";

const ROOT_FIELDS = new Set(["apiVersion", "kind", "metadata"]);

/** The undeclared field paths of `value` under `schema`, in document order. */
export function unknownFields(schema: Schema, value: unknown): string[] {
  return pruned(schema, value).unknown;
}

/**
 * `value` without the fields `schema` does not declare, and their paths. `rootFields` are the root
 * fields left unchecked: a custom resource's apiVersion, kind and metadata; a built-in kind's
 * typed decoder checks its metadata too, so only apiVersion and kind there.
 */
export function pruned(
  schema: Schema,
  value: unknown,
  rootFields: ReadonlySet<string> = ROOT_FIELDS,
): { value: unknown; unknown: string[] } {
  const unknown: string[] = [];
  // The root fields as open nodes: kept whole, in their place among the others.
  const open = Object.fromEntries([...rootFields].map((field) => [field, OPEN]));
  const root = { ...schema, properties: { ...((schema.properties ?? {}) as Record<string, Schema>), ...open } };
  return { value: prune(root, value, "", unknown), unknown };
}

const OPEN: Schema = { "x-kubernetes-preserve-unknown-fields": true };

function prune(schema: Schema, value: unknown, path: string, unknown: string[]): unknown {
  const preserve = schema["x-kubernetes-preserve-unknown-fields"] === true;
  if (preserve && schema.properties === undefined) return value;
  if (Array.isArray(value)) {
    const items = schema.items as Schema | undefined;
    return items ? value.map((item, index) => prune(items, item, `${path}[${index}]`, unknown)) : value;
  }
  if (value === null || typeof value !== "object") return value;
  const properties = schema.properties as Record<string, Schema> | undefined;
  const additional = schema.additionalProperties as Schema | undefined;
  const kept: Record<string, unknown> = {};
  for (const [name, child] of Object.entries(value)) {
    const childPath = path === "" ? name : `${path}.${name}`;
    const declared = properties?.[name] ?? additional;
    if (declared) kept[name] = prune(declared, child, childPath, unknown);
    else if (preserve) kept[name] = child;
    else unknown.push(childPath);
  }
  return kept;
}
