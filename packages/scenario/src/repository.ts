// Where scenarios, topologies and manifests live. A path a scenario names is looked up beside the
// scenario file first (a case folder carries its own manifests), then in the repository (the shipped
// manifests/ and scenarios/fixtures/).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";

/** packages/scenario/src/ (or dist/) → the repository root. */
export const REPOSITORY_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const SCENARIOS_DIR = join(REPOSITORY_ROOT, "scenarios");
export const TOPOLOGIES_DIR = join(REPOSITORY_ROOT, "topologies");

/** How a scenario's paths resolve: beside the scenario file, else in the repository. */
export class ScenarioPaths {
  /** `scenarioDir`: the folder of the scenario file (the case folder). */
  constructor(readonly scenarioDir: string) {}

  /** The absolute path `path` names, or undefined when it exists in neither place. */
  find(path: string): string | undefined {
    if (isAbsolute(path)) return existsSync(path) ? path : undefined;
    return [join(this.scenarioDir, path), join(REPOSITORY_ROOT, path)].find((candidate) => existsSync(candidate));
  }

  /** Like find, but a path that exists nowhere is returned as written (the command reports it). */
  resolve(path: string): string {
    return this.find(path) ?? path;
  }
}

/** A path written in a scenario (manifest, patch file) → an absolute path. */
export function repositoryPath(path: string): string {
  return isAbsolute(path) ? path : join(REPOSITORY_ROOT, path);
}

/** `rhoai-3.2` → topologies/rhoai-3.2; anything else is a path (beside the scenario, else in the repository). */
export function topologyPath(nameOrPath: string, paths?: ScenarioPaths): string {
  const named = join(TOPOLOGIES_DIR, nameOrPath);
  if (!nameOrPath.includes("/") && !paths?.find(nameOrPath) && existsSync(named)) return named;
  return paths ? paths.resolve(nameOrPath) : repositoryPath(nameOrPath);
}

/** The file a case folder's scenario lives in. */
export const CASE_SCENARIO_FILES = ["scenario.yaml", "scenario.yml"];

/**
 * `scenario run NAME|FILE|DIR`: an existing file (from the working directory), a case folder holding
 * scenario.yaml, or scenarios/NAME.yaml.
 */
export function scenarioFile(nameOrFile: string): string | undefined {
  const folder = resolve(nameOrFile);
  if (existsSync(folder) && statSync(folder).isDirectory()) {
    return CASE_SCENARIO_FILES.map((file) => join(folder, file)).find((path) => existsSync(path));
  }
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
