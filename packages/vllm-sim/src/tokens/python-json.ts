// Python's json.dumps(value, ensure_ascii=False) with its default separators (", " and ": "): what
// the chat template's `tojson` filter and vLLM's tool-call arguments print, so that prompts and
// responses carry the same text (and the same token count) as on vLLM.

export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (value === true) return "true";
  if (value === false) return "false";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : value > 0 ? "Infinity" : "-Infinity";
  // JSON.stringify escapes what json.dumps escapes when non-ASCII characters are kept.
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(", ")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined);
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}: ${pythonJsonDumps(item)}`).join(", ")}}`;
  }
  return JSON.stringify(String(value));
}
