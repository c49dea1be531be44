// A scenario file → a validated Scenario, or a ScenarioError naming the file, the field and its line.
import { existsSync, readFileSync } from "node:fs";
import { basename, relative } from "node:path";
import { DEFAULT_ISTIO_VERSION, ISTIO_VERSIONS, type IstioVersion, isIstioVersion } from "@testbed/cluster";
import { isNode, LineCounter, parseDocument } from "yaml";
import {
  asNumber,
  type FieldPath,
  fail,
  isMap,
  onlyKeys,
  optionalNumber,
  optionalString,
  ScenarioError,
} from "./fields.js";
import type { Scenario, Step } from "./model.js";
import { parseStep } from "./parse-steps.js";
import { REPOSITORY_ROOT, topologyPath } from "./repository.js";

const TOP_LEVEL = [
  "name",
  "title",
  "description",
  "topology",
  "istio",
  "seed",
  "timeScale",
  "restartBackoffSeconds",
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
  const topology = topologyPath(optionalString(value, "topology", []) ?? "rhoai-3.2");
  if (!existsSync(topology)) fail(["topology"], `no such topology: ${optionalString(value, "topology", [])}`);
  const matrix = Array.isArray(value.istio) ? value.istio.map((v, i) => istioVersion(v, ["istio", i])) : undefined;
  if (matrix?.length === 0) fail(["istio"], "a list of releases needs at least one");
  const istio = matrix?.[0] ?? istioVersion(value.istio ?? DEFAULT_ISTIO_VERSION, ["istio"]);
  if (!Array.isArray(value.steps))
    fail(["steps"], value.steps === undefined ? "required field is missing" : "expected a list");
  const name = optionalString(value, "name", []) ?? basename(file).replace(/\.ya?ml$/, "");
  return {
    name,
    title: optionalString(value, "title", []) ?? name,
    description: (optionalString(value, "description", []) ?? "").trim(),
    file,
    topology,
    istio,
    matrix,
    seed: value.seed === undefined ? 0 : asNumber(value.seed, ["seed"], { integer: true, min: 0 }),
    timeScale: optionalNumber(value, "timeScale", [], { min: 0 }) ?? 0,
    restartBackoffMs: (optionalNumber(value, "restartBackoffSeconds", [], { min: 0 }) ?? 0.2) * 1000,
    setup: stepList(value.setup, "setup"),
    steps: stepList(value.steps, "steps"),
  };
}

function stepList(value: unknown, key: string): Step[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) fail([key], "expected a list of steps");
  return value.map((step, index) => parseStep(step, [key, index]));
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
