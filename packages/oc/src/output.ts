// `-o json|yaml|name|jsonpath=…` renderings of objects and lists.
import { type KindInfo, type KubeObject, objectReference, renderJsonPath } from "@testbed/apimachinery";
import { stringify } from "yaml";

export type OutputFormat =
  | { type: "table"; wide: boolean }
  | { type: "json" }
  | { type: "yaml" }
  | { type: "name" }
  | { type: "jsonpath"; template: string };

export function parseOutput(text: string | undefined): OutputFormat | undefined {
  if (text === undefined || text === "") return { type: "table", wide: false };
  if (text === "wide") return { type: "table", wide: true };
  if (text === "json" || text === "yaml" || text === "name") return { type: text };
  const jsonpath = /^jsonpath(?:-as-json)?=(.*)$/s.exec(text);
  if (jsonpath) return { type: "jsonpath", template: jsonpath[1] as string };
  return undefined;
}

/** What `oc get` hands a printer: one object when one was named, else a List. */
export function listOf(objects: readonly KubeObject[]): Record<string, unknown> {
  return { apiVersion: "v1", items: objects, kind: "List", metadata: { resourceVersion: "" } };
}

export function renderData(format: OutputFormat, data: unknown): string {
  switch (format.type) {
    case "json":
      return `${JSON.stringify(omitManagedFields(data), null, 4)}\n`;
    case "yaml":
      return toYaml(omitManagedFields(data));
    case "jsonpath":
      return renderJsonPath(format.template, omitManagedFields(data));
    default:
      return "";
  }
}

/** kubectl's OmitManagedFieldsPrinter: metadata.managedFields of the object or of each list item is not printed. */
function omitManagedFields(data: unknown): unknown {
  if (typeof data !== "object" || data === null) return data;
  const object = data as { items?: unknown[]; metadata?: Record<string, unknown> };
  if (Array.isArray(object.items)) return { ...object, items: object.items.map(omitManagedFields) };
  if (!object.metadata || !("managedFields" in object.metadata)) return data;
  const { managedFields: _omitted, ...metadata } = object.metadata;
  return { ...object, metadata };
}

/** kubectl writes YAML with sorted keys, sequences not indented, long strings unfolded. */
export function toYaml(data: unknown): string {
  return stringify(data, { sortMapEntries: true, indentSeq: false, lineWidth: 0, minContentWidth: 0 });
}

export function nameOf(info: KindInfo, object: KubeObject): string {
  return objectReference(info, object.metadata.name);
}
