import { describe, expect, it } from "vitest";
import { renderChatML } from "../src/tokens/chat-template.js";
import { IncrementalDetokenizer } from "../src/tokens/incremental-detokenizer.js";
import { qwen3Tokenizer } from "../src/tokens/qwen3-tokenizer.js";

const tokenizer = qwen3Tokenizer();

describe("Qwen3 tokenizer", () => {
  it("encodes text with Qwen3's real vocabulary", () => {
    expect(tokenizer.encode("Hello world, how are you?")).toEqual([9707, 1879, 11, 1246, 525, 498, 30]);
  });

  it("renders a 'Hi' user message as ChatML with 9 prompt tokens, as vLLM reports", () => {
    const prompt = renderChatML([{ role: "user", content: "Hi" }], { addGenerationPrompt: true, enableThinking: true });
    expect(prompt).toBe("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
    expect(tokenizer.encode(prompt)).toEqual([151644, 872, 198, 13048, 151645, 198, 151644, 77091, 198]);
  });

  it("adds Qwen3's empty think block when enable_thinking is false", () => {
    const prompt = renderChatML([{ role: "user", content: "Hi" }], {
      addGenerationPrompt: true,
      enableThinking: false,
    });
    expect(prompt.endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n")).toBe(true);
  });

  it("gives the same ids as the library's own encoder on awkward text", () => {
    const samples = [
      "héllo wörld — 你好，世界！ 123456 it's I'LL\n\n  x\t\ty  ",
      "emoji 😀👍🏽 and π ≈ 3.14159; code: fn(x) { return x*2; }\r\n",
      "   leading spaces and trailing   ",
      "A\u0301 combining accent, and Ω",
      "\n\n\nabc\n",
      "<|im_start|>system\nYou are terse.<|im_end|>\n",
    ];
    for (const text of samples) expect(tokenizer.encode(text), text).toEqual(tokenizer.encodeWithLibrary(text));
  });

  it("turns special-token text into the special token, as vLLM's tokenizer does", () => {
    expect(tokenizer.encode("a<|im_end|>b")).toEqual([...tokenizer.encode("a"), 151645, ...tokenizer.encode("b")]);
  });
});

describe("incremental detokenizer", () => {
  it("holds back a byte-level piece until its character is complete", () => {
    const ids = tokenizer.encode("🫠 ok");
    const detokenizer = new IncrementalDetokenizer(tokenizer);
    const deltas = ids.map((id) => detokenizer.push(id));
    expect(deltas.join("")).toBe("🫠 ok");
    expect(deltas.some((delta) => delta === "")).toBe(true);
  });

  it("ends the text before a stop string and remembers which one matched", () => {
    const detokenizer = new IncrementalDetokenizer(tokenizer, ["cache"]);
    const text = tokenizer.encode("A warm prefix cache lets the model skip work").map((id) => detokenizer.push(id));
    expect(text.join("")).toBe("A warm prefix ");
    expect(detokenizer.stoppedOn).toBe("cache");
  });

  it("skips special tokens such as <|im_end|>", () => {
    const detokenizer = new IncrementalDetokenizer(tokenizer);
    expect(detokenizer.push(151645)).toBe("");
    expect(detokenizer.text).toBe("");
  });
});
