// Go's encoding/json as the real EPP runs it on request bodies: the syntax errors its scanner
// reports (word for word, so a 400 reads like the real one), its nesting limit of 10,000, and
// json.Marshal's output for a decoded map (keys sorted, `<`, `>`, `&`, U+2028, U+2029 escaped).

/** encoding/json's maxNestingDepth. */
export const GO_MAX_NESTING_DEPTH = 10_000;

/** Go's quoteChar: how the scanner names the offending byte. */
function quoteChar(c: number): string {
  if (c === 0x27) return "'\\''";
  if (c === 0x22) return "'\"'";
  const text = String.fromCharCode(c);
  const quoted = JSON.stringify(text).slice(1, -1);
  if (c < 0x20 || c === 0x7f) {
    const named: Record<number, string> = { 7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r" };
    return `'${named[c] ?? `\\x${c.toString(16).padStart(2, "0")}`}'`;
  }
  return `'${quoted}'`;
}

class GoSyntaxError extends Error {}

const invalid = (c: number, context: string) => new GoSyntaxError(`invalid character ${quoteChar(c)} ${context}`);
const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

/**
 * Go's checkValid: undefined when `bytes` is one valid JSON value, else the error text
 * json.Unmarshal returns. An iterative scanner, so any depth is checked without recursion.
 */
export function goJsonSyntaxError(bytes: Uint8Array): string | undefined {
  try {
    scan(bytes);
    return undefined;
  } catch (error) {
    if (error instanceof GoSyntaxError) return error.message;
    throw error;
  }
}

type Container = "object" | "array";

function scan(b: Uint8Array): void {
  const stack: Container[] = [];
  let i = 0;
  const end = () => new GoSyntaxError("unexpected end of JSON input");
  const skipSpace = () => {
    while (i < b.length && isSpace(b[i] as number)) i++;
  };
  const literal = (word: string) => {
    for (let k = 1; k < word.length; k++) {
      if (i + k >= b.length) throw end();
      const c = b[i + k] as number;
      if (c !== word.charCodeAt(k)) throw invalid(c, `in literal ${word} (expecting '${word[k]}')`);
    }
    i += word.length;
  };
  const string = () => {
    i++; // opening quote
    for (;;) {
      if (i >= b.length) throw end();
      const c = b[i] as number;
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) throw invalid(c, "in string literal");
      if (c === 0x5c) {
        i++;
        if (i >= b.length) throw end();
        const e = b[i] as number;
        if (e === 0x75) {
          for (let k = 1; k <= 4; k++) {
            if (i + k >= b.length) throw end();
            const h = b[i + k] as number;
            if (!isHex(h)) throw invalid(h, "in \\u hexadecimal character escape");
          }
          i += 5;
          continue;
        }
        if (!'"\\/bfnrt'.includes(String.fromCharCode(e))) throw invalid(e, "in string escape code");
      }
      i++;
    }
  };
  const number = () => {
    if (b[i] === 0x2d) {
      i++;
      if (i >= b.length) throw end();
      if (!isDigit(b[i] as number)) throw invalid(b[i] as number, "in numeric literal");
    }
    if (b[i] === 0x30) i++;
    else while (i < b.length && isDigit(b[i] as number)) i++;
    if (b[i] === 0x2e) {
      i++;
      if (i >= b.length) throw end();
      if (!isDigit(b[i] as number)) throw invalid(b[i] as number, "after decimal point in numeric literal");
      while (i < b.length && isDigit(b[i] as number)) i++;
    }
    if (b[i] === 0x65 || b[i] === 0x45) {
      i++;
      if (b[i] === 0x2b || b[i] === 0x2d) i++;
      if (i >= b.length) throw end();
      if (!isDigit(b[i] as number)) throw invalid(b[i] as number, "in exponent of numeric literal");
      while (i < b.length && isDigit(b[i] as number)) i++;
    }
  };
  /** One value; containers push and return, their elements are read by the loop below. */
  const value = (): boolean => {
    skipSpace();
    if (i >= b.length) throw end();
    const c = b[i] as number;
    if (c === 0x7b || c === 0x5b) {
      stack.push(c === 0x7b ? "object" : "array");
      if (stack.length > GO_MAX_NESTING_DEPTH) throw invalid(c, "exceeded max depth");
      i++;
      return true;
    }
    if (c === 0x22) string();
    else if (c === 0x2d || isDigit(c)) number();
    else if (c === 0x74) literal("true");
    else if (c === 0x66) literal("false");
    else if (c === 0x6e) literal("null");
    else throw invalid(c, "looking for beginning of value");
    return false;
  };
  const key = () => {
    skipSpace();
    if (i >= b.length) throw end();
    if (b[i] !== 0x22) throw invalid(b[i] as number, "looking for beginning of object key string");
    string();
    skipSpace();
    if (i >= b.length) throw end();
    if (b[i] !== 0x3a) throw invalid(b[i] as number, "after object key");
    i++;
  };
  /** After an element: `,` continues the container, its closing bracket ends it. */
  const afterElement = (): "next" | "closed" => {
    skipSpace();
    if (i >= b.length) throw end();
    const c = b[i] as number;
    const top = stack[stack.length - 1];
    if (c === 0x2c) {
      i++;
      return "next";
    }
    if ((top === "object" && c === 0x7d) || (top === "array" && c === 0x5d)) {
      i++;
      stack.pop();
      return "closed";
    }
    throw invalid(c, top === "object" ? "after object key:value pair" : "after array element");
  };

  let opened = value();
  for (;;) {
    if (opened) {
      // Just inside a container: it may close at once, else its first element follows.
      skipSpace();
      if (i >= b.length) throw end();
      const top = stack[stack.length - 1];
      if ((top === "object" && b[i] === 0x7d) || (top === "array" && b[i] === 0x5d)) {
        i++;
        stack.pop();
      } else {
        if (top === "object") key();
        opened = value();
        continue;
      }
    }
    if (stack.length === 0) break;
    const next = afterElement();
    if (next === "next") {
      if (stack[stack.length - 1] === "object") key();
      opened = value();
      continue;
    }
    opened = false;
  }
  skipSpace();
  if (i < b.length) throw invalid(b[i] as number, "after top-level value");
}

