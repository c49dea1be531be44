// Reads what a customer sends: one file (`oc get … -o yaml` List, multi-document YAML, JSON) or a
// directory tree — a must-gather or `oc adm inspect` output. Both write, per openshift/oc
// pkg/cli/admin/inspect/util.go (dirPathForInfo, filenameForInfo), lists as
// namespaces/<ns>/<group|core>/<resource>.yaml and single objects as
// namespaces/<ns>/<group|core>/<resource>/<name>.yaml (cluster-scoped: cluster-scoped-resources/…);
// must-gather nests that tree under a folder per gather image. Every *.yaml, *.yml and *.json file
// below the root is read; logs and other files are skipped. Lists are flattened: a typed list's
// items (SecretList from inspect's structured writer) carry no kind, so the list's names it.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type { KubeObject } from "@testbed/apimachinery";
import { parseAllDocuments } from "yaml";

/** One object of the dump, and the file it came from (relative to the dump's root). */
export interface DumpObject {
  object: KubeObject;
  file: string;
}

export interface DumpContents {
  objects: DumpObject[];
  /** Files read, and files that did not parse (with the parser's first line). */
  files: number;
  unreadable: string[];
  /** "file", "oc adm inspect / must-gather tree" or "directory". */
  layout: string;
}

const RESOURCE_FILE = /\.(ya?ml|json)$/i;

export function readDump(path: string): DumpContents {
  const stat = statSync(path);
  const files = stat.isDirectory() ? walk(path) : [path];
  const root = stat.isDirectory() ? path : undefined;
  const objects: DumpObject[] = [];
  const unreadable: string[] = [];
  for (const file of files) {
    const name = root ? relative(root, file) : file;
    try {
      for (const object of parseObjects(readFileSync(file, "utf8"))) objects.push({ object, file: name });
    } catch (error) {
      unreadable.push(`${name}: ${(error as Error).message.split("\n")[0]}`);
    }
  }
  const layout = !root
    ? "file"
    : files.some((file) => /(^|\/)(namespaces|cluster-scoped-resources)\//.test(relative(root, file)))
      ? "oc adm inspect / must-gather tree"
      : "directory";
  return { objects, files: files.length, unreadable, layout };
}

/** Resource files below a directory, in a stable order. */
function walk(directory: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) out.push(...walk(path));
    else if (entry.isFile() && RESOURCE_FILE.test(entry.name)) out.push(path);
  }
  return out;
}

/** Every Kubernetes object in a file's documents, lists flattened. */
export function parseObjects(text: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const document of parseAllDocuments(text)) {
    if (document.errors.length > 0) throw new Error(document.errors[0]?.message ?? "invalid YAML");
    out.push(...flatten(document.toJS()));
  }
  return out;
}

function flatten(value: unknown): KubeObject[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return [];
  const object = value as Record<string, unknown>;
  const kind = typeof object.kind === "string" ? object.kind : undefined;
  if (kind?.endsWith("List") && Array.isArray(object.items)) {
    const itemKind = kind === "List" ? undefined : kind.slice(0, -"List".length);
    return object.items.flatMap((item) =>
      flatten(
        itemKind && typeof item === "object" && item !== null && !(item as Record<string, unknown>).kind
          ? { apiVersion: object.apiVersion, kind: itemKind, ...item }
          : item,
      ),
    );
  }
  const metadata = object.metadata as Record<string, unknown> | undefined;
  if (!kind || typeof object.apiVersion !== "string" || typeof metadata?.name !== "string") return [];
  return [object as unknown as KubeObject];
}
