// The collector: pulls the parts from every component by address (`GET http://<addr>/debug/traces`)
// and merges them by request id. Works alike whether pods run in-process or as processes: it only
// needs their addresses.
import { mergeTraces } from "./merge-traces.js";
import { TRACE_PARTS_PATH } from "./trace-parts-endpoint.js";
import type { TraceQuery } from "./trace-ring.js";
import type { TraceTarget } from "./trace-targets.js";
import type { TraceHop, TracePart, TracePartsResponse, TracesResponse } from "./trace-types.js";

/** How many traces `?last` gives when the caller names no number. */
export const DEFAULT_LAST = 20;

/** Reads one component's parts; the default speaks HTTP to its debug endpoint. */
export type PartsReader = (address: string, query: TraceQuery) => Promise<TracePart[]>;

/** Where the collector finds components (each debug endpoint and its pod's name), asked afresh on every read. */
export type TraceAddresses = () => Promise<TraceTarget[]> | TraceTarget[];

export class TraceCollector {
  constructor(
    private readonly addresses: TraceAddresses,
    private readonly read: PartsReader = readOverHttp,
  ) {}

  async collect(query: TraceQuery = {}): Promise<TracesResponse> {
    const last = query.last ?? DEFAULT_LAST;
    // Each component's newest `last` parts cover the `last` newest requests the gateways saw.
    const asked: TraceQuery = query.id === undefined ? { last } : { id: query.id };
    const targets = await this.addresses();
    const answers = await Promise.allSettled(targets.map((target) => this.read(target.address, asked)));
    const parts: TracePart[] = [];
    const unreachable: { address: string; error: string }[] = [];
    answers.forEach((answer, index) => {
      const target = targets[index] as TraceTarget;
      if (answer.status === "fulfilled") parts.push(...answer.value.map((part) => named(part, target.name)));
      else unreachable.push({ address: target.address, error: errorText(answer.reason) });
    });
    return { traces: mergeTraces(parts, query.id === undefined ? last : Number.POSITIVE_INFINITY), unreachable };
  }
}

/** A part under the pod's name: a component knows its address, the cluster knows which pod that is. */
function named(part: TracePart, name: string): TracePart {
  const own = part.component;
  return {
    ...part,
    component: name,
    hops: part.hops.map((hop) => (hop.component === own ? renamed(hop, name) : hop)),
  };
}

function renamed(hop: TraceHop, name: string): TraceHop {
  return hop.kind === "engine" ? { ...hop, component: name, pod: name } : { ...hop, component: name };
}

function errorText(reason: unknown): string {
  const error = reason as Error & { cause?: Error };
  return error.cause?.message ? `${error.message}: ${error.cause.message}` : String(error.message ?? reason);
}

/** How long one component may take to answer before the collector reports it unreachable. */
const READ_TIMEOUT_MS = 2000;

async function readOverHttp(address: string, query: TraceQuery): Promise<TracePart[]> {
  const url = new URL(`http://${address}${TRACE_PARTS_PATH}`);
  if (query.last !== undefined) url.searchParams.set("last", String(query.last));
  if (query.id !== undefined) url.searchParams.set("id", query.id);
  const response = await fetch(url, { signal: AbortSignal.timeout(READ_TIMEOUT_MS) });
  if (!response.ok) throw new Error(`GET ${url.pathname}: ${response.status}`);
  const body = (await response.json()) as TracePartsResponse;
  return Array.isArray(body.parts) ? [...body.parts] : [];
}
