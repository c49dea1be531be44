// Requests as they happen: the gateway pods' access logs, followed only while a page is open,
// delivered in batches (every 250 ms) and sampled — at 100 requests/s a page draws at most
// MAX_FLOWS_PER_BATCH dots per batch and is told how many it was spared. The last requests to an
// InferencePool are kept for the state line and the page's request list.
import type { TimerHandle } from "@testbed/common";
import { parseAccessLogLine } from "./access-log-entry.js";
import { podTargets } from "./cluster-roles.js";
import type { FlowEvent } from "./page-types.js";
import type { WebSources } from "./sources.js";

export const FLOW_BATCH_MS = 250;
export const MAX_FLOWS_PER_BATCH = 25;
const KEPT_REQUESTS = 200;
/** Access log lines read back when a page opens, per gateway pod (the page starts with context). */
const HISTORY_LINES = 50;

export interface FlowBatch {
  flows: FlowEvent[];
  /** Requests in this batch that were not sent (sampling). */
  skipped: number;
}

export class FlowFeed {
  private readonly follows = new Map<string, () => void>();
  private pending: FlowEvent[] = [];
  private timer: TimerHandle | undefined;
  /** The last requests, oldest first. */
  readonly requests: FlowEvent[] = [];

  constructor(
    private readonly sources: WebSources,
    private readonly onBatch: (batch: FlowBatch) => void,
  ) {}

  start(): void {
    this.requests.length = 0;
    this.refreshFollows(true);
    this.timer = this.sources.clock.setInterval(() => this.flush(), FLOW_BATCH_MS);
  }

  stop(): void {
    if (this.timer) this.sources.clock.clearTimeout(this.timer);
    this.timer = undefined;
    for (const unfollow of this.follows.values()) unfollow();
    this.follows.clear();
    this.pending = [];
  }

  /** Follow gateway pods that appeared (a rollout), drop those that went. */
  refreshFollows(withHistory = false): void {
    const targets = podTargets(this.sources.store.peekList("Pod"));
    const gateways = targets.filter((t) => t.kind === "gateway");
    const byIp = new Map(targets.filter((t) => t.kind === "vllm").map((t) => [t.ip, t]));
    const live = new Set(gateways.map((g) => `${g.namespace}/${g.name}`));
    for (const [key, unfollow] of this.follows) {
      if (!live.has(key)) {
        unfollow();
        this.follows.delete(key);
      }
    }
    for (const gateway of gateways) {
      const key = `${gateway.namespace}/${gateway.name}`;
      if (this.follows.has(key)) continue;
      const record = (line: string, history: boolean) => {
        const entry = parseAccessLogLine(line);
        if (!entry) return;
        const pod = entry.upstreamHost ? byIp.get(entry.upstreamHost.replace(/:\d+$/, "")) : undefined;
        const flow: FlowEvent = {
          seenAt: history ? Date.parse(entry.startTime) || this.sources.clock.now() : this.sources.clock.now(),
          gateway: gateway.role,
          entry,
          pod: pod?.name,
          role: pod?.role,
          toPool: (entry.upstreamCluster ?? "").includes("-ip-") || pod !== undefined,
        };
        this.keep(flow);
        if (!history) this.pending.push(flow);
      };
      try {
        if (withHistory) {
          for (const { line } of this.sources.logs.queryLogs(gateway.namespace, gateway.name, undefined, {
            tailLines: HISTORY_LINES,
          }))
            record(line, true);
        }
        this.follows.set(
          key,
          this.sources.logs.followLogs(gateway.namespace, gateway.name, undefined, (line) => record(line, false)),
        );
      } catch {
        // A pod that is gone between the list and the follow: the next refresh settles it.
      }
    }
    this.requests.sort((a, b) => a.seenAt - b.seenAt);
  }

  private keep(flow: FlowEvent): void {
    this.requests.push(flow);
    if (this.requests.length > KEPT_REQUESTS) this.requests.splice(0, this.requests.length - KEPT_REQUESTS);
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const all = this.pending;
    this.pending = [];
    this.onBatch({
      flows: sampleEvenly(all, MAX_FLOWS_PER_BATCH),
      skipped: Math.max(0, all.length - MAX_FLOWS_PER_BATCH),
    });
  }
}

/** At most `limit` items spread evenly over the list (first and last kept), in order. */
export function sampleEvenly<T>(items: readonly T[], limit: number): T[] {
  if (items.length <= limit) return [...items];
  const step = (items.length - 1) / (limit - 1);
  return Array.from({ length: limit }, (_, i) => items[Math.round(i * step)] as T);
}
