import { describe, expect, it } from "vitest";
import { compareBytes, goJsonSyntaxError, goMarshal, goUnmarshal } from "../src/emulation/go-json.js";

// The EPP decodes a body with JSON.parse and words a refusal with Go's scanner: every body must get
// what scanning first and parsing after gives (the order the EPP used before), value or error text.
function scanThenParse(body: Buffer): { value: unknown } | { syntaxError: string } {
  const syntaxError = goJsonSyntaxError(body);
  return syntaxError === undefined ? { value: JSON.parse(body.toString("utf8")) } : { syntaxError };
}

/** A result compared as text (goMarshal is iterative: deep values do not overflow the comparison). */
function comparable(result: { value: unknown } | { syntaxError: string }) {
  return "value" in result ? { value: goMarshal(result.value) } : result;
}

const BODIES: Array<string | Buffer> = [
  '{"model":"m","messages":[{"role":"user","content":"Hi"}]}',
  ' \t\r\n{"a":[1,-0,2.5e-3,1E+2,true,false,null,"\\u00e9\\n\\/"]} \n',
  "[1,2]",
  '"text"',
  "12",
  "",
  " ",
  "{nope",
  '{"a":1,}',
  "[1,]",
  '{"a" 1}',
  "01",
  "1.",
  "-",
  ".5",
  "1e",
  "tru",
  "nul",
  '{"a":"\\x"}',
  '{"a":"\\u12g4"}',
  '{"a":"tab\there"}',
  '{"a":1}}',
  '{"a":1} x',
  "\u00a0{}",
  "\ufeff{}",
  '{"a":"\u2028"}',
  Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
  Buffer.from([0x7b, 0xff, 0x7d]),
  Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe2, 0x82, 0x22, 0x7d]),
  `{"x":${"[".repeat(5_000)}${"]".repeat(5_000)}}`,
  `{"x":${"[".repeat(10_001)}${"]".repeat(10_001)}}`,
  `{"x":${"[".repeat(10_000)}${"]".repeat(10_000)}}`,
  `{"x":${"[".repeat(10_001)}`,
];

describe("goUnmarshal", () => {
  it("gives every body the value or Go's error text that scanning before parsing gives", () => {
    for (const body of BODIES) {
      const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
      expect(comparable(goUnmarshal(bytes)), JSON.stringify(bytes.toString("utf8").slice(0, 40))).toEqual(
        comparable(scanThenParse(bytes)),
      );
    }
  });

  it("refuses nesting deeper than Go's limit, which JSON.parse would accept", () => {
    const deep = Buffer.from(`{"x":${"[".repeat(10_001)}${"]".repeat(10_001)}}`);
    expect(() => JSON.parse(deep.toString())).not.toThrow();
    expect(goUnmarshal(deep)).toEqual({ syntaxError: "invalid character '[' exceeded max depth" });
  });
});

describe("compareBytes (Go's order of map keys)", () => {
  it("orders keys by their UTF-8 bytes, also where UTF-16 order differs", () => {
    const keys = ["b", "a", "ab", "", "é", "\uffff", "😀", "\ue000", "A", "z"];
    const byBytes = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect([...keys].sort(compareBytes)).toEqual(byBytes);
    // UTF-16 puts the surrogate pair of 😀 before U+FFFF; UTF-8 (and Go) after it.
    expect(compareBytes("😀", "\uffff")).toBeGreaterThan(0);
  });
});
