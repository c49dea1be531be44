// One step of a scenario: exactly one action key, plus `title:` and `expect:`.
import { readFileSync } from "node:fs";
import { ISTIO_VERSIONS, isIstioVersion } from "@testbed/cluster";
import { DEFAULT_CHAT_PATH, DEFAULT_GATEWAY, DEFAULT_MODEL, DEFAULT_NAMESPACE, GATEWAY_NAMESPACE } from "@testbed/load";
import { splitCommandLine } from "./command-line.js";
import {
  asMap,
  asNumber,
  asString,
  describe,
  type FieldPath,
  fail,
  isMap,
  onlyKeys,
  optionalBoolean,
  optionalNumber,
  optionalString,
  regex,
  requireKey,
  type YamlMap,
} from "./fields.js";
import type { Action, LoadSpec, PhaseFigures, Step, Target } from "./model.js";
import { parseExpectations } from "./parse-expectations.js";
import type { ScenarioPaths } from "./repository.js";

type ActionParser = (value: unknown, path: FieldPath, paths: ScenarioPaths) => Action;

const ACTIONS: Record<string, ActionParser> = {
  note: (value, path) => ({ kind: "note", text: asString(value, path).trim() }),
  apply: parseApply,
  patch: parsePatch,
  delete: parseDelete,
  wait: parseWait,
  oc: parseOc,
  exec: parseExec,
  request: parseRequest,
  load: parseLoad,
  table: parseTable,
  phase: parsePhase,
};

export function parseStep(value: unknown, path: FieldPath, paths: ScenarioPaths): Step {
  const map = asMap(value, path);
  let actionKeys = Object.keys(map).filter((key) => key !== "title" && key !== "expect" && key !== "expectIstio");
  // `note:` beside another action is text shown with that step.
  const withNote = actionKeys.length > 1 && actionKeys.includes("note");
  if (withNote) actionKeys = actionKeys.filter((key) => key !== "note");
  if (actionKeys.length === 0 && map.expect === undefined && map.expectIstio === undefined) {
    fail(path, `a step needs one of: ${Object.keys(ACTIONS).join(", ")}, expect`);
  }
  if (actionKeys.length > 1) fail(path, `a step has one action, found ${actionKeys.join(" and ")}`);
  const key = actionKeys[0];
  let action: Action = { kind: "check" };
  if (key !== undefined) {
    const parser = ACTIONS[key];
    if (!parser)
      fail([...path, key], `unknown step type (expected one of: ${Object.keys(ACTIONS).join(", ")}, expect)`);
    action = parser(map[key], [...path, key], paths);
  }
  return {
    title: optionalString(map, "title", path),
    note: withNote ? asString(map.note, [...path, "note"]).trim() : undefined,
    action,
    expect: parseExpectations(map.expect, action.kind, [...path, "expect"]),
    ...(map.expectIstio === undefined ? {} : { expectByIstio: parseExpectIstio(map.expectIstio, action.kind, path) }),
  };
}

/** `expectIstio: {"1.26": {status: 400}, "1.28": {status: 500}}`: expectations per Istio release. */
function parseExpectIstio(value: unknown, kind: Action["kind"], path: FieldPath): Step["expectByIstio"] {
  const map = asMap(value, [...path, "expectIstio"]);
  const out: NonNullable<Step["expectByIstio"]> = {};
  for (const [version, expect] of Object.entries(map)) {
    if (!isIstioVersion(version))
      fail([...path, "expectIstio", version], `expected one of ${ISTIO_VERSIONS.join(", ")}, got "${version}"`);
    out[version] = parseExpectations(expect, kind, [...path, "expectIstio", version]);
  }
  return out;
}

/** A file the step names, as written and where it is. */
function existingFile(value: unknown, path: FieldPath, paths: ScenarioPaths): { file: string; resolved: string } {
  const file = asString(value, path);
  const resolved = paths.find(file);
  if (!resolved) {
    fail(path, `no such file or directory: ${file} (looked beside the scenario and in the testbed's repository)`);
  }
  return { file, resolved };
}

