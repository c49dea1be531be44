// Limitador's limits file: a list of limits, each `{namespace, max_value, seconds, conditions,
// variables, name}`. A limit applies to a request of its namespace (the ratelimit `domain`) when
// every condition holds on the request's descriptors; its counter is keyed by the variables' values.
// Conditions compare a descriptor entry with a literal: `descriptors[0]["limit.free"] == "1"`, or the
// older `descriptors[0].tier == 'free'`; `!=` is supported too.
import { parse } from "yaml";

/** One limit of the limits file, in the names the engine uses. */
export interface LimitDefinition {
  namespace: string;
  maxValue: number;
  seconds: number;
  conditions: Condition[];
  variables: string[];
  name: string | undefined;
  /** Stable identity of the limit (its counters survive reloads that keep it). */
  id: string;
}

export interface Condition {
  key: string;
  operator: "==" | "!=";
  value: string;
}

export class LimitsFileError extends Error {}

const DESCRIPTOR_KEY = /^descriptors\[0\](?:\["([^"]+)"\]|\['([^']+)'\]|\.([A-Za-z0-9_.\-/]+))$/;
const CONDITION =
  /^(descriptors\[0\](?:\["[^"]+"\]|\['[^']+'\]|\.[A-Za-z0-9_.\-/]+))\s*(==|!=)\s*(?:"([^"]*)"|'([^']*)')$/;

export function descriptorKey(expression: string): string | undefined {
  const match = DESCRIPTOR_KEY.exec(expression.trim());
  return match ? (match[1] ?? match[2] ?? match[3]) : undefined;
}

export function parseCondition(text: string, path: string): Condition {
  const match = CONDITION.exec(text.trim());
  if (!match)
    throw new LimitsFileError(
      `${path}: cannot read condition ${JSON.stringify(text)}; expected descriptors[0]["key"] == "value"`,
    );
  return {
    key: descriptorKey(match[1] as string) as string,
    operator: match[2] as "==" | "!=",
    value: match[3] ?? match[4] ?? "",
  };
}

export function parseLimitsFile(text: string, source: string): LimitDefinition[] {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new LimitsFileError(`${source}: invalid YAML: ${(error as Error).message.split("\n")[0]}`);
  }
  if (document === null || document === undefined) return [];
  if (!Array.isArray(document)) throw new LimitsFileError(`${source}: must be a list of limits`);
  return document.map((raw, index) => readLimit(raw, `${source}: [${index}]`));
}

export function readLimit(raw: unknown, path: string): LimitDefinition {
  const limit = (raw ?? {}) as Record<string, unknown>;
  if (typeof limit.namespace !== "string" || limit.namespace === "")
    throw new LimitsFileError(`${path}.namespace: is required`);
  const maxValue = Number(limit.max_value);
  if (!Number.isInteger(maxValue) || maxValue < 0)
    throw new LimitsFileError(`${path}.max_value: must be a non-negative integer`);
  const seconds = Number(limit.seconds);
  if (!Number.isInteger(seconds) || seconds <= 0)
    throw new LimitsFileError(`${path}.seconds: must be a positive integer`);
  const conditions = ((limit.conditions ?? []) as unknown[]).map((c, i) =>
    parseCondition(String(c), `${path}.conditions[${i}]`),
  );
  const variables = ((limit.variables ?? []) as unknown[]).map((v, i) => {
    const key = descriptorKey(String(v));
    if (!key)
      throw new LimitsFileError(
        `${path}.variables[${i}]: cannot read ${JSON.stringify(v)}; expected descriptors[0]["key"]`,
      );
    return key;
  });
  const name = typeof limit.name === "string" ? limit.name : undefined;
  return {
    namespace: limit.namespace,
    maxValue,
    seconds,
    conditions,
    variables,
    name,
    id: JSON.stringify([limit.namespace, maxValue, seconds, conditions, variables, name ?? ""]),
  };
}
