// The collector's merge: parts from every component, grouped by x-request-id, hops in time order.
import type { RequestTrace, TraceHop, TracePart } from "./trace-types.js";

/** Whole traces, newest first, at most `last` of them. */
export function mergeTraces(parts: readonly TracePart[], last = Number.POSITIVE_INFINITY): RequestTrace[] {
  const byId = new Map<string, TracePart[]>();
  for (const part of parts) {
    const group = byId.get(part.requestId);
    if (group) group.push(part);
    else byId.set(part.requestId, [part]);
  }
  const traces = [...byId].map(([requestId, group]) => mergeOne(requestId, group));
  traces.sort((a, b) => b.startedAtMs - a.startedAtMs);
  return traces.slice(0, last);
}

function mergeOne(requestId: string, parts: TracePart[]): RequestTrace {
  // The gateway is where a request starts: its part leads, the others follow by time.
  const ordered = [...parts].sort((a, b) => sourceRank(a) - sourceRank(b) || a.startedAtMs - b.startedAtMs);
  const hops: TraceHop[] = [];
  for (const part of ordered) hops.push(...part.hops);
  // Stable sort by start time (hops that start together keep the order their components recorded);
  // the response, timed over the whole request, comes last.
  hops.sort(
    (a, b) => Number(a.kind === "response") - Number(b.kind === "response") || a.time.wallStartMs - b.time.wallStartMs,
  );
  return {
    requestId,
    startedAtMs: Math.min(...parts.map((part) => part.startedAtMs)),
    sources: [...new Set(ordered.map((part) => `${part.source}:${part.component}`))],
    hops,
  };
}

function sourceRank(part: TracePart): number {
  return part.source === "gateway" ? 0 : part.source === "epp" ? 1 : 2;
}