/**
 * json.Unmarshal's syntax check and decode of a body: the decoded value, or the syntax error Go
 * reports. JSON.parse accepts exactly the grammar Go's scanner accepts (the same whitespace, no
 * control characters in strings; bytes that are not UTF-8 become U+FFFD in a string either way and
 * are an invalid character outside one), so the scanner runs only to word a refusal — and on a body
 * long enough to nest deeper than Go's limit, which JSON.parse does not have.
 */
export function goUnmarshal(body: Buffer): { value: unknown } | { syntaxError: string } {
  let value: unknown;
  try {
    value = JSON.parse(body.toString("utf8"));
  } catch (error) {
    const syntaxError = goJsonSyntaxError(body);
    if (syntaxError !== undefined) return { syntaxError };
    throw error;
  }
  if (body.length > GO_MAX_NESTING_DEPTH) {
    const syntaxError = goJsonSyntaxError(body);
    if (syntaxError !== undefined) return { syntaxError };
  }
  return { value };
}

/** The error json.Unmarshal gives when the top-level value cannot go into a map[string]any. */
export function goMapTypeError(value: unknown): string | undefined {
  if (value === null || (typeof value === "object" && !Array.isArray(value))) return undefined;
  const kind = Array.isArray(value) ? "array" : typeof value === "string" ? "string" : typeof value;
  return `json: cannot unmarshal ${kind} into Go value of type map[string]interface {}`;
}

const GO_ESCAPES: Record<string, string> = {
  "<": "\\u003c",
  ">": "\\u003e",
  "&": "\\u0026",
  "\u2028": "\\u2028",
  "\u2029": "\\u2029",
};

/**
 * json.Marshal of a value decoded into `any`: map keys sorted bytewise, HTML characters escaped.
 * Numbers print like Go's float64 encoder, which for finite values matches JavaScript's String().
 * Iterative, so it marshals the deepest body the scanner accepts.
 */
export function goMarshal(root: unknown): string {
  return marshalShallow(root, 0) ?? marshalDeep(root);
}

