// A byte-level BPE vocabulary in a few typed arrays instead of ~300,000 JavaScript strings and two
// Maps: token bytes by id, and the merges as an open-addressing table from a pair of ids to the
// merge's rank and result. It is one binary blob (see vocabulary-compiler.ts), built once at install
// time, so loading it is a file read and a few views: every pod of a process shares one, and a pod
// in its own process pays a few MB rather than a parsed tokenizer.json.
//
// encode runs the same BPE as Hugging Face's (and @lenml/tokenizers'): repeatedly merge the adjacent
// pair with the lowest merge rank, the leftmost one first; decode maps ids to bytes and bytes to
// UTF-8 (an invalid sequence becomes U+FFFD), added tokens as their text.

/** An added token (`<|im_start|>`, `<think>`): matched before BPE and decoded as its text. */
export interface AddedToken {
  id: number;
  content: string;
  /** Dropped by decode with skip_special_tokens. */
  special: boolean;
}

/** "QVOC" little-endian. */
export const VOCABULARY_MAGIC = 0x434f5651;
export const VOCABULARY_FORMAT = 1;

/** The blob's sections, in order, each 4-byte aligned. */
export interface VocabularySections {
  vocabSize: number;
  /** tokenOffsets[id]..tokenOffsets[id + 1] are token id's bytes in tokenBytes (empty for an added token). */
  tokenOffsets: Uint32Array;
  tokenBytes: Uint8Array;
  /** The id of the token each byte value starts as (-1: none). */
  byteTokens: Int32Array;
  /** Open-addressing table (size a power of two): left id, right id (-1: empty slot), merge rank. */
  pairLeft: Int32Array;
  pairRight: Int32Array;
  pairRank: Int32Array;
  /** The id a merge produces, by rank. */
  mergedIds: Int32Array;
  addedTokens: AddedToken[];
}

export class CompactVocabulary {
  private readonly decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
  private readonly added = new Map<number, AddedToken>();
  private readonly mask: number;

  constructor(private readonly sections: VocabularySections) {
    for (const token of sections.addedTokens) this.added.set(token.id, token);
    this.mask = sections.pairLeft.length - 1;
  }

  get vocabSize(): number {
    return this.sections.vocabSize;
  }

  get addedTokens(): readonly AddedToken[] {
    return this.sections.addedTokens;
  }

  /** The merge rank of the pair (left, right), or -1 when the pair never merges. */
  rankOf(left: number, right: number): number {
    const { pairLeft, pairRight, pairRank } = this.sections;
    for (let slot = pairSlot(left, right, this.mask); ; slot = (slot + 1) & this.mask) {
      const candidate = pairRight[slot] as number;
      if (candidate === -1) return -1;
      if (candidate === right && pairLeft[slot] === left) return pairRank[slot] as number;
    }
  }

  /** BPE over one pre-tokenizer piece's UTF-8 bytes; the ids are appended to `out`. */
  encodeBytes(bytes: Uint8Array, out: number[]): void {
    const { byteTokens, mergedIds } = this.sections;
    const symbols: number[] = [];
    for (const byte of bytes) {
      const id = byteTokens[byte] as number;
      if (id >= 0) symbols.push(id);
    }
    for (;;) {
      let best = -1;
      let bestRank = Number.MAX_SAFE_INTEGER;
      for (let i = 0; i + 1 < symbols.length; i++) {
        const rank = this.rankOf(symbols[i] as number, symbols[i + 1] as number);
        if (rank >= 0 && rank < bestRank) {
          bestRank = rank;
          best = i;
        }
      }
      if (best < 0) break;
      symbols.splice(best, 2, mergedIds[bestRank] as number);
    }
    for (const id of symbols) out.push(id);
  }

  /** The text of `ids`: byte runs decoded as UTF-8, added tokens as their text; unknown ids add nothing. */
  decode(ids: readonly number[], skipSpecialTokens: boolean): string {
    const { tokenOffsets, tokenBytes, vocabSize } = this.sections;
    let text = "";
    let run: number[] = [];
    const flush = () => {
      if (run.length === 0) return;
      text += this.decoder.decode(Uint8Array.from(run));
      run = [];
    };
    for (const id of ids) {
      const added = this.added.get(id);
      if (added) {
        if (skipSpecialTokens && added.special) continue;
        flush();
        text += added.content;
        continue;
      }
      if (!Number.isInteger(id) || id < 0 || id >= vocabSize) continue;
      const end = tokenOffsets[id + 1] as number;
      for (let at = tokenOffsets[id] as number; at < end; at++) run.push(tokenBytes[at] as number);
    }
    flush();
    return text;
  }
}

/** The first slot to probe for the pair (left, right) in a table of mask + 1 slots. */
export function pairSlot(left: number, right: number, mask: number): number {
  return (Math.imul(left, 0x9e3779b1) ^ Math.imul(right, 0x85ebca77)) & mask;
}
