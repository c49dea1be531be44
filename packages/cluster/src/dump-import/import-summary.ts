// The summary `testbed up --from` prints: what was imported, what was dropped and why, what the
// testbed does not model, which Secret values are now test keys, and the versions found.
import type { DumpImport } from "./import-dump.js";

export function importSummary(result: DumpImport, source: string): string {
  const total = (map: Map<string, number>) => [...map.values()].reduce((sum, n) => sum + n, 0);
  const lines = [
    `imported ${total(result.imported)} objects from ${source} (${result.layout}, ${result.files} files):`,
    `  ${listed(result.imported)}`,
  ];
  if (result.madeNamespaces.length > 0)
    lines.push(`  namespaces made for them (not in the dump): ${result.madeNamespaces.join(", ")}`);
  if (result.dropped.size > 0) {
    lines.push(`dropped ${total(result.dropped)}:`);
    for (const [reason, n] of [...result.dropped].sort()) lines.push(`  ${n} ${reason}`);
  }
  if (result.notModelled.size > 0)
    lines.push(
      `not modelled by the testbed (left out): ${total(result.notModelled)}`,
      `  ${listed(result.notModelled)}`,
    );
  if (result.generatedKeys.length > 0) {
    lines.push("redacted Secret values replaced by generated test keys (read them with oc get secret … -o yaml):");
    for (const key of result.generatedKeys) lines.push(`  ${key}`);
  }
  if (result.unreadable.length > 0) {
    lines.push("files that did not parse (skipped):");
    for (const file of result.unreadable) lines.push(`  ${file}`);
  }
  lines.push(`versions found: ${result.versions.evidence.length > 0 ? result.versions.evidence.join("; ") : "none"}`);
  return `${lines.join("\n")}\n`;
}

function listed(map: Map<string, number>): string {
  return [...map]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, n]) => `${n} ${kind}`)
    .join(", ");
}
