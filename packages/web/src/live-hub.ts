// The page's live stream (Server-Sent Events). Everything that costs CPU — sampling the pods once a
// second, following the gateways' access logs, watching the store — runs only while at least one
// page is connected: the first page starts it, the last one to leave stops it, so a testbed with
// no page open does exactly what it did before this package existed.
import type { ServerResponse } from "node:http";
import type { TimerHandle } from "@testbed/common";
import { FlowFeed } from "./flow-feed.js";
import { observe } from "./observation.js";
import type { Observation, StateLine } from "./page-types.js";
import type { WebSources } from "./sources.js";
import { currentRun, describeState } from "./state-line.js";

export const SAMPLE_PERIOD_MS = 1_000;
/** Five minutes of samples: the charts' window. */
export const HISTORY_SAMPLES = 300;
/** A comment line now and then keeps proxies and browsers from closing an idle stream. */
const KEEPALIVE_MS = 15_000;

export class LiveHub {
  private readonly clients = new Set<ServerResponse>();
  private readonly history: Observation[] = [];
  private readonly feed: FlowFeed;
  private sampleTimer: TimerHandle | undefined;
  private keepaliveTimer: TimerHandle | undefined;
  private unwatch: (() => void) | undefined;
  private sampling = false;
  private topologyDirty = false;

  constructor(private readonly sources: WebSources) {
    this.feed = new FlowFeed(sources, (batch) => this.broadcast("flows", batch));
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Samples taken while pages were open (the charts' data). */
  samples(): readonly Observation[] {
    return this.history;
  }

  stateLine(): StateLine {
    const recent = currentRun(this.feed.requests.filter((f) => f.toPool));
    const first = recent[0];
    // The last sample read completely before the oldest request started (its access log START_TIME):
    // its counters cannot include that request, whatever the request's duration.
    const started = first ? Date.parse(first.entry.startTime) || first.seenAt : 0;
    const before = first ? [...this.history].reverse().find((o) => o.at < started) : undefined;
    return describeState({ recent, before, now: this.history.at(-1) });
  }

  recentRequests(): readonly unknown[] {
    return this.feed.requests.slice(-50);
  }

  /** Add a page's event stream; it starts the sampling when it is the first. */
  connect(response: ServerResponse): void {
    response.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-store",
      connection: "keep-alive",
    });
    response.write("retry: 2000\n\n");
    this.clients.add(response);
    response.on("close", () => this.disconnect(response));
    if (this.clients.size === 1) this.start();
    this.send(response, "requests", { requests: this.recentRequests() });
    this.send(response, "history", { samples: this.history, state: this.stateLine() });
  }

  close(): void {
    for (const client of this.clients) client.end();
    this.clients.clear();
    this.stop();
  }

  private disconnect(response: ServerResponse): void {
    this.clients.delete(response);
    if (this.clients.size === 0) this.stop();
  }

  private start(): void {
    this.feed.start();
    this.unwatch = this.sources.store.watch((event) => {
      if (event.object.kind === "Event" || event.object.kind === "Lease") return;
      this.topologyDirty = true;
    });
    this.sampleTimer = this.sources.clock.setInterval(() => void this.sample(), SAMPLE_PERIOD_MS);
    this.keepaliveTimer = this.sources.clock.setInterval(() => this.comment("keepalive"), KEEPALIVE_MS);
    void this.sample();
  }

  private stop(): void {
    this.feed.stop();
    this.unwatch?.();
    this.unwatch = undefined;
    for (const timer of [this.sampleTimer, this.keepaliveTimer]) if (timer) this.sources.clock.clearTimeout(timer);
    this.sampleTimer = undefined;
    this.keepaliveTimer = undefined;
  }

  private async sample(): Promise<void> {
    if (this.sampling) return; // a slow pod: skip a tick rather than pile up requests
    this.sampling = true;
    try {
      const observation = await observe(this.sources);
      if (this.clients.size === 0) return;
      this.history.push(observation);
      if (this.history.length > HISTORY_SAMPLES) this.history.splice(0, this.history.length - HISTORY_SAMPLES);
      if (this.topologyDirty) {
        this.topologyDirty = false;
        this.feed.refreshFollows();
        this.broadcast("topology", {});
      }
      this.broadcast("sample", { sample: observation, state: this.stateLine() });
    } finally {
      this.sampling = false;
    }
  }

  private broadcast(event: string, data: unknown): void {
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const client of this.clients) client.write(frame);
  }

  private send(client: ServerResponse, event: string, data: unknown): void {
    client.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private comment(text: string): void {
    for (const client of this.clients) client.write(`: ${text}\n\n`);
  }
}
