// What the simulated model writes under structured outputs (response_format, or a tool call vLLM
// constrains with the tool's JSON schema): a JSON value that satisfies a schema in a simple way —
// every required property (all properties when none are listed), enum members, typed leaves —
// with the values drawn from a seeded generator.
import type { SeededRandom } from "@testbed/common";

type Schema = Record<string, unknown>;

const WORDS = ["Paris", "blue", "tomorrow", "42 Main Street", "celsius", "llm-d", "example", "Qwen3"];

/** A JSON value that the schema accepts (object, array, string, number, integer, boolean, enum, const). */
export function valueForSchema(schema: unknown, random: SeededRandom, depth = 0): unknown {
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) return WORDS[0];
  const s = schema as Schema;
  if ("const" in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  const variants = (s.anyOf ?? s.oneOf) as unknown;
  if (Array.isArray(variants) && variants.length > 0) return valueForSchema(variants[0], random, depth + 1);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  if (type === "object" || (type === undefined && typeof s.properties === "object")) return objectFor(s, random, depth);
  if (type === "array") return depth > 8 ? [] : [valueForSchema(s.items, random, depth + 1)];
  if (type === "integer") return random.between(1, 100);
  if (type === "number") return random.between(10, 999) / 10;
  if (type === "boolean") return random.next() < 0.5;
  if (type === "null") return null;
  return random.pick(WORDS);
}

function objectFor(schema: Schema, random: SeededRandom, depth: number): Record<string, unknown> {
  const properties = (
    typeof schema.properties === "object" && schema.properties !== null ? schema.properties : {}
  ) as Schema;
  const required = Array.isArray(schema.required)
    ? (schema.required as unknown[]).map(String)
    : Object.keys(properties);
  const value: Record<string, unknown> = {};
  if (depth > 8) return value;
  for (const key of required) value[key] = valueForSchema(properties[key], random, depth + 1);
  return value;
}
