import type { Qwen3Tokenizer } from "./qwen3-tokenizer.js";

/**
 * Qwen3's special tokens (tokenizer_config.json, "special": true): <|endoftext|> … <|video_pad|>,
 * which skip_special_tokens drops. The added tokens after them (<tool_call>, <think>, …) are not
 * special and stay in the text, as on vLLM.
 */
function isSpecialToken(tokenId: number): boolean {
  return tokenId >= 151_643 && tokenId <= 151_656;
}

/**
 * Turns generated token ids into text one token at a time, as vLLM's output processor does:
 * special tokens are skipped, a byte-level piece of a multi-byte character is held back until the
 * character is complete, and stop strings end the text (the stop string itself is not returned).
 */
export class IncrementalDetokenizer {
  text = "";
  /** The stop string that ended generation, if one did. */
  stoppedOn: string | undefined;
  private pending: number[] = [];
  private readonly longestStop: number;

  constructor(
    private readonly tokenizer: Qwen3Tokenizer,
    private readonly stop: readonly string[] = [],
    /** include_stop_str_in_output: the text ends after the stop string rather than before it. */
    private readonly includeStop = false,
  ) {
    this.longestStop = stop.reduce((longest, s) => Math.max(longest, s.length), 0);
  }

  /** Append one token; returns the new text it contributes (possibly empty). */
  push(tokenId: number): string {
    if (this.stoppedOn !== undefined) return "";
    if (isSpecialToken(tokenId) && this.pending.length === 0) return "";
    const piece = this.pending.length === 0 ? this.tokenizer.tokenText(tokenId) : undefined;
    let delta: string;
    if (piece !== undefined) {
      delta = piece;
    } else {
      this.pending.push(tokenId);
      const decoded = this.tokenizer.decode(this.pending, true);
      if (decoded.endsWith("\uFFFD")) return "";
      this.pending = [];
      delta = decoded;
    }
    return this.appendChecked(delta);
  }

  private appendChecked(delta: string): string {
    const before = this.text.length;
    this.text += delta;
    if (this.longestStop === 0) return delta;
    const searchFrom = Math.max(0, before - this.longestStop + 1);
    let cut = -1;
    for (const stop of this.stop) {
      if (stop === "") continue;
      const at = this.text.indexOf(stop, searchFrom);
      if (at !== -1 && (cut === -1 || at < cut)) {
        cut = at;
        this.stoppedOn = stop;
      }
    }
    if (cut !== -1 && this.includeStop) cut += (this.stoppedOn as string).length;
    if (cut === -1) return delta;
    const emitted = this.text.slice(before, Math.max(before, cut));
    this.text = this.text.slice(0, cut);
    return emitted;
  }
}
