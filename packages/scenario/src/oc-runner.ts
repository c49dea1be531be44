import { type CapturedOc, captureOc } from "@testbed/oc";
import type { ScenarioPaths } from "./repository.js";

export type OcOutcome = CapturedOc;

export type OcRunner = (argv: readonly string[]) => Promise<OcOutcome>;

export function ocRunner(apiUrl: string, paths: ScenarioPaths): OcRunner {
  return (argv) => captureOc(apiUrl, withScenarioFiles(argv, paths));
}

/** `-f manifests/x.yaml` names a file beside the scenario or in the repository, wherever the scenario is run from. */
function withScenarioFiles(argv: readonly string[], paths: ScenarioPaths): string[] {
  const result = [...argv];
  if (result.includes("logs")) return result; // there -f is --follow
  const end = result.indexOf("--");
  for (let i = 0; i < (end === -1 ? result.length : end); i++) {
    const word = result[i]!;
    const inline = /^(-f=|--filename=)(.+)$/.exec(word);
    if (inline) result[i] = `${inline[1]}${scenarioFile(inline[2]!, paths)}`;
    else if ((word === "-f" || word === "--filename") && i + 1 < result.length) {
      result[i + 1] = scenarioFile(result[i + 1]!, paths);
      i++;
    }
  }
  return result;
}

function scenarioFile(path: string, paths: ScenarioPaths): string {
  return path === "-" ? path : paths.resolve(path);
}
