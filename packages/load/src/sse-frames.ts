/**
 * Incremental server-sent-events reader for OpenAI streams: feed it body chunks as they arrive and
 * it hands back each complete `data:` payload (the JSON text, or "[DONE]").
 */
export class SseFrames {
  private pending = "";

  push(chunk: string): string[] {
    this.pending += chunk;
    const events = this.pending.split(/\r?\n\r?\n/);
    this.pending = events.pop() ?? "";
    return events.flatMap(dataOf);
  }

  /** Whatever the stream ended on without a blank line. */
  flush(): string[] {
    const rest = this.pending;
    this.pending = "";
    return rest.trim() === "" ? [] : dataOf(rest);
  }
}

function dataOf(event: string): string[] {
  const lines = event.split(/\r?\n/).filter((line) => line.startsWith("data:"));
  if (lines.length === 0) return [];
  return [lines.map((line) => line.slice(5).replace(/^ /, "")).join("\n")];
}
