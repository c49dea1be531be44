// Steps run the real `testbed oc` in process against the scenario's own API server.
import { existsSync } from "node:fs";
import { isAbsolute } from "node:path";
import { type CapturedOc, captureOc } from "@testbed/oc";
import { repositoryPath } from "./repository.js";

export type OcOutcome = CapturedOc;

export type OcRunner = (argv: readonly string[]) => Promise<OcOutcome>;

export function ocRunner(apiUrl: string): OcRunner {
  return (argv) => captureOc(apiUrl, withRepositoryFiles(argv));
}

/** `-f manifests/x.yaml` is relative to the repository, wherever the scenario is run from. */
function withRepositoryFiles(argv: readonly string[]): string[] {
  const result = [...argv];
  if (result.includes("logs")) return result; // there -f is --follow
  const end = result.indexOf("--");
  for (let i = 0; i < (end === -1 ? result.length : end); i++) {
    const word = result[i]!;
    const inline = /^(-f=|--filename=)(.+)$/.exec(word);
    if (inline) result[i] = `${inline[1]}${repositoryFile(inline[2]!)}`;
    else if ((word === "-f" || word === "--filename") && i + 1 < result.length) {
      result[i + 1] = repositoryFile(result[i + 1]!);
      i++;
    }
  }
  return result;
}

function repositoryFile(path: string): string {
  if (path === "-" || isAbsolute(path)) return path;
  return existsSync(repositoryPath(path)) ? repositoryPath(path) : path;
}
