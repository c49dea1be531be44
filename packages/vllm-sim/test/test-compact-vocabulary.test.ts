import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CompactVocabulary } from "../src/tokens/compact-vocabulary.js";
import { QWEN3_VOCABULARY_FILE, Qwen3Tokenizer, qwen3TokenizerFiles } from "../src/tokens/qwen3-tokenizer.js";
import { compileVocabulary } from "../src/tokens/vocabulary-compiler.js";
import { readVocabulary, VocabularyFileError, writeVocabulary } from "../src/tokens/vocabulary-file.js";

// The compact vocabulary must give exactly the ids (and texts) of the library it replaces: prompt
// token counts, prefix-cache block hashes and the EPP's prefix scorer all depend on them.
const PROMPTS = [
  "Hello world, how are you?",
  "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
  "héllo wörld — 你好，世界！ 123456 it's I'LL\n\n  x\t\ty  ",
  "emoji 😀👍🏽 and π ≈ 3.14159; code: fn(x) { return x*2; }\r\n",
  "A\u0301 combining accent, Ω, ﬁ ligature, Ⅻ, ½, and full-width ＡＢＣ",
  '<think>\nreasoning\n</think>\n\nanswer <tool_call>{"name": "f"}</tool_call>',
  "Кириллица, العربية, हिन्दी, 日本語のテキスト, 한국어 텍스트",
  "    indented code\n\tfor (let i = 0; i < 10; i++) { sum += i ** 2; }\n",
  "The quick brown fox jumps over the lazy dog. ".repeat(20),
  "x".repeat(300),
  "a1b2c3d4e5 0x7fffffff 1e-9 3.14e+10 $100.00 50% #hashtag @mention https://example.com/a?b=c&d=e",
];

const files = qwen3TokenizerFiles();
const compiled = compileVocabulary(files);
const compact = new CompactVocabulary(compiled);
const tokenizer = new Qwen3Tokenizer(() => compact);

describe("the compact Qwen3 vocabulary", () => {
  it("encodes a set of prompts to exactly the library's ids", () => {
    for (const prompt of PROMPTS) expect(tokenizer.encode(prompt), prompt).toEqual(tokenizer.encodeWithLibrary(prompt));
  });

  it("decodes to exactly the library's text, special tokens kept or skipped, and partial UTF-8 as U+FFFD", () => {
    const ids = tokenizer.encode(PROMPTS[1] as string).concat(tokenizer.encode(PROMPTS[3] as string));
    for (const skip of [false, true]) expect(tokenizer.decode(ids, skip)).toBe(tokenizer.decodeWithLibrary(ids, skip));
    const emoji = tokenizer.encode("😀");
    for (const id of emoji) expect(tokenizer.decode([id])).toBe(tokenizer.decodeWithLibrary([id]));
    expect(tokenizer.decode([...emoji, 151645, 9707, 999_999_999])).toBe(
      tokenizer.decodeWithLibrary([...emoji, 151645, 9707, 999_999_999]),
    );
  });

  it("has the library's vocabulary size (added tokens included)", () => {
    expect(tokenizer.vocabSize).toBe(151_669);
    expect(tokenizer.maxTokenId).toBe(151_668);
  });

  it("reads back from its binary form unchanged, and refuses a file of another format", () => {
    const bytes = writeVocabulary(compiled);
    const reread = new Qwen3Tokenizer(() => readVocabulary(bytes));
    for (const prompt of PROMPTS) expect(reread.encode(prompt)).toEqual(tokenizer.encode(prompt));
    expect(() => readVocabulary(new Uint8Array(64))).toThrow(VocabularyFileError);
    expect(() => readVocabulary(bytes.subarray(0, 4096))).toThrow(/truncated/);
  });

  it.runIf(existsSync(QWEN3_VOCABULARY_FILE))("the file the build wrote holds the same vocabulary", () => {
    const built = new Qwen3Tokenizer(() => readVocabulary(readFileSync(QWEN3_VOCABULARY_FILE)));
    for (const prompt of PROMPTS) expect(built.encode(prompt)).toEqual(tokenizer.encode(prompt));
  });
});
