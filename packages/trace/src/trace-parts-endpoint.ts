// `GET /debug/traces` on a component's side port (gateway admin, EPP metrics, vllm-sim admin): the
// parts in its ring as JSON. A side channel of the testbed's own, beside the real protocols, which it
// never touches.
import type { TraceQuery, TraceRing } from "./trace-ring.js";
import type { TracePartsResponse } from "./trace-types.js";

export const TRACE_PARTS_PATH = "/debug/traces";

/** An HTTP answer: status, content type, body. */
export interface TraceAnswer {
  status: number;
  contentType: string;
  body: string;
}

/** `?last=N` (a positive integer) and `?id=X`; an error message for anything else. */
export function parseTraceQuery(search: URLSearchParams): TraceQuery | string {
  const query: TraceQuery = {};
  const last = search.get("last");
  if (last !== null) {
    if (!/^[1-9]\d{0,6}$/.test(last)) return `last must be a positive integer, got "${last}"`;
    query.last = Number(last);
  }
  const id = search.get("id");
  if (id !== null) {
    if (id === "") return "id must not be empty";
    query.id = id;
  }
  return query;
}

/** The answer to a request for `path` (with its query string), or undefined when it is not the trace path. */
export function answerTraceParts(ring: TraceRing, method: string, path: string): TraceAnswer | undefined {
  const url = new URL(path, "http://component");
  if (url.pathname !== TRACE_PARTS_PATH) return undefined;
  if (method !== "GET") return jsonError(405, `method ${method} not allowed on ${TRACE_PARTS_PATH}`);
  const query = parseTraceQuery(url.searchParams);
  if (typeof query === "string") return jsonError(400, query);
  const response: TracePartsResponse = { parts: ring.parts(query) };
  return { status: 200, contentType: "application/json", body: JSON.stringify(response) };
}

export function jsonError(status: number, message: string): TraceAnswer {
  return { status, contentType: "application/json", body: JSON.stringify({ error: message }) };
}
