// The collector: pulls the parts from every component by address (`GET http://<addr>/debug/traces`)
// and merges them by request id. Works alike whether pods run in-process or as processes: it only
// needs their addresses.
import { mergeTraces } from "./merge-traces.js";
import { TRACE_PARTS_PATH } from "./trace-parts-endpoint.js";
import type { TraceQuery } from "./trace-ring.js";
import type { TracePart, TracePartsResponse, TracesResponse } from "./trace-types.js";

/** How many traces `?last` gives when the caller names no number. */
export const DEFAULT_LAST = 20;

/** Reads one component's parts; the default speaks HTTP to its debug endpoint. */
export type PartsReader = (address: string, query: TraceQuery) => Promise<TracePart[]>;

/** Where the collector finds components: "host:port" of each debug endpoint, asked afresh on every read. */
export type TraceAddresses = () => Promise<string[]> | string[];

export class TraceCollector {
  constructor(
    private readonly addresses: TraceAddresses,
    private readonly read: PartsReader = readOverHttp,
  ) {}

  async collect(query: TraceQuery = {}): Promise<TracesResponse> {
    const last = query.last ?? DEFAULT_LAST;
    // Each component's newest `last` parts cover the `last` newest requests the gateways saw.
    const asked: TraceQuery = query.id === undefined ? { last } : { id: query.id };
    const addresses = await this.addresses();
    const answers = await Promise.allSettled(addresses.map((address) => this.read(address, asked)));
    const parts: TracePart[] = [];
    const unreachable: { address: string; error: string }[] = [];
    answers.forEach((answer, index) => {
      if (answer.status === "fulfilled") parts.push(...answer.value);
      else unreachable.push({ address: addresses[index] ?? "", error: (answer.reason as Error).message });
    });
    return { traces: mergeTraces(parts, query.id === undefined ? last : Number.POSITIVE_INFINITY), unreachable };
  }
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
