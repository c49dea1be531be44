// Routing traces come from the testbed's trace endpoint (packages/trace); the page asks through
// this server so the browser talks to one origin only.
import type { WebSources } from "./sources.js";

export interface TraceAnswer {
  status: number;
  body: unknown;
}

/** One trace by x-request-id, or the last N (`last`), as the trace endpoint answers. */
export async function fetchTrace(sources: WebSources, requestId: string, last: string | null): Promise<TraceAnswer> {
  if (!sources.traceUrl) {
    return { status: 404, body: { error: "this testbed serves no routing traces" } };
  }
  const base = sources.traceUrl.replace(/\/$/, "");
  const url = requestId ? `${base}/${encodeURIComponent(requestId)}` : `${base}?last=${Number(last ?? 20) || 20}`;
  try {
    return { status: 200, body: JSON.parse(await sources.fetchText(url)) };
  } catch (error) {
    const message = (error as Error).message;
    return {
      status: /: 404$/.test(message) ? 404 : 502,
      body: { error: `no trace for ${requestId || "the last requests"}: ${message}` },
    };
  }
}