/** `apply: FILE` or `apply: {file: FILE, wait: false}`. */
function parseApply(value: unknown, path: FieldPath, paths: ScenarioPaths): Action {
  if (!isMap(value)) return { kind: "apply", ...existingFile(value, path, paths), settle: true };
  onlyKeys(value, ["file", "wait"], path);
  return {
    kind: "apply",
    ...existingFile(requireKey(value, "file", path), [...path, "file"], paths),
    settle: optionalBoolean(value, "wait", path) ?? true,
  };
}

function parsePatch(value: unknown, path: FieldPath, paths: ScenarioPaths): Action {
  const map = asMap(value, path);
  onlyKeys(map, ["resource", "namespace", "type", "file", "patch", "wait"], path);
  const type = optionalString(map, "type", path) ?? "merge";
  if (type !== "json" && type !== "merge") fail([...path, "type"], `expected json or merge, got "${type}"`);
  if ((map.file === undefined) === (map.patch === undefined)) fail(path, "give exactly one of `file` and `patch`");
  let patch: string;
  let source: string;
  if (map.file !== undefined) {
    const file = existingFile(map.file, [...path, "file"], paths);
    source = file.file;
    patch = readFileSync(file.resolved, "utf8");
  } else {
    patch = typeof map.patch === "string" ? map.patch : JSON.stringify(map.patch);
    source = "inline";
  }
  return {
    kind: "patch",
    resource: asString(requireKey(map, "resource", path), [...path, "resource"]),
    namespace: optionalString(map, "namespace", path),
    type,
    patch,
    source,
    settle: optionalBoolean(map, "wait", path) ?? true,
  };
}

function parseDelete(value: unknown, path: FieldPath, paths: ScenarioPaths): Action {
  if (typeof value === "string") return { kind: "delete", resource: value, settle: true };
  const map = asMap(value, path);
  onlyKeys(map, ["resource", "file", "namespace", "wait"], path);
  if ((map.file === undefined) === (map.resource === undefined))
    fail(path, "give exactly one of `resource` and `file`");
  return {
    kind: "delete",
    resource: optionalString(map, "resource", path),
    ...(map.file === undefined ? {} : existingFile(map.file, [...path, "file"], paths)),
    namespace: optionalString(map, "namespace", path),
    settle: optionalBoolean(map, "wait", path) ?? true,
  };
}

/**
 * `wait: ready` (every pod Ready, every Gateway programmed), `wait: settled` (the control plane stopped
 * writing, ready or not), `wait: {for: notReady, namespace, selector}` (a matching pod is not Ready),
 * each with `timeoutSeconds`; or `wait: {seconds: 2}` (a plain pause).
 */
function parseWait(value: unknown, path: FieldPath): Action {
  if (value === "ready" || value === "settled") return { kind: "wait", for: value, timeoutSeconds: 30 };
  const map = asMap(value, path);
  onlyKeys(map, ["for", "timeoutSeconds", "seconds", "namespace", "selector"], path);
  if (map.seconds !== undefined) {
    if (map.for !== undefined) fail(path, "give `for` or `seconds`, not both");
    return { kind: "pause", seconds: asNumber(map.seconds, [...path, "seconds"], { min: 0 }) };
  }
  const condition = asString(requireKey(map, "for", path), [...path, "for"]);
  const timeoutSeconds = optionalNumber(map, "timeoutSeconds", path, { min: 0 }) ?? 30;
  if (condition === "notReady") {
    return {
      kind: "wait",
      for: condition,
      namespace: asString(requireKey(map, "namespace", path), [...path, "namespace"]),
      selector: asString(requireKey(map, "selector", path), [...path, "selector"]),
      timeoutSeconds,
    };
  }
  if (map.namespace !== undefined || map.selector !== undefined) {
    fail(path, "`namespace` and `selector` go with `for: notReady`");
  }
  if (condition !== "ready" && condition !== "settled") {
    fail([...path, "for"], `unknown condition "${condition}" (expected ready, settled or notReady)`);
  }
  return { kind: "wait", for: condition, timeoutSeconds };
}

