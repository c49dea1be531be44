// `testbed up --from DIR|FILE`: a customer's dump read (dump-reader.ts), each object kept or left
// with its reason (object-disposition.ts), cleaned of what the cluster wrote (object-cleaning.ts),
// redacted Secrets given test keys (secret-redaction.ts), the namespaces the objects need made, and
// the Istio release found in it (dump-versions.ts). The result is a topology: plain manifests.
import type { KubeObject } from "@testbed/apimachinery";
import { stringify } from "yaml";
import { readDump } from "./dump-reader.js";
import { type DumpVersions, dumpVersions } from "./dump-versions.js";
import { cleanObject } from "./object-cleaning.js";
import { dispositionOf, groupKind } from "./object-disposition.js";
import { restoreSecret } from "./secret-redaction.js";

export interface DumpImport {
  /** The objects to apply, namespaces first. */
  objects: KubeObject[];
  /** Counts by kind of what was imported. */
  imported: Map<string, number>;
  /** "Kind: reason" → count. */
  dropped: Map<string, number>;
  /** group/Kind → count of objects the testbed does not model. */
  notModelled: Map<string, number>;
  /** Secret values replaced by generated test keys ("namespace/name: key"). */
  generatedKeys: string[];
  /** Namespaces made because objects in them were imported without their Namespace. */
  madeNamespaces: string[];
  versions: DumpVersions;
  files: number;
  unreadable: string[];
  layout: string;
}

export function importDump(path: string): DumpImport {
  const dump = readDump(path);
  const result: DumpImport = {
    objects: [],
    imported: new Map(),
    dropped: new Map(),
    notModelled: new Map(),
    generatedKeys: [],
    madeNamespaces: [],
    versions: dumpVersions(dump.objects.map((entry) => entry.object)),
    files: dump.files,
    unreadable: dump.unreadable,
    layout: dump.layout,
  };
  const seen = new Set<string>();
  const kept: KubeObject[] = [];
  for (const { object } of dump.objects) {
    // A must-gather holds many objects twice (a pod in core/pods.yaml and in pods/<name>/<name>.yaml).
    const id = `${groupKind(object)}/${object.metadata.namespace ?? ""}/${object.metadata.name}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const disposition = dispositionOf(object);
    if (disposition.action === "not-modelled") count(result.notModelled, groupKind(object).replace(/^\//, ""));
    else if (disposition.action === "drop") count(result.dropped, `${object.kind}: ${disposition.reason}`);
    else {
      const cleaned = cleanObject(object);
      if (cleaned.kind !== "Secret") kept.push(cleaned);
      else {
        const restored = restoreSecret(cleaned);
        result.generatedKeys.push(...restored.generated);
        if (restored.object) kept.push(restored.object);
        else count(result.dropped, `Secret: ${restored.dropReason}`);
      }
    }
  }
  result.objects = withNamespaces(kept, result);
  for (const object of result.objects) count(result.imported, object.kind);
  return result;
}

/**
 * Namespaces first; a Namespace only when something is imported into it, and made when the dump
 * lacks it (an `oc get -A` of a few kinds has no Namespace objects).
 */
function withNamespaces(objects: KubeObject[], result: DumpImport): KubeObject[] {
  const used = new Set(objects.map((object) => object.metadata.namespace).filter((ns): ns is string => !!ns));
  const namespaces = objects.filter((object) => object.kind === "Namespace");
  for (const namespace of namespaces)
    if (!used.has(namespace.metadata.name)) count(result.dropped, "Namespace: nothing the testbed models is in it");
  const keptNamespaces = namespaces.filter((namespace) => used.has(namespace.metadata.name));
  const made = [...used].filter((name) => !keptNamespaces.some((namespace) => namespace.metadata.name === name)).sort();
  result.madeNamespaces = made;
  const madeObjects = made.map((name) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } }) as KubeObject);
  return [...keptNamespaces, ...madeObjects, ...objects.filter((object) => object.kind !== "Namespace")];
}

function count(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** The imported objects as one multi-document YAML topology file. */
export function importedTopology(result: DumpImport): string {
  return result.objects.map((object) => stringify(object)).join("---\n");
}
