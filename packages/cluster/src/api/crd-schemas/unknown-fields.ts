// The fields of an object its kind's structural schema does not declare, named by JSON path as
// kube-apiserver's pruning reports them for fieldValidation (`unknown field "spec.foo"`). A node
// with x-kubernetes-preserve-unknown-fields keeps everything below it; apiVersion, kind and metadata
// at the root are the apiextensions server's own (ObjectMeta is validated apart), as in its pruning.
import type { Schema } from "./schema-notation.js";

const ROOT_FIELDS = new Set(["apiVersion", "kind", "metadata"]);

/** The undeclared field paths of `value` under `schema`, in document order. */
export function unknownFields(schema: Schema, value: unknown, path = ""): string[] {
  if (schema["x-kubernetes-preserve-unknown-fields"] === true && schema.properties === undefined) return [];
  if (Array.isArray(value)) {
    const items = schema.items as Schema | undefined;
    return items ? value.flatMap((item, index) => unknownFields(items, item, `${path}[${index}]`)) : [];
  }
  if (value === null || typeof value !== "object") return [];
  const properties = schema.properties as Record<string, Schema> | undefined;
  const additional = schema.additionalProperties as Schema | undefined;
  const preserve = schema["x-kubernetes-preserve-unknown-fields"] === true;
  const found: string[] = [];
  for (const [name, child] of Object.entries(value)) {
    if (path === "" && ROOT_FIELDS.has(name)) continue;
    const childPath = path === "" ? name : `${path}.${name}`;
    const declared = properties?.[name] ?? additional;
    if (declared) found.push(...unknownFields(declared, child, childPath));
    else if (!preserve) found.push(childPath);
  }
  return found;
}
