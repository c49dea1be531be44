/**
 * Python's repr() of JSON values. vLLM's validation errors are `str()` of pydantic error lists, so
 * a faithful message needs `None`, `True`, single-quoted strings and tuples for locations.
 */
export function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : pythonFloat(value);
  if (typeof value === "string") return pythonString(value);
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(", ")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    return `{${entries.map(([key, item]) => `${pythonString(key)}: ${pythonRepr(item)}`).join(", ")}}`;
  }
  return pythonString(String(value));
}

/** A tuple, as pydantic writes `loc`: one element gets a trailing comma. */
export function pythonTuple(items: ReadonlyArray<string | number>): string {
  const inner = items.map(pythonRepr).join(", ");
  return items.length === 1 ? `(${inner},)` : `(${inner})`;
}

export function pythonFloat(value: number): string {
  const text = String(value);
  return text.includes(".") || text.includes("e") ? text : `${text}.0`;
}

function pythonString(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const escaped = text
    .replace(/\\/g, "\\\\")
    .replace(/\n/g, "\\n")
    .replace(/\r/g, "\\r")
    .replace(/\t/g, "\\t")
    .replace(new RegExp(quote, "g"), `\\${quote}`);
  return `${quote}${escaped}${quote}`;
}
