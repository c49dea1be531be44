// Routing traces come from the testbed's trace collector (packages/trace), asked on demand when a
// page opens a request: nothing is collected while no one looks. The words are `testbed trace`'s
// own (describeTrace), so the page and the terminal explain a request alike.
import { describeTrace, type RequestTrace } from "@testbed/trace";
import type { WebSources } from "./sources.js";

export interface TraceAnswer {
  status: number;
  body: unknown;
}

/** One trace by x-request-id (`{ trace, words }`), or the last N (`{ traces }`). */
export async function fetchTrace(sources: WebSources, requestId: string, last: string | null): Promise<TraceAnswer> {
  if (!sources.traces) return { status: 404, body: { error: "this testbed serves no routing traces" } };
  if (!requestId) {
    const { traces } = await sources.traces.collect({ last: Math.min(100, Number(last ?? 20) || 20) });
    return { status: 200, body: { traces } };
  }
  const { traces } = await sources.traces.collect({ id: requestId });
  const trace = traces[0];
  if (!trace) return { status: 404, body: { error: `no trace for ${requestId}: the pods' rings no longer hold it` } };
  return { status: 200, body: { trace, words: describeTrace(trace as RequestTrace) } };
}
