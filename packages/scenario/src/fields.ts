// Typed reads from a parsed YAML value that remember where they are, so a malformed scenario is
// reported as `file: steps[3].request.expect.status: …` before anything runs.

/** Where a value sits in the scenario file: the keys and indexes leading to it. */
export type FieldPath = readonly (string | number)[];

export class ScenarioError extends Error {
  constructor(
    readonly path: FieldPath,
    readonly detail: string,
    /** Filled in by the parser once the file is known. */
    readonly file?: string,
    readonly line?: number,
  ) {
    const where = [file, path.length > 0 ? formatPath(path) : undefined].filter(Boolean).join(": ");
    super(`${where}${line ? ` (line ${line})` : ""}: ${detail}`);
  }
}

export function formatPath(path: FieldPath): string {
  let text = "";
  for (const part of path) text += typeof part === "number" ? `[${part}]` : text === "" ? part : `.${part}`;
  return text;
}

export function fail(path: FieldPath, detail: string): never {
  throw new ScenarioError(path, detail);
}

export type YamlMap = Record<string, unknown>;

export function isMap(value: unknown): value is YamlMap {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function asMap(value: unknown, path: FieldPath): YamlMap {
  if (!isMap(value)) fail(path, `expected a mapping, got ${describe(value)}`);
  return value;
}

/** Unknown keys are errors: a misspelt expectation must not silently pass. */
export function onlyKeys(map: YamlMap, allowed: readonly string[], path: FieldPath): void {
  for (const key of Object.keys(map)) {
    if (!allowed.includes(key)) fail([...path, key], `unknown field (expected one of: ${allowed.join(", ")})`);
  }
}

export function requireKey(map: YamlMap, key: string, path: FieldPath): unknown {
  if (map[key] === undefined || map[key] === null) fail([...path, key], "required field is missing");
  return map[key];
}

export function asString(value: unknown, path: FieldPath): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  fail(path, `expected a string, got ${describe(value)}`);
}

export function optionalString(map: YamlMap, key: string, path: FieldPath): string | undefined {
  return map[key] === undefined || map[key] === null ? undefined : asString(map[key], [...path, key]);
}

export function asNumber(value: unknown, path: FieldPath, options: { integer?: boolean; min?: number } = {}): number {
  if (typeof value !== "number" || !Number.isFinite(value)) fail(path, `expected a number, got ${describe(value)}`);
  if (options.integer && !Number.isInteger(value)) fail(path, `expected an integer, got ${value}`);
  if (options.min !== undefined && value < options.min) fail(path, `must be at least ${options.min}, got ${value}`);
  return value;
}

export function optionalNumber(
  map: YamlMap,
  key: string,
  path: FieldPath,
  options: { integer?: boolean; min?: number } = {},
): number | undefined {
  return map[key] === undefined || map[key] === null ? undefined : asNumber(map[key], [...path, key], options);
}

export function optionalBoolean(map: YamlMap, key: string, path: FieldPath): boolean | undefined {
  const value = map[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") fail([...path, key], `expected true or false, got ${describe(value)}`);
  return value;
}

/** A string or a list of strings. */
export function stringList(value: unknown, path: FieldPath): string[] {
  const items = Array.isArray(value) ? value : [value];
  return items.map((item, index) => asString(item, Array.isArray(value) ? [...path, index] : path));
}

export function regexList(value: unknown, path: FieldPath): RegExp[] {
  const items = Array.isArray(value) ? value : [value];
  return items.map((item, index) => regex(item, Array.isArray(value) ? [...path, index] : path));
}

export function regex(value: unknown, path: FieldPath): RegExp {
  const source = asString(value, path);
  try {
    return new RegExp(source, "m");
  } catch (error) {
    fail(path, `bad regular expression: ${(error as Error).message}`);
  }
}

export function describe(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `${typeof value} ${JSON.stringify(value)}`;
}
