// Multi-document YAML (or JSON) → objects, as `oc apply -f` reads a file: empty documents are
// skipped, a `kind: List` contributes its items, and every object remembers where it came from.
import { parseAllDocuments } from "yaml";
import type { KubeObject } from "../kube-object.js";
import { ManifestError, type ManifestSource } from "./manifest-error.js";

export interface Manifest {
  object: KubeObject;
  source: ManifestSource;
}

export function parseManifests(text: string, file: string): Manifest[] {
  const manifests: Manifest[] = [];
  for (const [index, document] of parseAllDocuments(text).entries()) {
    const source: ManifestSource = { file, document: index + 1 };
    const error = document.errors[0];
    if (error) throw new ManifestError(source, `error parsing YAML: ${error.message.split("\n")[0]}`);
    const value: unknown = document.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) continue;
    manifests.push(...objectsOf(value, source));
  }
  return manifests;
}

function objectsOf(value: unknown, source: ManifestSource): Manifest[] {
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new ManifestError(source, `error validating data: the document is a ${describe(value)}, not an object`);
  }
  const record = value as Record<string, unknown>;
  if (typeof record.kind === "string" && record.kind.endsWith("List") && Array.isArray(record.items)) {
    return record.items.flatMap((item, position) => objectsOf(item, { ...source, item: position }));
  }
  return [{ object: record as unknown as KubeObject, source }];
}

function describe(value: unknown): string {
  return Array.isArray(value) ? "list" : typeof value;
}
