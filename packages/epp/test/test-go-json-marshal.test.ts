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

  it("marshals a shallow and a deeply nested value alike (recursion below 64 levels, a work list beyond)", () => {
    const nested = (depth: number) => {
      let value: unknown = { b: [1, -0, "x<y", null, true], a: { é: 2.5 } };
      for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { k: value };
      return value;
    };
    const inner = '{"a":{"é":2.5},"b":[1,-0,"x\\u003cy",null,true]}';
    const expected = (depth: number) => {
      let text = inner;
      for (let i = 0; i < depth; i++) text = i % 2 === 0 ? `[${text}]` : `{"k":${text}}`;
      return text;
    };
    for (const depth of [0, 3, 62, 63, 64, 65, 200, 5_000])
      expect(goMarshal(nested(depth)), String(depth)).toBe(expected(depth));
  });

  it("never answers one long string with the quoting of another of the same length", () => {
    const first = "x".repeat(300);
    const second = `${"x".repeat(299)}&`;
    expect(goMarshal(first)).toBe(`"${first}"`);
    expect(goMarshal(second)).toBe(`"${"x".repeat(299)}\\u0026"`);
    expect(goMarshal(first)).toBe(`"${first}"`);
  });
});
