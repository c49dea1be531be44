// kubectl's JSONPath templates (`-o jsonpath=...`): literal text and `{…}` actions — field paths
// (`.a.b`, `['a.b']`, `a\.b`), `[n]`, `[*]`, `[start:end:step]`, `..name`, filters `[?(@.x=="y")]`,
// `{range …}…{end}` and quoted literals (`{"\n"}`). Missing keys print nothing (kubectl get allows
// them); several results of one action are joined by a space; maps and arrays print as compact JSON
// the way Go's encoding/json writes them (sorted keys, `<`, `>`, `&` escaped).

/** A JSONPath template that does not parse. */
export class JsonPathError extends Error {}

type Step =
  | { type: "field"; name: string }
  | { type: "recursive"; name: string }
  | { type: "wildcard" }
  | { type: "index"; index: number }
  | { type: "slice"; start?: number; end?: number; step?: number }
  | { type: "filter"; left: Step[]; operator?: string; right?: Step[] | unknown };

type Node =
  | { type: "text"; text: string }
  | { type: "path"; steps: Step[] }
  | { type: "range"; steps: Step[]; body: Node[] };

export function parseTemplate(template: string): Node[] {
  const source = template.includes("{") ? template : `{${template}}`;
  const stack: Node[][] = [[]];
  const ranges: Array<{ steps: Step[] }> = [];
  let index = 0;
  while (index < source.length) {
    const open = source.indexOf("{", index);
    const current = stack[stack.length - 1] as Node[];
    if (open < 0) {
      current.push({ type: "text", text: source.slice(index) });
      break;
    }
    if (open > index) current.push({ type: "text", text: source.slice(index, open) });
    const close = findClose(source, open + 1);
    const action = source.slice(open + 1, close).trim();
    index = close + 1;
    if (action === "end") {
      const range = ranges.pop();
      const body = stack.pop();
      if (!range || !body || stack.length === 0) throw new JsonPathError("not in range, nothing to end");
      (stack[stack.length - 1] as Node[]).push({ type: "range", steps: range.steps, body });
    } else if (action.startsWith("range ")) {
      ranges.push({ steps: parsePath(action.slice(6).trim()) });
      stack.push([]);
    } else if (/^(["']).*\1$/s.test(action)) {
      current.push({ type: "text", text: unquote(action) });
    } else current.push({ type: "path", steps: parsePath(action) });
  }
  // kubectl runs a range without {end} to the end of the template (the seed's check 11 relies on it).
  for (let range = ranges.pop(); range; range = ranges.pop()) {
    const body = stack.pop() as Node[];
    (stack[stack.length - 1] as Node[]).push({ type: "range", steps: range.steps, body });
  }
  return stack[0] as Node[];
}

function findClose(source: string, from: number): number {
  let quote: string | undefined;
  for (let i = from; i < source.length; i++) {
    const char = source[i];
    if (quote) {
      if (char === "\\") i++;
      else if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") quote = char;
    else if (char === "}") return i;
  }
  throw new JsonPathError(`unclosed action in template ${JSON.stringify(source)}`);
}

function unquote(literal: string): string {
  const body = literal.slice(1, -1);
  return body.replace(/\\(.)/g, (_match, char: string) => ({ n: "\n", t: "\t", r: "\r" })[char] ?? char);
}

/** `.items[0].metadata.name`, `..name`, `['a.b']`, `[?(@.type=="Ready")].status`. */
export function parsePath(text: string): Step[] {
  const steps: Step[] = [];
  let i = text.startsWith("$") || text.startsWith("@") ? 1 : 0;
  while (i < text.length) {
    if (text.startsWith("..", i)) {
      const { name, next } = readName(text, i + 2);
      steps.push({ type: "recursive", name });
      i = next;
    } else if (text[i] === ".") {
      const { name, next } = readName(text, i + 1);
      if (name === "*") steps.push({ type: "wildcard" });
      else if (name !== "") steps.push({ type: "field", name });
      i = next;
    } else if (text[i] === "[") {
      const close = findBracketClose(text, i);
      steps.push(parseBracket(text.slice(i + 1, close).trim()));
      i = close + 1;
    } else {
      const { name, next } = readName(text, i);
      if (name === "") throw new JsonPathError(`unrecognized character in action: ${JSON.stringify(text[i])}`);
      steps.push({ type: "field", name });
      i = next;
    }
  }
  return steps;
}

function readName(text: string, from: number): { name: string; next: number } {
  let name = "";
  let i = from;
  while (i < text.length && text[i] !== "." && text[i] !== "[") {
    if (text[i] === "\\" && i + 1 < text.length) i++;
    name += text[i];
    i++;
  }
  return { name, next: i };
}

function findBracketClose(text: string, open: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < text.length; i++) {
    const char = text[i];
    if (quote) {
      if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") quote = char;
    else if (char === "[" || char === "(") depth++;
    else if (char === "]" || char === ")") {
      depth--;
      if (depth === 0 && char === "]") return i;
    }
  }
  throw new JsonPathError(`unterminated array in ${JSON.stringify(text)}`);
}

function parseBracket(inner: string): Step {
  if (inner === "*") return { type: "wildcard" };
  if (/^(["']).*\1$/.test(inner)) return { type: "field", name: inner.slice(1, -1) };
  if (inner.startsWith("?(") && inner.endsWith(")")) return parseFilter(inner.slice(2, -1).trim());
  if (/^-?\d+$/.test(inner)) return { type: "index", index: Number(inner) };
  const slice = /^(-?\d*):(-?\d*)(?::(-?\d*))?$/.exec(inner);
  if (slice) {
    const number = (part: string | undefined) => (part === undefined || part === "" ? undefined : Number(part));
    return { type: "slice", start: number(slice[1]), end: number(slice[2]), step: number(slice[3]) };
  }
  throw new JsonPathError(`invalid array index ${inner}`);
}

function parseFilter(expression: string): Step {
  const comparison = /^(@[^=!<>\s]*)\s*(==|!=|<=|>=|<|>)\s*(.+)$/.exec(expression);
  if (!comparison) return { type: "filter", left: parsePath(expression) };
  const rightText = (comparison[3] as string).trim();
  let right: Step[] | unknown;
  if (/^(["']).*\1$/.test(rightText)) right = rightText.slice(1, -1);
  else if (rightText.startsWith("@") || rightText.startsWith("$")) right = parsePath(rightText);
  else if (rightText === "true" || rightText === "false") right = rightText === "true";
  else if (!Number.isNaN(Number(rightText))) right = Number(rightText);
  else throw new JsonPathError(`unrecognized filter value ${rightText}`);
  return { type: "filter", left: parsePath(comparison[1] as string), operator: comparison[2], right };
}

/** Evaluate a path from `root`, returning every match (an empty list when nothing matches). */
export function evaluate(steps: readonly Step[], root: unknown): unknown[] {
  let values: unknown[] = [root];
  for (const step of steps) values = values.flatMap((value) => applyStep(step, value));
  return values;
}

function applyStep(step: Step, value: unknown): unknown[] {
  switch (step.type) {
    case "field":
      return isRecord(value) && Object.hasOwn(value, step.name) ? [value[step.name]] : [];
    case "recursive":
      return descendants(value).flatMap((v) => (isRecord(v) && Object.hasOwn(v, step.name) ? [v[step.name]] : []));
    case "wildcard":
      return Array.isArray(value) ? value : isRecord(value) ? Object.values(value) : [];
    case "index": {
      if (!Array.isArray(value)) return [];
      const index = step.index < 0 ? value.length + step.index : step.index;
      return index >= 0 && index < value.length ? [value[index]] : [];
    }
    case "slice":
      return Array.isArray(value) ? sliceOf(value, step) : [];
    case "filter":
      return Array.isArray(value) ? value.filter((item) => matches(step, item)) : [];
  }
}

function sliceOf(list: unknown[], step: { start?: number; end?: number; step?: number }): unknown[] {
  const clamp = (n: number) => Math.min(Math.max(n < 0 ? list.length + n : n, 0), list.length);
  const start = clamp(step.start ?? 0);
  const end = clamp(step.end ?? list.length);
  const stride = step.step && step.step > 0 ? step.step : 1;
  const out: unknown[] = [];
  for (let i = start; i < end; i += stride) out.push(list[i]);
  return out;
}

function descendants(value: unknown): unknown[] {
  const children = Array.isArray(value) ? value : isRecord(value) ? Object.values(value) : [];
  return [value, ...children.flatMap(descendants)];
}

function matches(filter: Extract<Step, { type: "filter" }>, item: unknown): boolean {
  const left = evaluate(filter.left, item);
  if (filter.operator === undefined) return left.length > 0;
  const rights = Array.isArray(filter.right) ? evaluate(filter.right as Step[], item) : [filter.right];
  return left.some((l) => rights.some((r) => compare(l, filter.operator as string, r)));
}

function compare(left: unknown, operator: string, right: unknown): boolean {
  if (operator === "==") return left === right || (typeof left === "number" && Number(right) === left);
  if (operator === "!=") return !compare(left, "==", right);
  const a = Number(left);
  const b = Number(right);
  if (Number.isNaN(a) || Number.isNaN(b)) return false;
  return operator === "<" ? a < b : operator === "<=" ? a <= b : operator === ">" ? a > b : a >= b;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Render a template against data, as `kubectl get -o jsonpath=...` prints it (no trailing newline). */
export function renderJsonPath(template: string, data: unknown): string {
  return renderNodes(parseTemplate(template), data);
}

function renderNodes(nodes: readonly Node[], data: unknown): string {
  let out = "";
  for (const node of nodes) {
    if (node.type === "text") out += node.text;
    else if (node.type === "path") out += evaluate(node.steps, data).map(formatValue).join(" ");
    else for (const item of evaluate(node.steps, data)) out += renderNodes(node.body, item);
  }
  return out;
}

/** Scalars as text; maps and arrays as Go's json.Marshal writes them. */
export function formatValue(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value === null || value === undefined) return "";
  return goJson(value);
}

export function goJson(value: unknown): string {
  return JSON.stringify(sortKeys(value))
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isRecord(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys(value[key])]),
  );
}
