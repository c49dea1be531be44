// `expect:` blocks → Expectations; which checks a step accepts depends on its action.
import {
  asMap,
  asNumber,
  asString,
  type FieldPath,
  fail,
  isMap,
  onlyKeys,
  optionalNumber,
  optionalString,
  regexList,
  requireKey,
  stringList,
  type YamlMap,
} from "./fields.js";
import type {
  ActionKind,
  ClustersCheck,
  EppMetricCheck,
  EventCheck,
  Expectations,
  GroupBounds,
  LogsCheck,
  PodCheck,
  PodGroup,
  Range,
} from "./model.js";

const OUTPUT_CHECKS = ["exitCode", "contains", "notContains", "matches", "notMatches"];
const CLUSTER_CHECKS = ["clusters", "eppMetric", "pod", "logs", "event"];

/** The checks each action's `expect:` may carry (cluster checks are allowed everywhere). */
const CHECKS_BY_ACTION: Partial<Record<ActionKind, string[]>> = {
  oc: OUTPUT_CHECKS,
  exec: OUTPUT_CHECKS,
  apply: OUTPUT_CHECKS,
  patch: OUTPUT_CHECKS,
  delete: OUTPUT_CHECKS,
  request: ["status", "bodyContains", "bodyNotContains", "header"],
  load: ["status", "distribution", "cacheHitRate", "throughEpp"],
};

export function parseExpectations(value: unknown, action: ActionKind, path: FieldPath): Expectations {
  if (value === undefined || value === null) return {};
  const map = asMap(value, path);
  onlyKeys(map, [...(CHECKS_BY_ACTION[action] ?? []), ...CLUSTER_CHECKS], path);
  const at = (key: string): FieldPath => [...path, key];
  const expectations: Expectations = {};
  if (map.exitCode !== undefined) expectations.exitCode = asNumber(map.exitCode, at("exitCode"), { integer: true });
  if (map.contains !== undefined) expectations.contains = stringList(map.contains, at("contains"));
  if (map.notContains !== undefined) expectations.notContains = stringList(map.notContains, at("notContains"));
  if (map.matches !== undefined) expectations.matches = regexList(map.matches, at("matches"));
  if (map.notMatches !== undefined) expectations.notMatches = regexList(map.notMatches, at("notMatches"));
  if (map.status !== undefined) Object.assign(expectations, parseStatus(map.status, action, at("status")));
  if (map.bodyContains !== undefined) expectations.bodyContains = stringList(map.bodyContains, at("bodyContains"));
  if (map.bodyNotContains !== undefined) {
    expectations.bodyNotContains = stringList(map.bodyNotContains, at("bodyNotContains"));
  }
  if (map.header !== undefined) expectations.header = parseHeaders(map.header, at("header"));
  if (map.distribution !== undefined)
    expectations.distribution = parseDistribution(map.distribution, at("distribution"));
  if (map.cacheHitRate !== undefined) expectations.cacheHitRate = parseRange(map.cacheHitRate, at("cacheHitRate"));
  if (map.throughEpp !== undefined) expectations.throughEpp = parseRange(map.throughEpp, at("throughEpp"));
  if (map.clusters !== undefined) expectations.clusters = listOf(map.clusters, at("clusters"), parseClusters);
  if (map.eppMetric !== undefined) expectations.eppMetric = listOf(map.eppMetric, at("eppMetric"), parseEppMetric);
  if (map.pod !== undefined) expectations.pod = listOf(map.pod, at("pod"), parsePodCheck);
  if (map.logs !== undefined) expectations.logs = listOf(map.logs, at("logs"), parseLogsCheck);
  if (map.event !== undefined) expectations.event = listOf(map.event, at("event"), parseEventCheck);
  return expectations;
}

/** `status: 400`, `status: [200, 429]` (every response one of these), or on load steps `{200: 100}` (counts). */
function parseStatus(value: unknown, action: ActionKind, path: FieldPath): Expectations {
  if (isMap(value)) {
    if (action !== "load") fail(path, "a count per status is for load steps; use a status or a list of statuses");
    const counts: Record<string, number> = {};
    for (const [status, count] of Object.entries(value)) {
      if (!/^\d{3}$/.test(status) && status !== "0") fail([...path, status], "expected an HTTP status (or 0)");
      counts[status] = asNumber(count, [...path, status], { integer: true, min: 0 });
    }
    return { statusCounts: counts };
  }
  const items = Array.isArray(value) ? value : [value];
  return {
    status: items.map((item, index) =>
      asNumber(item, Array.isArray(value) ? [...path, index] : path, { integer: true, min: 0 }),
    ),
  };
}

function parseHeaders(value: unknown, path: FieldPath): Record<string, string> {
  const map = asMap(value, path);
  const headers: Record<string, string> = {};
  for (const [name, expected] of Object.entries(map)) headers[name.toLowerCase()] = asString(expected, [...path, name]);
  return headers;
}

const GROUPS: PodGroup[] = ["all", "decode", "prefill"];

