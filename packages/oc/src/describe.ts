// `oc describe` in kubectl's generic style: Name/Namespace/Labels/Annotations, then every other field
// as indented `Title Case:  value` lines, then the object's Events.
import type { KubeObject } from "@testbed/apimachinery";
import { ageSince } from "@testbed/apimachinery";
import { renderTable } from "./table.js";

const TOP_WIDTH = 14;

export function describeObject(object: KubeObject, events: readonly KubeObject[], now: number): string {
  const lines: string[] = [];
  lines.push(top("Name", object.metadata.name));
  if (object.metadata.namespace) lines.push(top("Namespace", object.metadata.namespace));
  lines.push(...mapLines("Labels", object.metadata.labels, "="));
  lines.push(...mapLines("Annotations", object.metadata.annotations, ": "));
  lines.push(top("API Version", object.apiVersion), top("Kind", object.kind));
  const { name: _n, namespace: _ns, labels: _l, annotations: _a, ...metadata } = object.metadata;
  lines.push("Metadata:", ...fieldLines(metadata, 1));
  for (const [key, value] of Object.entries(object)) {
    if (["apiVersion", "kind", "metadata"].includes(key)) continue;
    lines.push(...entryLines(key, value, 0));
  }
  lines.push(...eventLines(events, now));
  return `${lines.join("\n")}\n`;
}

function top(label: string, value: string): string {
  return `${`${label}:`.padEnd(TOP_WIDTH)}${value}`;
}

function mapLines(label: string, map: Record<string, string> | undefined, separator: string): string[] {
  const entries = Object.entries(map ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  if (entries.length === 0) return [top(label, "<none>")];
  return entries.map(([k, v], i) =>
    i === 0 ? top(label, `${k}${separator}${v}`) : `${" ".repeat(TOP_WIDTH)}${k}${separator}${v}`,
  );
}

/** `configPatches` → `Config Patches`, `uid` → `UID`, `apiVersion` → `API Version`. */
export function titleCase(key: string): string {
  const special: Record<string, string> = { uid: "UID", apiVersion: "API Version", url: "URL", ip: "IP" };
  if (special[key]) return special[key];
  // Map keys that are not field names (label keys, `@type`) print as they are.
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(key)) return key;
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .split(/[\s_]+/);
  return words.map((w) => (w === "" ? w : (w[0] as string).toUpperCase() + w.slice(1))).join(" ");
}

function fieldLines(map: Record<string, unknown>, depth: number): string[] {
  const entries = Object.entries(map).filter(([, v]) => v !== undefined);
  const width = Math.max(0, ...entries.filter(([, v]) => isScalar(v)).map(([k]) => titleCase(k).length + 1)) + 2;
  return entries.flatMap(([key, value]) => entryLines(key, value, depth, width));
}

function entryLines(key: string, value: unknown, depth: number, width = 0): string[] {
  const indent = "  ".repeat(depth);
  const label = `${titleCase(key)}:`;
  if (isScalar(value)) return [`${indent}${label.padEnd(width)}${scalar(value)}`];
  if (Array.isArray(value)) {
    if (value.length === 0) return [`${indent}${label}  []`];
    return [`${indent}${label}`, ...value.flatMap((item) => itemLines(item, depth + 1))];
  }
  const record = value as Record<string, unknown>;
  if (Object.keys(record).length === 0) return [`${indent}${label}`];
  return [`${indent}${label}`, ...fieldLines(record, depth + 1)];
}

function itemLines(item: unknown, depth: number): string[] {
  if (isScalar(item))
    return scalar(item)
      .split("\n")
      .map((line) => `${"  ".repeat(depth)}${line}`);
  if (Array.isArray(item)) return item.flatMap((inner) => itemLines(inner, depth + 1));
  return fieldLines(item as Record<string, unknown>, depth);
}

function isScalar(value: unknown): boolean {
  return value === null || typeof value !== "object";
}

function scalar(value: unknown): string {
  if (value === null) return "<nil>";
  return String(value);
}

function eventLines(events: readonly KubeObject[], now: number): string[] {
  if (events.length === 0) return ["Events:  <none>"];
  const rows = events.map((event) => {
    const count = Number(event.count ?? 1);
    const last = ageSince((event.lastTimestamp ?? event.eventTime ?? event.metadata.creationTimestamp) as string, now);
    const first = ageSince((event.firstTimestamp ?? event.metadata.creationTimestamp) as string, now);
    const age = count > 1 ? `${last} (x${count} over ${first})` : last;
    const source = event.source as { component?: string } | undefined;
    const from = (event.reportingComponent as string) || source?.component || "";
    return [String(event.type ?? ""), String(event.reason ?? ""), age, from, String(event.message ?? "")];
  });
  const headers = ["Type", "Reason", "Age", "From", "Message"];
  const underline = headers.map((h) => "-".repeat(h.length));
  const table = renderTable(headers, [underline, ...rows], 2);
  return [
    "Events:",
    ...table
      .trimEnd()
      .split("\n")
      .map((line) => `  ${line}`),
  ];
}