/** `oc: get pods -n x` (a command line, `oc` optional) or `oc: {command: …, grep: …}` or a list of words. */
function parseOc(value: unknown, path: FieldPath): Action {
  let command: unknown = value;
  let grep: RegExp | undefined;
  if (isMap(value)) {
    onlyKeys(value, ["command", "grep"], path);
    command = requireKey(value, "command", path);
    if (value.grep !== undefined) grep = regex(value.grep, [...path, "grep"]);
  }
  const commandPath = isMap(value) ? [...path, "command"] : path;
  let argv = commandWords(command, commandPath);
  if (argv[0] === "oc" || argv[0] === "kubectl") argv = argv.slice(1);
  if (argv.length === 0) fail(commandPath, "empty command");
  return { kind: "oc", argv, grep };
}

/** A command line or a list of words. */
function commandWords(value: unknown, path: FieldPath): string[] {
  let words: string[];
  if (Array.isArray(value)) words = value.map((word, index) => asString(word, [...path, index]));
  else {
    try {
      words = splitCommandLine(asString(value, path));
    } catch (error) {
      fail(path, (error as Error).message);
    }
  }
  if (words.length === 0) fail(path, "empty command");
  return words;
}

function parseExec(value: unknown, path: FieldPath): Action {
  const map = asMap(value, path);
  onlyKeys(map, ["namespace", "selector", "pod", "allPods", "container", "command", "grep"], path);
  if ((map.selector === undefined) === (map.pod === undefined)) fail(path, "give exactly one of `selector` and `pod`");
  const command = requireKey(map, "command", path);
  const argv = commandWords(command, [...path, "command"]);
  return {
    kind: "exec",
    namespace: asString(requireKey(map, "namespace", path), [...path, "namespace"]),
    selector: optionalString(map, "selector", path),
    pod: optionalString(map, "pod", path),
    allPods: optionalBoolean(map, "allPods", path) ?? false,
    container: optionalString(map, "container", path),
    command: argv,
    grep: map.grep === undefined ? undefined : regex(map.grep, [...path, "grep"]),
  };
}

function parseTarget(map: YamlMap, path: FieldPath): Target {
  const apiKey = optionalString(map, "apiKey", path);
  if (map.url !== undefined) {
    if (map.gateway !== undefined) fail(path, "give `gateway` or `url`, not both");
    return { url: asString(map.url, [...path, "url"]), apiKey };
  }
  return {
    gateway: optionalString(map, "gateway", path) ?? DEFAULT_GATEWAY,
    namespace: optionalString(map, "gatewayNamespace", path) ?? GATEWAY_NAMESPACE,
    apiKey,
  };
}

function parseRequest(value: unknown, path: FieldPath): Action {
  const map = asMap(value, path);
  const fields = ["gateway", "gatewayNamespace", "url", "method", "path", "body", "headers", "apiKey", "repeat"];
  onlyKeys(map, fields, path);
  const body = map.body === undefined ? undefined : typeof map.body === "string" ? map.body : JSON.stringify(map.body);
  const headers: Record<string, string> = {};
  if (map.headers !== undefined) {
    for (const [name, header] of Object.entries(asMap(map.headers, [...path, "headers"]))) {
      headers[name.toLowerCase()] = asString(header, [...path, "headers", name]);
    }
  }
  const requestPath = optionalString(map, "path", path) ?? (map.url === undefined ? "/" : "");
  if (requestPath !== "" && !requestPath.startsWith("/")) fail([...path, "path"], "a path starts with /");
  return {
    kind: "request",
    target: parseTarget(map, path),
    method: (optionalString(map, "method", path) ?? (body === undefined ? "GET" : "POST")).toUpperCase(),
    path: requestPath,
    body,
    headers,
    repeat: optionalNumber(map, "repeat", path, { integer: true, min: 1 }) ?? 1,
  };
}