function parseDistribution(value: unknown, path: FieldPath): Partial<Record<PodGroup, GroupBounds>> {
  const map = asMap(value, path);
  onlyKeys(map, GROUPS, path);
  const result: Partial<Record<PodGroup, GroupBounds>> = {};
  for (const group of GROUPS) {
    if (map[group] === undefined) continue;
    const at: FieldPath = [...path, group];
    const bounds = asMap(map[group], at);
    onlyKeys(bounds, ["pods", "minShare", "maxShare", "maxPodShare"], at);
    result[group] = {
      pods: bounds.pods === undefined ? undefined : parseRange(bounds.pods, [...at, "pods"]),
      minShare: optionalNumber(bounds, "minShare", at, { min: 0 }),
      maxShare: optionalNumber(bounds, "maxShare", at, { min: 0 }),
      maxPodShare:
        bounds.maxPodShare === undefined ? undefined : parseRange(bounds.maxPodShare, [...at, "maxPodShare"]),
    };
  }
  return result;
}

/** A number (exactly), or `{min, max}` / `{equals}`. */
export function parseRange(value: unknown, path: FieldPath): Range {
  if (typeof value === "number") return { equals: value };
  const map = asMap(value, path);
  return rangeFields(map, path, true);
}

function rangeFields(map: YamlMap, path: FieldPath, required: boolean): Range {
  const range: Range = {
    equals: optionalNumber(map, "equals", path),
    min: optionalNumber(map, "min", path),
    max: optionalNumber(map, "max", path),
  };
  if (required && range.equals === undefined && range.min === undefined && range.max === undefined) {
    fail(path, "expected `equals`, `min` or `max`");
  }
  return range;
}

function listOf<T>(value: unknown, path: FieldPath, parse: (item: unknown, path: FieldPath) => T): T[] {
  return Array.isArray(value) ? value.map((item, index) => parse(item, [...path, index])) : [parse(value, path)];
}

function parseClusters(value: unknown, path: FieldPath): ClustersCheck {
  const map = asMap(value, path);
  onlyKeys(map, ["gateway", "namespace", "cluster", "stat", "equals", "min", "max"], path);
  return {
    gateway: asString(requireKey(map, "gateway", path), [...path, "gateway"]),
    namespace: optionalString(map, "namespace", path) ?? "openshift-ingress",
    cluster: asString(requireKey(map, "cluster", path), [...path, "cluster"]),
    stat: asString(requireKey(map, "stat", path), [...path, "stat"]),
    range: rangeFields(map, path, true),
  };
}

function parseEppMetric(value: unknown, path: FieldPath): EppMetricCheck {
  const map = asMap(value, path);
  onlyKeys(map, ["name", "labels", "namespace", "equals", "min", "max"], path);
  const labels: Record<string, string> = {};
  if (map.labels !== undefined) {
    for (const [key, label] of Object.entries(asMap(map.labels, [...path, "labels"]))) {
      labels[key] = asString(label, [...path, "labels", key]);
    }
  }
  return {
    name: asString(requireKey(map, "name", path), [...path, "name"]),
    labels,
    namespace: optionalString(map, "namespace", path),
    range: rangeFields(map, path, true),
  };
}

function parsePodCheck(value: unknown, path: FieldPath): PodCheck {
  const map = asMap(value, path);
  onlyKeys(map, ["namespace", "selector", "status", "restarts", "ready", "count"], path);
  const check: PodCheck = {
    namespace: optionalString(map, "namespace", path) ?? "my-first-model",
    selector: asString(requireKey(map, "selector", path), [...path, "selector"]),
  };
  if (map.status !== undefined) check.status = stringList(map.status, [...path, "status"]);
  if (map.restarts !== undefined) check.restarts = parseRange(map.restarts, [...path, "restarts"]);
  if (map.count !== undefined) check.count = parseRange(map.count, [...path, "count"]);
  if (map.ready !== undefined) {
    if (typeof map.ready !== "boolean") fail([...path, "ready"], "expected true or false");
    check.ready = map.ready;
  }
  return check;
}

function parseLogsCheck(value: unknown, path: FieldPath): LogsCheck {
  const map = asMap(value, path);
  onlyKeys(map, ["namespace", "selector", "container", "contains", "notContains", "matches"], path);
  const check: LogsCheck = {
    namespace: optionalString(map, "namespace", path) ?? "my-first-model",
    selector: asString(requireKey(map, "selector", path), [...path, "selector"]),
  };
  const container = optionalString(map, "container", path);
  if (container !== undefined) check.container = container;
  if (map.contains !== undefined) check.contains = stringList(map.contains, [...path, "contains"]);
  if (map.notContains !== undefined) check.notContains = stringList(map.notContains, [...path, "notContains"]);
  if (map.matches !== undefined) check.matches = regexList(map.matches, [...path, "matches"]);
  return check;
}

function parseEventCheck(value: unknown, path: FieldPath): EventCheck {
  const map = asMap(value, path);
  onlyKeys(map, ["namespace", "reason", "contains"], path);
  const check: EventCheck = {
    namespace: optionalString(map, "namespace", path) ?? "my-first-model",
    reason: asString(requireKey(map, "reason", path), [...path, "reason"]),
  };
  if (map.contains !== undefined) check.contains = stringList(map.contains, [...path, "contains"]);
  return check;
}
