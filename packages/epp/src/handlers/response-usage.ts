// Token usage the EPP records from a response: the `usage` object of a JSON response or of the
// usage chunk of an SSE stream (vLLM sends it last, before `data: [DONE]`).

/** Token usage from a JSON response or the usage chunk of an SSE stream. */
export function usageFrom(text: string): { prompt_tokens: number; completion_tokens: number } | undefined {
  // Chunks need not end in a newline (`data: {}` then `data: {"usage":…}`): split on the field name.
  const candidates = text.includes("data: ")
    ? text
        .split("data: ")
        .map((event) => event.trim())
        .filter((event) => event.startsWith("{"))
    : [text];
  for (const candidate of candidates.reverse()) {
    if (!candidate.includes('"usage"')) continue;
    try {
      const usage = (JSON.parse(candidate) as { usage?: { prompt_tokens?: number; completion_tokens?: number } }).usage;
      if (usage && typeof usage.prompt_tokens === "number") {
        return { prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens ?? 0 };
      }
    } catch {
      // a truncated tail; no usage to record
    }
  }
  return undefined;
}
