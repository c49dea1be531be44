// A component's recent traces: a fixed-size ring of parts, newest overwriting oldest, so memory
// stays bounded however long the testbed runs (capacity × at most MAX_HOPS hops of bounded size).
import type { TraceHop, TracePart, TraceSource } from "./trace-types.js";

/** How many requests a component keeps unless told otherwise. */
export const DEFAULT_TRACE_CAPACITY = 1000;

/** Hops one part may hold: a request that loops (retries, re-routes) cannot grow its part without end. */
export const MAX_HOPS = 32;

/** One request's part under construction: hops are appended as the component handles the request. */
export class PartRecorder implements TracePart {
  readonly hops: TraceHop[] = [];

  constructor(
    readonly requestId: string,
    readonly source: TraceSource,
    readonly component: string,
    readonly startedAtMs: number,
  ) {}

  hop(hop: TraceHop): void {
    if (this.hops.length < MAX_HOPS) this.hops.push(hop);
  }
}

/** Which parts a reader asks for: the newest `last`, or those of one request id. */
export interface TraceQuery {
  last?: number;
  id?: string;
}

/**
 * The ring one component records into. `begin()` returns undefined while tracing is off, so a
 * recording site written `part?.hop({...})` builds nothing then (optional calls skip their arguments).
 */
export class TraceRing {
  private readonly slots: (PartRecorder | undefined)[];
  private next = 0;
  enabled: boolean;

  constructor(
    readonly source: TraceSource,
    public component: string,
    readonly capacity = DEFAULT_TRACE_CAPACITY,
    enabled = true,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`trace capacity must be ≥ 1, got ${capacity}`);
    this.slots = new Array(capacity);
    this.enabled = enabled;
  }

  /** A new part for `requestId`, already in the ring (so a request in flight shows), or undefined when off. */
  begin(requestId: string, nowMs: number): PartRecorder | undefined {
    if (!this.enabled) return undefined;
    const part = new PartRecorder(requestId, this.source, this.component, nowMs);
    this.slots[this.next] = part;
    this.next = (this.next + 1) % this.capacity;
    return part;
  }

  /** Parts newest first: all of one request id's, or the newest `last` (default: all kept). */
  parts(query: TraceQuery = {}): TracePart[] {
    const found: TracePart[] = [];
    const limit = query.id === undefined ? (query.last ?? this.capacity) : this.capacity;
    for (let i = 1; i <= this.capacity && found.length < limit; i++) {
      const part = this.slots[(this.next - i + this.capacity) % this.capacity];
      if (!part) break;
      if (query.id === undefined || part.requestId === query.id) found.push(part);
    }
    return found;
  }

  clear(): void {
    this.slots.fill(undefined);
    this.next = 0;
  }
}