/** Nesting the recursive marshal handles; a deeper value goes to the iterative one. */
const SHALLOW_DEPTH = 64;

/**
 * goMarshal of a value nested at most SHALLOW_DEPTH deep, by plain recursion (a request body is a
 * few levels deep: no work list to build); undefined for a deeper value.
 */
function marshalShallow(value: unknown, depth: number): string | undefined {
  if (Array.isArray(value)) {
    if (depth >= SHALLOW_DEPTH) return undefined;
    let out = "[";
    for (let i = 0; i < value.length; i++) {
      const element = marshalShallow(value[i], depth + 1);
      if (element === undefined) return undefined;
      out += i > 0 ? `,${element}` : element;
    }
    return `${out}]`;
  }
  if (value !== null && typeof value === "object") {
    if (depth >= SHALLOW_DEPTH) return undefined;
    const keys = Object.keys(value).sort(compareBytes);
    let out = "{";
    for (let i = 0; i < keys.length; i++) {
      const name = keys[i] as string;
      const member = marshalShallow((value as Record<string, unknown>)[name], depth + 1);
      if (member === undefined) return undefined;
      out += `${i > 0 ? "," : ""}${goString(name)}:${member}`;
    }
    return `${out}}`;
  }
  return marshalScalar(value);
}

function marshalScalar(value: unknown): string {
  if (typeof value === "string") return goString(value);
  if (typeof value === "number") return Object.is(value, -0) ? "-0" : String(value);
  return JSON.stringify(value) ?? "null";
}

/** goMarshal with a work list instead of recursion, for the deepest body the scanner accepts. */
function marshalDeep(root: unknown): string {
  const out: string[] = [];
  const work: Array<{ value: unknown } | { text: string }> = [{ value: root }];
  while (work.length > 0) {
    const item = work.pop() as { value: unknown } | { text: string };
    if ("text" in item) {
      out.push(item.text);
      continue;
    }
    const value = item.value;
    if (Array.isArray(value)) {
      const parts: Array<{ value: unknown } | { text: string }> = [{ text: "[" }];
      value.forEach((element, index) => {
        if (index > 0) parts.push({ text: "," });
        parts.push({ value: element });
      });
      parts.push({ text: "]" });
      for (let k = parts.length - 1; k >= 0; k--) work.push(parts[k] as { text: string });
    } else if (value !== null && typeof value === "object") {
      const keys = Object.keys(value).sort(compareBytes);
      const parts: Array<{ value: unknown } | { text: string }> = [{ text: "{" }];
      keys.forEach((name, index) => {
        parts.push({ text: `${index > 0 ? "," : ""}${goString(name)}:` });
        parts.push({ value: (value as Record<string, unknown>)[name] });
      });
      parts.push({ text: "}" });
      for (let k = parts.length - 1; k >= 0; k--) work.push(parts[k] as { text: string });
    } else {
      out.push(marshalScalar(value));
    }
  }
  return out.join("");
}

function goString(text: string): string {
  // A request's message text is marshalled twice (the prefix scorer's text, the upstream body): the
  // last long string's quoting is remembered, so the second costs a comparison.
  const memo = text.length >= MEMO_MIN_LENGTH && text.length <= MEMO_MAX_LENGTH;
  if (memo && text === lastQuoted.text) return lastQuoted.quoted;
  const quoted = JSON.stringify(text).replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c] as string);
  if (memo) lastQuoted = { text, quoted };
  return quoted;
}

/** Strings shorter than this are quoted again rather than compared; longer than the max, not kept alive. */
const MEMO_MIN_LENGTH = 256;
const MEMO_MAX_LENGTH = 1 << 20;
let lastQuoted = { text: "", quoted: '""' };

/**
 * Go sorts map keys by their UTF-8 bytes. Below the surrogates UTF-16 code units order as code
 * points, hence as UTF-8 bytes, so keys are compared in place and encoded only when they first
 * differ at a surrogate or above.
 */
export function compareBytes(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x < 0xd800 && y < 0xd800) return x - y;
    return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
  }
  return a.length - b.length;
}
