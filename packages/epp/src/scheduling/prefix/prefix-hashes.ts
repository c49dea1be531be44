import { goMarshal } from "../../emulation/go-json.js";
import type { InferenceRequest } from "../framework.js";

/**
 * The approximate prefix index's view of a request: its text cut into fixed-size character blocks,
 * each hashed together with the previous block's hash (h0 = hash(model)), so a block only matches
 * when everything before it matched too. Trailing partial blocks are dropped and at most
 * `maxBlocks` are hashed. (The real EPP uses xxhash64; any good chained hash gives the same matches.)
 */
export function prefixHashes(model: string, text: string, blockChars: number, maxBlocks: number): number[] {
  const hashes: number[] = [];
  let previous = hashText(model, 0, model.length, 0);
  const blocks = Math.min(Math.floor(text.length / blockChars), maxBlocks);
  for (let i = 0; i < blocks; i++) {
    previous = hashText(text, i * blockChars, (i + 1) * blockChars, previous);
    hashes.push(previous);
  }
  return hashes;
}

/** 53-bit hash of text[start, end), seeded with the previous hash (hashed in place: no block copies). */
function hashText(text: string, start: number, end: number, seed: number): number {
  let low = (seed % 2 ** 32) ^ 0x811c9dc5;
  let high = Math.floor(seed / 2 ** 32) ^ 0x9e3779b9;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    low = Math.imul(low ^ code, 0x01000193);
    high = Math.imul(high ^ code, 0x5bd1e995);
    high ^= low >>> 13;
  }
  low = Math.imul(low ^ (low >>> 16), 0x85ebca6b);
  high = Math.imul(high ^ (high >>> 15), 0xc2b2ae35);
  return (high & 0x1fffff) * 2 ** 32 + (low >>> 0);
}

/**
 * The text the real EPP hashes: for chat completions, Go's json.Marshal of the messages (role and
 * content, with <, > and & escaped as Go does); for completions, the prompt.
 */
export function prefixText(body: Record<string, unknown>): string {
  if (Array.isArray(body.messages)) {
    // Struct fields in declaration order (role, then content); the content itself is a decoded
    // value, marshalled without recursion so the deepest body Go's decoder accepts is hashed too.
    const messages = body.messages.map((message) => {
      const { role, content } = (message ?? {}) as { role?: unknown; content?: unknown };
      const fields: string[] = [];
      if (role !== undefined && role !== "") fields.push(`"role":${goMarshal(role)}`);
      if (content !== undefined) fields.push(`"content":${goMarshal(content)}`);
      return `{${fields.join(",")}}`;
    });
    return `[${messages.join(",")}]`;
  }
  if (typeof body.prompt === "string") return body.prompt;
  if (body.prompt !== undefined) return goMarshal(body.prompt);
  return "";
}

export function requestPrefixHashes(request: InferenceRequest, blockChars: number, maxBlocks: number): number[] {
  return prefixHashes(request.targetModel, request.prompt, blockChars, maxBlocks);
}
