// Python's json module recurses once per nesting level and gives up with a RecursionError near the
// interpreter's recursion limit (1000); FastAPI turns any such parsing failure into
// HTTPException(400, "There was an error parsing the body"). JSON.parse would accept it and every
// later walk of the value would overflow the stack, so the depth is measured before parsing.

/** About where CPython's json decoder hits the default recursion limit (sys.getrecursionlimit() = 1000). */
export const PYTHON_JSON_MAX_DEPTH = 1000;

/** Brackets and the quotes that open strings: everything else is skipped natively. */
const STRUCTURE = /["[\]{}]/g;

/**
 * The deepest nesting of arrays and objects in a JSON text, ignoring brackets inside strings.
 * Strings are skipped with indexOf, so a 1 MB prompt costs about a millisecond.
 */
export function jsonNestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  STRUCTURE.lastIndex = 0;
  for (let match = STRUCTURE.exec(text); match !== null; match = STRUCTURE.exec(text)) {
    const char = match[0];
    if (char === '"') {
      const end = closingQuote(text, match.index + 1);
      if (end < 0) break;
      STRUCTURE.lastIndex = end + 1;
    } else if (char === "[" || char === "{") {
      depth++;
      if (depth > deepest) deepest = depth;
    } else depth--;
  }
  return deepest;
}

/** The index of the quote closing a string that starts at `from`, or -1. */
function closingQuote(text: string, from: number): number {
  let at = text.indexOf('"', from);
  while (at >= 0) {
    let backslashes = 0;
    for (let i = at - 1; i >= from && text.charCodeAt(i) === 92; i--) backslashes++;
    if (backslashes % 2 === 0) return at;
    at = text.indexOf('"', at + 1);
  }
  return -1;
}
