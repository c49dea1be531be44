// A scenario file → a validated Scenario, or a ScenarioError naming the file, the field and its line.
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { DEFAULT_ISTIO_VERSION, ISTIO_VERSIONS, type IstioVersion, isIstioVersion } from "@testbed/cluster";
import { isNode, LineCounter, parseDocument } from "yaml";
import {
  asNumber,
  asString,
  type FieldPath,
  fail,
  isMap,
  onlyKeys,
  optionalNumber,
  optionalString,
  ScenarioError,
} from "./fields.js";
import { importCaseDump } from "./from-dump.js";
import type { Scenario, Step } from "./model.js";
import { parseStep } from "./parse-steps.js";
import { REPOSITORY_ROOT, ScenarioPaths, topologyPath } from "./repository.js";

const TOP_LEVEL = [
  "name",
  "title",
  "description",
  "topology",
  "from",
  "istio",
  "seed",
  "timeScale",
  "restartBackoffSeconds",
  "readiness",
  "setup",
  "steps",
];

export function loadScenario(file: string): Scenario {
  return parseScenario(readFileSync(file, "utf8"), file);
}

export function parseScenario(text: string, file: string): Scenario {
  const shown = displayName(file);
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const syntax = document.errors[0];
  if (syntax) {
    const line = lines.linePos(syntax.pos[0]).line;
    throw new ScenarioError([], `YAML: ${syntax.message.split("\n")[0]}`, shown, line);
  }
  try {
    return fromValue(document.toJS(), file);
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    const node = document.getIn(error.path, true);
    const offset = isNode(node) ? node.range?.[0] : nearestNode(document, error.path);
    const line = offset === undefined ? undefined : lines.linePos(offset).line;
    throw new ScenarioError(error.path, error.detail, shown, line);
  }
}

/** The closest existing ancestor of a missing field (e.g. the step that lacks it). */
function nearestNode(document: ReturnType<typeof parseDocument>, path: FieldPath): number | undefined {
  for (let length = path.length - 1; length > 0; length--) {
    const node = document.getIn(path.slice(0, length), true);
    if (isNode(node)) return node.range?.[0];
  }
  return undefined;
}

function fromValue(value: unknown, file: string): Scenario {
  if (!isMap(value)) fail([], "a scenario is a mapping with `steps:`");
  onlyKeys(value, TOP_LEVEL, []);
  const directory = dirname(resolve(file));
  const paths = new ScenarioPaths(directory);
  // `from:` a customer's dump: the cluster is the dump (plus `topology:` when named), its Istio the dump's.
  const imported = value.from === undefined ? undefined : importCaseDump(asString(value.from, ["from"]), paths);
  const named = value.topology ?? (imported ? [] : defaultTopology(directory));
  const topology = topologyList(named).map((entry, index) => {
    const resolved = topologyPath(entry, paths);
    const at = Array.isArray(value.topology) ? ["topology", index] : ["topology"];
    if (!existsSync(resolved)) fail(at, `no such topology: ${entry}`);
    return resolved;
  });
  if (imported) topology.push(imported.file);
  const matrix = Array.isArray(value.istio) ? value.istio.map((v, i) => istioVersion(v, ["istio", i])) : undefined;
  if (matrix?.length === 0) fail(["istio"], "a list of releases needs at least one");
  const istio = matrix?.[0] ?? istioVersion(value.istio ?? imported?.istio ?? DEFAULT_ISTIO_VERSION, ["istio"]);
  if (!Array.isArray(value.steps))
    fail(["steps"], value.steps === undefined ? "required field is missing" : "expected a list");
  const name = optionalString(value, "name", []) ?? defaultName(file);
  return {
    name,
    title: optionalString(value, "title", []) ?? name,
    description: (optionalString(value, "description", []) ?? "").trim(),
    file,
    directory,
    topology,
    istio,
    matrix,
    seed: value.seed === undefined ? 0 : asNumber(value.seed, ["seed"], { integer: true, min: 0 }),
    timeScale: optionalNumber(value, "timeScale", [], { min: 0 }) ?? 0,
    restartBackoffMs: (optionalNumber(value, "restartBackoffSeconds", [], { min: 0 }) ?? 0.2) * 1000,
    readiness: readiness(optionalString(value, "readiness", [])),
    setup: stepList(value.setup, "setup", paths),
    steps: stepList(value.steps, "steps", paths),
  };
}

/** `topology: NAME|PATH` or a list of them (a shipped topology plus a case's own manifests). */
function topologyList(value: unknown): string[] {
  const entries = Array.isArray(value) ? value : [value];
  return entries.map((entry, index) => asString(entry, Array.isArray(value) ? ["topology", index] : ["topology"]));
}

/** The file's name, or the case folder's for a scenario.yaml. */
function defaultName(file: string): string {
  const name = basename(file).replace(/\.ya?ml$/, "");
  return name === "scenario" ? basename(dirname(resolve(file))) : name;
}

/** A case folder with its own topology/ starts from it; any other scenario from the shipped rhoai-3.2. */
function defaultTopology(directory: string): string {
  return existsSync(join(directory, "topology")) ? join(directory, "topology") : "rhoai-3.2";
}

/** What the run waits for before the first step: every pod Ready (all), a quiet control plane (settled), nothing (none). */
function readiness(value: string | undefined): Scenario["readiness"] {
  if (value === undefined) return "all";
  if (value === "all" || value === "settled" || value === "none") return value;
  fail(["readiness"], `expected all, settled or none, got "${value}"`);
}

function stepList(value: unknown, key: string, paths: ScenarioPaths): Step[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) fail([key], "expected a list of steps");
  return value.map((step, index) => parseStep(step, [key, index], paths));
}

/** Files under the repository are named relative to it (scenarios/x.yaml); others as given. */
export function displayName(file: string): string {
  const inside = relative(REPOSITORY_ROOT, file);
  return inside.startsWith("..") || inside === "" ? file : inside;
}

function istioVersion(value: unknown, path: FieldPath): IstioVersion {
  if (!isIstioVersion(value)) fail(path, `expected one of ${ISTIO_VERSIONS.join(", ")}, got ${JSON.stringify(value)}`);
  return value;
}
