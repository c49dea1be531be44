// Where scenarios, topologies and manifests live: paths in scenarios are relative to the repository.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";

/** packages/scenario/src/ (or dist/) → the repository root. */
export const REPOSITORY_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const SCENARIOS_DIR = join(REPOSITORY_ROOT, "scenarios");
export const TOPOLOGIES_DIR = join(REPOSITORY_ROOT, "topologies");

/** A path written in a scenario (manifest, patch file) → an absolute path. */
export function repositoryPath(path: string): string {
  return isAbsolute(path) ? path : join(REPOSITORY_ROOT, path);
}

/** `rhoai-3.2` → topologies/rhoai-3.2; anything else is a path (relative to the repository). */
export function topologyPath(nameOrPath: string): string {
  const named = join(TOPOLOGIES_DIR, nameOrPath);
  if (!nameOrPath.includes("/") && existsSync(named)) return named;
  return repositoryPath(nameOrPath);
}

/** `scenario run NAME|FILE`: an existing file (from the working directory) or scenarios/NAME.yaml. */
export function scenarioFile(nameOrFile: string): string | undefined {
  const candidates = [resolve(nameOrFile), join(SCENARIOS_DIR, nameOrFile), join(SCENARIOS_DIR, `${nameOrFile}.yaml`)];
  return candidates.find((path) => existsSync(path) && statSync(path).isFile());
}

export interface ScenarioEntry {
  name: string;
  title: string;
  file: string;
}

/** scenarios/*.yaml with their names and titles (a file that does not parse is listed with the error). */
export function listScenarios(directory = SCENARIOS_DIR): ScenarioEntry[] {
  if (!existsSync(directory)) return [];
  return readdirSync(directory)
    .filter((file) => file.endsWith(".yaml") || file.endsWith(".yml"))
    .sort()
    .map((file) => {
      const path = join(directory, file);
      const fallback = file.replace(/\.ya?ml$/, "");
      try {
        const document = parseYaml(readFileSync(path, "utf8")) as { name?: unknown; title?: unknown } | null;
        return {
          name: typeof document?.name === "string" ? document.name : fallback,
          title: typeof document?.title === "string" ? document.title : "",
          file: path,
        };
      } catch (error) {
        return { name: fallback, title: `(does not parse: ${(error as Error).message.split("\n")[0]})`, file: path };
      }
    });
}
