import { describe, expect, it } from "vitest";
import { goMarshal } from "../src/emulation/go-json.js";

// json.Marshal of a decoded body, as the EPP re-encodes it: keys sorted, <, >, & and U+2028/9 escaped.
describe("goMarshal", () => {
  it("escapes as Go does, and quotes a long string the same way each time it is marshalled", () => {
    const long = `<tag> & "quotes"\u2028 `.repeat(40);
    const expected = `{"a":1,"content":"${'\\u003ctag\\u003e \\u0026 \\"quotes\\"\\u2028 '.repeat(40)}"}`;
    expect(goMarshal({ content: long, a: 1 })).toBe(expected);
    expect(goMarshal({ content: long, a: 1 })).toBe(expected);
    expect(goMarshal([long])).toBe(`[${expected.slice('{"a":1,"content":'.length, -1)}]`);
  });

  it("never answers one long string with the quoting of another of the same length", () => {
    const first = "x".repeat(300);
    const second = `${"x".repeat(299)}&`;
    expect(goMarshal(first)).toBe(`"${first}"`);
    expect(goMarshal(second)).toBe(`"${"x".repeat(299)}\\u0026"`);
    expect(goMarshal(first)).toBe(`"${first}"`);
  });
});
