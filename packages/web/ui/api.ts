// The page's view of the server's JSON/SSE API (packages/web/src/page-types.ts), plus a fetch helper.
import type { AccessLogEntry } from "../src/access-log-entry.js";
import type { FlowEvent, ObjectDetail, Observation, RouteExtProc, StateLine, Topology } from "../src/page-types.js";

export type { AccessLogEntry, FlowEvent, ObjectDetail, Observation, RouteExtProc, StateLine };

export interface TopologyAnswer extends Topology {
  columns: string[];
  extProc: RouteExtProc[];
}

/** A routing trace's hop, as packages/trace reports it; the page reads the fields it knows. */
export interface TraceHopView {
  kind: string;
  component: string;
  time: { wallStartMs: number; wallMs: number; simulatedMs?: number };
  [field: string]: unknown;
}

export interface RequestTraceView {
  requestId: string;
  startedAtMs: number;
  sources: string[];
  hops: TraceHopView[];
}

export async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(path, { cache: "no-store" });
  const body = (await response.json()) as T & { error?: string };
  if (!response.ok) throw new Error(body.error ?? `${path}: ${response.status}`);
  return body;
}
