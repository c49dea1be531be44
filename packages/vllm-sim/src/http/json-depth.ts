// Python's json module recurses once per nesting level and gives up with a RecursionError near the
// interpreter's recursion limit (1000); FastAPI turns any such parsing failure into
// HTTPException(400, "There was an error parsing the body"). JSON.parse would accept it and every
// later walk of the value would overflow the stack, so the depth is measured before parsing.

/** About where CPython's json decoder hits the default recursion limit (sys.getrecursionlimit() = 1000). */
export const PYTHON_JSON_MAX_DEPTH = 1000;

/** The deepest nesting of arrays and objects in a JSON text, ignoring brackets inside strings. */
export function jsonNestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 92)
        i++; // backslash: skip the escaped character
      else if (code === 34) inString = false;
      continue;
    }
    if (code === 34) inString = true;
    else if (code === 91 || code === 123) {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (code === 93 || code === 125) depth--;
  }
  return deepest;
}
