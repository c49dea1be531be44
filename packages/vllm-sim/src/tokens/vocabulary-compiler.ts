// From a Hugging Face tokenizer.json (byte-level BPE, as Qwen3's) to the compact vocabulary's
// sections: token strings become their bytes (GPT-2's byte ↔ printable-character table reversed),
// merges become (left id, right id) → rank in a hash table. Run at install time (scripts/build.mjs
// writes the result next to the compiled package) and, when that file is missing, on first use.
import { type AddedToken, pairSlot, type VocabularySections } from "./compact-vocabulary.js";

/** The parts of tokenizer.json and tokenizer_config.json the vocabulary is made of. */
export interface TokenizerFiles {
  tokenizerJSON: {
    model: { type: string; vocab: Record<string, number>; merges: Array<string | [string, string]> };
    added_tokens: Array<{ id: number; content: string; special: boolean }>;
  };
  tokenizerConfig: { additional_special_tokens?: string[] };
}

export function compileVocabulary({ tokenizerJSON, tokenizerConfig }: TokenizerFiles): VocabularySections {
  const { model } = tokenizerJSON;
  if (model.type !== "BPE") throw new Error(`a compact vocabulary needs a BPE model, not ${model.type}`);
  const unicodeToByte = new Map(byteToUnicode().map((char, byte) => [char, byte]));
  const additionalSpecial = new Set(tokenizerConfig.additional_special_tokens ?? []);
  const addedTokens: AddedToken[] = tokenizerJSON.added_tokens.map((token) => ({
    id: token.id,
    content: token.content,
    special: token.special || additionalSpecial.has(token.content),
  }));
  let vocabSize = 0;
  for (const id of Object.values(model.vocab)) vocabSize = Math.max(vocabSize, id + 1);
  for (const token of addedTokens) vocabSize = Math.max(vocabSize, token.id + 1);

  const tokenBytesById: number[][] = new Array(vocabSize);
  for (const [token, id] of Object.entries(model.vocab)) {
    tokenBytesById[id] = [...token].map((char) => {
      const byte = unicodeToByte.get(char);
      if (byte === undefined) throw new Error(`token ${JSON.stringify(token)} is not byte-level`);
      return byte;
    });
  }
  const tokenOffsets = new Uint32Array(vocabSize + 1);
  let total = 0;
  for (let id = 0; id < vocabSize; id++) {
    tokenOffsets[id] = total;
    total += tokenBytesById[id]?.length ?? 0;
  }
  tokenOffsets[vocabSize] = total;
  const tokenBytes = new Uint8Array(total);
  tokenBytesById.forEach((bytes, id) => {
    tokenBytes.set(bytes, tokenOffsets[id] as number);
  });

  const byteTokens = new Int32Array(256).fill(-1);
  byteToUnicode().forEach((char, byte) => {
    byteTokens[byte] = model.vocab[char] ?? -1;
  });

  const merges = model.merges.map((merge) => (typeof merge === "string" ? splitMerge(merge) : merge));
  let size = 1;
  while (size < merges.length * 1.7) size *= 2;
  const mask = size - 1;
  const pairLeft = new Int32Array(size);
  const pairRight = new Int32Array(size).fill(-1);
  const pairRank = new Int32Array(size);
  const mergedIds = new Int32Array(merges.length);
  merges.forEach(([left, right], rank) => {
    const leftId = model.vocab[left];
    const rightId = model.vocab[right];
    const mergedId = model.vocab[left + right];
    if (leftId === undefined || rightId === undefined || mergedId === undefined) {
      throw new Error(`merge ${rank} (${left} ${right}) names a token outside the vocabulary`);
    }
    mergedIds[rank] = mergedId;
    let slot = pairSlot(leftId, rightId, mask);
    // A pair listed twice takes its last rank, as the rank map of the library (and of tokenizers) does.
    while (pairRight[slot] !== -1 && !(pairLeft[slot] === leftId && pairRight[slot] === rightId)) {
      slot = (slot + 1) & mask;
    }
    pairLeft[slot] = leftId;
    pairRight[slot] = rightId;
    pairRank[slot] = rank;
  });
  return { vocabSize, tokenOffsets, tokenBytes, byteTokens, pairLeft, pairRight, pairRank, mergedIds, addedTokens };
}

/** tokenizers < 0.20 wrote a merge as "left right" (read as the library reads it: the first two words). */
function splitMerge(merge: string): [string, string] {
  const [left = "", right = ""] = merge.split(" ", 2);
  return [left, right];
}

/** GPT-2's reversible byte → printable-character table used by byte-level BPE. */
export function byteToUnicode(): string[] {
  const table: string[] = new Array(256);
  let extra = 0;
  for (let byte = 0; byte < 256; byte++) {
    const printable = (byte >= 33 && byte <= 126) || (byte >= 161 && byte <= 172) || (byte >= 174 && byte <= 255);
    table[byte] = String.fromCharCode(printable ? byte : 256 + extra++);
  }
  return table;
}
