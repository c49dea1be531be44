// `oc get`: tables per kind, or json/yaml/name/jsonpath, across types, names, namespaces and selectors.
import type { KindInfo, KubeObject } from "@testbed/apimachinery";
import { StatusError } from "../api-client.js";
import { booleanFlag, flag } from "../args.js";
import { type OcContext, resolveTargets, type Target } from "../context.js";
import { formatError, OcError } from "../errors.js";
import { listOf, nameOf, type OutputFormat, parseOutput, renderData } from "../output.js";
import { printerFor } from "../printers.js";
import { renderTable } from "../table.js";

interface Found {
  info: KindInfo;
  objects: KubeObject[];
}

export async function getVerb(context: OcContext): Promise<number> {
  const { args, io } = context;
  const format = parseOutput(flag(args, "output"));
  if (!format) throw new OcError(`unable to match a printer suitable for the output format "${flag(args, "output")}"`);
  const targets = resolveTargets(args.positionals);
  const allNamespaces = booleanFlag(args, "all-namespaces");
  if (allNamespaces && targets.some((t) => t.name !== undefined)) {
    throw new OcError("a resource cannot be retrieved by name across all namespaces");
  }
  const client = await context.client();
  const selector = flag(args, "selector");
  const found: Found[] = [];
  let failed = false;
  for (const target of targets) {
    const namespace = allNamespaces || !target.info.namespaced ? undefined : context.namespace;
    try {
      const objects = target.name
        ? [await client.get(target.info, namespace, target.name)]
        : await client.list(target.info, namespace, selector);
      appendFound(found, target, objects);
    } catch (error) {
      if (!(error instanceof StatusError) || error.reason !== "NotFound" || !booleanFlag(args, "ignore-not-found")) {
        if (!(error instanceof StatusError)) throw error;
        io.err(`${formatError(error)}\n`);
        failed = true;
      }
    }
  }
  const singleObject = targets.length === 1 && targets[0]?.name !== undefined;
  print(context, format, found, { singleObject, allNamespaces, failed });
  return failed ? 1 : 0;
}

function appendFound(found: Found[], target: Target, objects: KubeObject[]): void {
  const existing = found.find((f) => f.info === target.info);
  if (existing) existing.objects.push(...objects);
  else found.push({ info: target.info, objects });
}

interface PrintOptions {
  singleObject: boolean;
  allNamespaces: boolean;
  failed: boolean;
}

function print(context: OcContext, format: OutputFormat, found: Found[], options: PrintOptions): void {
  const { io } = context;
  const objects = found.flatMap((f) => f.objects);
  if (format.type === "json" || format.type === "yaml" || format.type === "jsonpath") {
    const data = options.singleObject && objects.length === 1 ? objects[0] : listOf(objects);
    if (options.singleObject && objects.length === 0) return;
    io.out(renderData(format, data));
    return;
  }
  if (format.type === "name") {
    for (const entry of found) for (const object of entry.objects) io.out(`${nameOf(entry.info, object)}\n`);
    return;
  }
  if (objects.length === 0) {
    if (!options.failed) io.err(`${noResources(context, found, options.allNamespaces)}\n`);
    return;
  }
  const showKind = found.length > 1;
  const tables = found
    .filter((entry) => entry.objects.length > 0)
    .map((entry) => table(context, entry, format.wide, showKind, options.allNamespaces));
  io.out(tables.join("\n"));
}

function noResources(context: OcContext, found: Found[], allNamespaces: boolean): string {
  const namespaced = found.some((f) => f.info.namespaced);
  return allNamespaces || !namespaced ? "No resources found" : `No resources found in ${context.namespace} namespace.`;
}

function table(context: OcContext, entry: Found, wide: boolean, showKind: boolean, allNamespaces: boolean): string {
  const { args, io } = context;
  const printer = printerFor(entry.info, wide);
  const now = io.now();
  const withNamespace = allNamespaces && entry.info.namespaced;
  const showLabels = booleanFlag(args, "show-labels");
  const rows = entry.objects.map((object) => {
    const cells = printer.row(object, now);
    const nameIndex = printer.headers.indexOf("NAME");
    if (showKind && nameIndex >= 0) cells[nameIndex] = nameOf(entry.info, object);
    if (showLabels) cells.push(labelsOf(object));
    return withNamespace ? [object.metadata.namespace ?? "", ...cells] : cells;
  });
  const headers = [...(withNamespace ? ["NAMESPACE"] : []), ...printer.headers, ...(showLabels ? ["LABELS"] : [])];
  return renderTable(booleanFlag(args, "no-headers") ? undefined : headers, rows);
}

function labelsOf(object: KubeObject): string {
  const labels = Object.entries(object.metadata.labels ?? {}).map(([k, v]) => `${k}=${v}`);
  return labels.length > 0 ? labels.join(",") : "<none>";
}
