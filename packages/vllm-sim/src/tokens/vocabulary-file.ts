// The compact vocabulary's binary form: a header (magic, format, vocabulary size, section lengths),
// the typed-array sections little-endian and 4-byte aligned, then the added tokens as JSON. Reading
// it makes views over the bytes, no copies, so a pod's process pays for the file and nothing more.
import {
  type AddedToken,
  CompactVocabulary,
  VOCABULARY_FORMAT,
  VOCABULARY_MAGIC,
  type VocabularySections,
} from "./compact-vocabulary.js";

/** A file that is not a compact vocabulary of this format (stale, truncated or something else). */
export class VocabularyFileError extends Error {}

/** Magic, format, vocabulary size, then the byte length of each of the eight sections. */
const HEADER_WORDS = 11;

export function writeVocabulary(sections: VocabularySections): Uint8Array {
  const added = new TextEncoder().encode(JSON.stringify(sections.addedTokens));
  const arrays = [
    sections.tokenOffsets,
    sections.tokenBytes,
    sections.byteTokens,
    sections.pairLeft,
    sections.pairRight,
    sections.pairRank,
    sections.mergedIds,
    added,
  ];
  const header = new Uint32Array(HEADER_WORDS);
  header.set([VOCABULARY_MAGIC, VOCABULARY_FORMAT, sections.vocabSize]);
  arrays.forEach((array, index) => {
    header[3 + index] = array.byteLength;
  });
  let size = header.byteLength;
  for (const array of arrays) size += align(array.byteLength);
  const out = new Uint8Array(size);
  out.set(new Uint8Array(header.buffer), 0);
  let at = header.byteLength;
  for (const array of arrays) {
    out.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), at);
    at += align(array.byteLength);
  }
  return out;
}

/** Views over `bytes` (which must not be modified afterwards). */
export function readVocabulary(bytes: Uint8Array): CompactVocabulary {
  if (bytes.byteOffset % 4 !== 0) bytes = bytes.slice();
  if (bytes.byteLength < HEADER_WORDS * 4) throw new VocabularyFileError("too short for a vocabulary header");
  const header = new Uint32Array(bytes.buffer, bytes.byteOffset, HEADER_WORDS);
  if (header[0] !== VOCABULARY_MAGIC || header[1] !== VOCABULARY_FORMAT) {
    throw new VocabularyFileError(`not a compact vocabulary of format ${VOCABULARY_FORMAT}`);
  }
  let at = bytes.byteOffset + HEADER_WORDS * 4;
  const section = (index: number) => {
    const length = header[3 + index] as number;
    if (at + length > bytes.byteOffset + bytes.byteLength) throw new VocabularyFileError("truncated vocabulary");
    const start = at;
    at += align(length);
    return { start, length };
  };
  const u32 = (index: number) => {
    const { start, length } = section(index);
    return new Uint32Array(bytes.buffer, start, length / 4);
  };
  const i32 = (index: number) => {
    const { start, length } = section(index);
    return new Int32Array(bytes.buffer, start, length / 4);
  };
  const tokenOffsets = u32(0);
  const bytesSection = section(1);
  const tokenBytes = new Uint8Array(bytes.buffer, bytesSection.start, bytesSection.length);
  const byteTokens = i32(2);
  const pairLeft = i32(3);
  const pairRight = i32(4);
  const pairRank = i32(5);
  const mergedIds = i32(6);
  const addedSection = section(7);
  let addedTokens: AddedToken[];
  try {
    addedTokens = JSON.parse(
      new TextDecoder().decode(new Uint8Array(bytes.buffer, addedSection.start, addedSection.length)),
    ) as AddedToken[];
  } catch (error) {
    throw new VocabularyFileError(`unreadable added tokens: ${(error as Error).message}`);
  }
  return new CompactVocabulary({
    vocabSize: header[2] as number,
    tokenOffsets,
    tokenBytes,
    byteTokens,
    pairLeft,
    pairRight,
    pairRank,
    mergedIds,
    addedTokens,
  });
}

function align(length: number): number {
  return (length + 3) & ~3;
}
