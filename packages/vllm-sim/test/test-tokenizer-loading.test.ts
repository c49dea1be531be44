import { describe, expect, it } from "vitest";
import { CompactVocabulary } from "../src/tokens/compact-vocabulary.js";
import { Qwen3Tokenizer, qwen3Tokenizer } from "../src/tokens/qwen3-tokenizer.js";
import { compileVocabulary } from "../src/tokens/vocabulary-compiler.js";

// A tokenizer loads its vocabulary on first use (or when told to), once, so a process that never
// tokenizes — a testbed becoming Ready — does not pay for it.
function fakeLibrary() {
  return compileVocabulary({
    tokenizerJSON: {
      model: { type: "BPE", vocab: { H: 0, i: 1, Hi: 2 }, merges: [["H", "i"]] },
      added_tokens: [{ content: "<|im_end|>", id: 3, special: true }],
    },
    tokenizerConfig: {},
  });
}

describe("Qwen3 tokenizer loading", () => {
  it("loads its vocabulary on first use, once", () => {
    let loads = 0;
    const tokenizer = new Qwen3Tokenizer(() => {
      loads++;
      return new CompactVocabulary(fakeLibrary());
    });
    expect(tokenizer.isLoaded).toBe(false);
    expect(loads).toBe(0);
    expect(tokenizer.encode("Hi<|im_end|>")).toEqual([2, 3]);
    expect(tokenizer.decode([2])).toBe("Hi");
    expect(tokenizer.vocabSize).toBe(4);
    expect(tokenizer.isLoaded).toBe(true);
    expect(loads).toBe(1);
    tokenizer.load();
    expect(loads).toBe(1);
  });

  it("loads on request, so a server can pay for it before it listens", () => {
    let loads = 0;
    const tokenizer = new Qwen3Tokenizer(() => {
      loads++;
      return new CompactVocabulary(fakeLibrary());
    });
    tokenizer.load();
    expect(tokenizer.isLoaded).toBe(true);
    expect(loads).toBe(1);
  });

  it("reads Qwen3's real vocabulary from the tokenizer package's JSON files", () => {
    const tokenizer = qwen3Tokenizer();
    expect(tokenizer.encode("Hello world")).toEqual([9707, 1879]);
    expect(tokenizer.vocabSize).toBeGreaterThan(150_000);
    expect(tokenizer.isLoaded).toBe(true);
  });
});
