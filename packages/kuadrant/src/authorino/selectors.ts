// Authorino's selectors: GJSON-style paths into the authorization JSON, where `\.` escapes a dot
// inside a key — `auth.identity.metadata.annotations.secret\.kuadrant\.io/user-id`.
// The authorization JSON has `request` (and its alias `context.request.http`) and `auth.identity`.

/** The value at `selector` in `document`, or undefined if the path leads nowhere. */
export function select(document: unknown, selector: string): unknown {
  let value: unknown = document;
  for (const key of splitPath(selector)) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function splitPath(selector: string): string[] {
  const keys: string[] = [];
  let current = "";
  for (let i = 0; i < selector.length; i++) {
    const char = selector[i];
    if (char === "\\" && selector[i + 1] === ".") {
      current += ".";
      i++;
    } else if (char === ".") {
      keys.push(current);
      current = "";
    } else {
      current += char;
    }
  }
  keys.push(current);
  return keys;
}

export type PatternOperator = "eq" | "neq" | "incl" | "excl" | "matches";

export interface Pattern {
  selector: string;
  operator: PatternOperator;
  value: string;
}

/** Authorino's pattern-matching operators. */
export function patternHolds(document: unknown, pattern: Pattern): boolean {
  const value = select(document, pattern.selector);
  const text = value === undefined || value === null ? "" : typeof value === "string" ? value : JSON.stringify(value);
  switch (pattern.operator) {
    case "eq":
      return text === pattern.value;
    case "neq":
      return text !== pattern.value;
    case "incl":
      return Array.isArray(value)
        ? value.map(String).includes(pattern.value)
        : text.split(/[,\s]+/).includes(pattern.value);
    case "excl":
      return Array.isArray(value)
        ? !value.map(String).includes(pattern.value)
        : !text.split(/[,\s]+/).includes(pattern.value);
    case "matches":
      return new RegExp(pattern.value).test(text);
  }
}