function parseLoad(value: unknown, path: FieldPath): Action {
  const map = asMap(value, path);
  const fields = ["gateway", "gatewayNamespace", "url", "path", "model", "requests", "concurrency", "rate"];
  onlyKeys(map, [...fields, "workload", "stream", "apiKey", "namespace"], path);
  if (map.concurrency !== undefined && map.rate !== undefined) fail(path, "give `concurrency` or `rate`, not both");
  const load: LoadSpec = {
    requests: asNumber(requireKey(map, "requests", path), [...path, "requests"], { integer: true, min: 1 }),
    concurrency: optionalNumber(map, "concurrency", path, { integer: true, min: 1 }),
    rate: loadRate(map, path),
    model: optionalString(map, "model", path) ?? DEFAULT_MODEL,
    stream: optionalBoolean(map, "stream", path) ?? false,
    workload: parseWorkload(requireKey(map, "workload", path), [...path, "workload"]),
  };
  return {
    kind: "load",
    target: parseTarget(map, path),
    path: optionalString(map, "path", path) ?? (map.url === undefined ? DEFAULT_CHAT_PATH : ""),
    load,
    namespace: optionalString(map, "namespace", path) ?? DEFAULT_NAMESPACE,
  };
}

/** Requests started per second: an open loop at rate 0 would never start one. */
function loadRate(map: Record<string, unknown>, path: FieldPath): number | undefined {
  const rate = optionalNumber(map, "rate", path, { min: 0 });
  if (rate === 0) fail([...path, "rate"], "must be greater than 0");
  return rate;
}

/** Token counts as @testbed/load accepts them: only the shared prefix may be empty. */
function parseWorkload(value: unknown, path: FieldPath): LoadSpec["workload"] {
  const map = asMap(value, path);
  const type = asString(requireKey(map, "type", path), [...path, "type"]);
  const tokens = (key: string, min = 1) => asNumber(requireKey(map, key, path), [...path, key], { integer: true, min });
  if (type === "shared-prefix") {
    onlyKeys(map, ["type", "prefixTokens", "suffixTokens", "outputTokens"], path);
    return {
      type,
      prefixTokens: tokens("prefixTokens", 0),
      suffixTokens: tokens("suffixTokens"),
      outputTokens: tokens("outputTokens"),
    };
  }
  if (type === "random") {
    onlyKeys(map, ["type", "promptTokens", "outputTokens"], path);
    return { type, promptTokens: tokens("promptTokens"), outputTokens: tokens("outputTokens") };
  }
  fail([...path, "type"], `unknown workload "${type}" (expected shared-prefix or random)`);
}

function parseTable(value: unknown, path: FieldPath): Action {
  if (value !== "before-after") fail(path, `unknown table ${describe(value)} (expected before-after)`);
  return { kind: "table", table: "before-after" };
}

/** `phase: NAME` or `phase: {name, seed: {distribution, cacheHits, epp}, form: auto|pods|roles}`. */
function parsePhase(value: unknown, path: FieldPath): Action {
  if (!isMap(value)) return { kind: "phase", name: asString(value, path), seed: {}, form: "auto" };
  onlyKeys(value, ["name", "seed", "form"], path);
  const form = optionalString(value, "form", path) ?? "auto";
  if (form !== "auto" && form !== "pods" && form !== "roles") {
    fail([...path, "form"], `expected auto, pods or roles, got "${form}"`);
  }
  let seed: PhaseFigures = {};
  if (value.seed !== undefined) {
    const at: FieldPath = [...path, "seed"];
    const figures = asMap(value.seed, at);
    onlyKeys(figures, ["distribution", "cacheHits", "epp"], at);
    seed = {
      distribution: optionalString(figures, "distribution", at),
      cacheHits: optionalString(figures, "cacheHits", at),
      epp: optionalString(figures, "epp", at),
    };
  }
  return { kind: "phase", name: asString(requireKey(value, "name", path), [...path, "name"]), seed, form };
}
