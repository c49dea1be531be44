// `from: PATH` in a scenario: the case starts from a customer's dump (`oc get -o yaml` list, must-gather
// or `oc adm inspect` tree), imported as `testbed up --from` imports it. The path resolves beside the
// scenario file first; the imported objects are written to a temporary topology file.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { type IstioVersion, importDump, importedTopology } from "@testbed/cluster";
import { fail } from "./fields.js";
import type { ScenarioPaths } from "./repository.js";

export interface ImportedCase {
  /** The topology file holding the imported objects. */
  file: string;
  /** The Istio profile the dump shows, if the testbed models it. */
  istio?: IstioVersion;
}

export function importCaseDump(from: string, paths: ScenarioPaths): ImportedCase {
  const source = paths.find(from);
  if (!source)
    fail(["from"], `no such file or directory: ${from} (looked beside the scenario and in the testbed's repository)`);
  const result = importDump(source);
  if (result.objects.length === 0)
    fail(["from"], `${from}: nothing the testbed models was found (${result.files} files read)`);
  const file = join(
    mkdtempSync(join(tmpdir(), "testbed-case-")),
    `${basename(source).replace(/\.(ya?ml|json)$/i, "")}.yaml`,
  );
  writeFileSync(file, importedTopology(result));
  return { file, ...(result.versions.istio ? { istio: result.versions.istio } : {}) };
}
