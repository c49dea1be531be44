// `testbed up --from DIR|FILE`: a customer's dump becomes the topology. The imported objects are
// written to $TESTBED_HOME/imported/<name>.yaml (to read, edit, and pass to --topology later), the
// summary goes to stderr, and the Istio release the dump shows is the profile unless --istio says otherwise.
import { mkdirSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { testbedHome } from "@testbed/apimachinery";
import type { IstioVersion } from "@testbed/cluster";

export interface TopologyFromDump {
  /** The file the imported objects were written to. */
  file: string;
  /** The Istio profile the dump selects, if it names one the testbed models. */
  istio?: IstioVersion;
  summary: string;
}

export async function topologyFromDump(
  source: string,
  directory = join(testbedHome(), "imported"),
): Promise<TopologyFromDump> {
  const { importDump, importedTopology, importSummary } = await import("@testbed/cluster");
  const result = importDump(source);
  if (result.objects.length === 0)
    throw new Error(`${source}: nothing the testbed models was found (${result.files} files read)`);
  mkdirSync(directory, { recursive: true });
  const file = join(directory, `${basename(source).replace(/\.(ya?ml|json)$/i, "") || "dump"}.yaml`);
  writeFileSync(file, importedTopology(result));
  const summary = `${importSummary(result, source)}the imported topology: ${file}\n`;
  return { file, ...(result.versions.istio ? { istio: result.versions.istio } : {}), summary };
}
