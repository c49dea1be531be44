// Reading single samples out of a Prometheus text exposition without parsing the rest of it: the
// EPP reads five gauges from a ~40-family vLLM /metrics every 50 ms per pod, so it looks for each
// wanted sample line and parses only that line (name, labels, value), as the text format defines it.

/** One sample line's labels and value. */
export interface PrometheusSample {
  labels: Record<string, string>;
  value: number;
}

/** A wanted sample line that does not follow the text format (the scrape fails, as expfmt's does). */
export class PrometheusTextError extends Error {}

/**
 * The first sample of metric `name` in `text` (its series in exposition order), or undefined when
 * there is none. Comment lines (`# HELP`, `# TYPE`) never match: a sample line starts with its name.
 * With `labelNames`, only those labels are kept (the others are checked, not copied).
 */
export function firstSample(text: string, name: string, labelNames?: readonly string[]): PrometheusSample | undefined {
  const start = sampleLineStart(text, name);
  if (start < 0) return undefined;
  let end = text.indexOf("\n", start);
  if (end < 0) end = text.length;
  return parseSampleLine(text, start + name.length, end, name, labelNames);
}

/** Where the first line starting with `name` followed by `{`, a space or a tab begins, or -1. */
function sampleLineStart(text: string, name: string): number {
  const needle = `\n${name}`;
  const lineAfter = (from: number) => {
    const newline = text.indexOf(needle, from);
    return newline < 0 ? -1 : newline + 1;
  };
  for (let at = text.startsWith(name) ? 0 : lineAfter(0); at >= 0; at = lineAfter(at)) {
    const next = text.charCodeAt(at + name.length);
    if (next === LEFT_BRACE || next === SPACE || next === TAB) return at;
  }
  return -1;
}

const LEFT_BRACE = 0x7b;
const RIGHT_BRACE = 0x7d;
const SPACE = 0x20;
const TAB = 0x09;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

/** Parse `{labels} value [timestamp]` from `at` to `end` of one sample line. */
function parseSampleLine(
  text: string,
  at: number,
  end: number,
  name: string,
  labelNames: readonly string[] | undefined,
): PrometheusSample {
  const labels: Record<string, string> = {};
  let cursor = at;
  if (text.charCodeAt(cursor) === LEFT_BRACE) cursor = parseLabels(text, cursor + 1, end, labels, name, labelNames);
  while (cursor < end && isBlank(text.charCodeAt(cursor))) cursor++;
  let valueEnd = cursor;
  while (valueEnd < end && !isBlank(text.charCodeAt(valueEnd))) valueEnd++;
  if (valueEnd === cursor) throw new PrometheusTextError(`${name}: expected a value`);
  return { labels, value: Number(text.slice(cursor, valueEnd)) };
}

/** Labels `name="value",…}` into `labels` (the wanted ones); returns the index after the closing brace. */
function parseLabels(
  text: string,
  at: number,
  end: number,
  labels: Record<string, string>,
  metric: string,
  wanted: readonly string[] | undefined,
): number {
  let cursor = at;
  for (;;) {
    while (cursor < end && isBlank(text.charCodeAt(cursor))) cursor++;
    if (text.charCodeAt(cursor) === RIGHT_BRACE) return cursor + 1;
    const equals = text.indexOf("=", cursor);
    if (equals < 0 || equals >= end || text.charCodeAt(equals + 1) !== QUOTE)
      throw new PrometheusTextError(`${metric}: malformed label set`);
    const label = wanted
      ? wanted.find((candidate) => isLabelAt(text, cursor, equals, candidate))
      : text.slice(cursor, equals).trim();
    if (label === undefined) cursor = closingQuote(text, equals + 2, end, metric) + 1;
    else {
      const [value, after] = quotedValue(text, equals + 2, end, metric);
      labels[label] = value;
      cursor = after;
    }
    while (cursor < end && isBlank(text.charCodeAt(cursor))) cursor++;
    if (text.charCodeAt(cursor) === COMMA) cursor++;
    else if (text.charCodeAt(cursor) !== RIGHT_BRACE) throw new PrometheusTextError(`${metric}: malformed label set`);
  }
}

/** A label value from after its opening quote: `\\`, `\"` and `\n` unescaped. Returns it and the index after the closing quote. */
function quotedValue(text: string, at: number, end: number, metric: string): [string, number] {
  let value = "";
  let from = at;
  for (let cursor = at; cursor < end; cursor++) {
    const code = text.charCodeAt(cursor);
    if (code === QUOTE) return [value + text.slice(from, cursor), cursor + 1];
    if (code !== BACKSLASH) continue;
    const escaped = text[cursor + 1];
    value += text.slice(from, cursor) + (escaped === "n" ? "\n" : escaped);
    cursor++;
    from = cursor + 1;
  }
  throw new PrometheusTextError(`${metric}: unterminated label value`);
}

/** Whether the label name between `from` and `equals` (blanks around it allowed) is `name`. */
function isLabelAt(text: string, from: number, equals: number, name: string): boolean {
  let last = equals;
  while (last > from && isBlank(text.charCodeAt(last - 1))) last--;
  return last - from === name.length && text.startsWith(name, from);
}

/** The index of the quote closing a label value that starts at `at`, escapes skipped. */
function closingQuote(text: string, at: number, end: number, metric: string): number {
  for (let cursor = at; cursor < end; cursor++) {
    const code = text.charCodeAt(cursor);
    if (code === QUOTE) return cursor;
    if (code === BACKSLASH) cursor++;
  }
  throw new PrometheusTextError(`${metric}: unterminated label value`);
}

function isBlank(code: number): boolean {
  return code === SPACE || code === TAB;
}
