import type { Clock } from "@testbed/common";
import type { EndpointSource, EndpointSpec } from "../discovery/endpoint-source.js";
import { type Endpoint, emptyMetrics } from "./endpoint.js";
import type { MetricsScraper } from "./metrics-scraper.js";

/**
 * The EPP's view of its InferencePool: the endpoints the source reports, each with its latest
 * scraped metrics. Candidates for scheduling are the Ready endpoints; an endpoint whose metrics are
 * older than the staleness threshold (2 s by default) stays a candidate but with unknown metrics,
 * which the load scorers rank last.
 */
export class Datastore {
  private readonly endpoints = new Map<string, Endpoint>();
  private readonly removalListeners: Array<(endpoint: Endpoint) => void> = [];

  constructor(
    source: EndpointSource,
    private readonly scraper: MetricsScraper | undefined,
    private readonly clock: Clock,
    private readonly stalenessMs: number,
  ) {
    this.sync(source.current());
    source.onChange((specs) => this.sync(specs));
  }

  /** Every endpoint in the pool, with freshness evaluated now. */
  all(): Endpoint[] {
    const now = this.clock.now();
    return [...this.endpoints.values()].map((endpoint) => {
      endpoint.metricsFresh = this.isFresh(endpoint, now);
      return endpoint;
    });
  }

  /** The Ready endpoints, with freshness evaluated now (one pass: every request asks). */
  candidates(): Endpoint[] {
    const now = this.clock.now();
    const ready: Endpoint[] = [];
    for (const endpoint of this.endpoints.values()) {
      endpoint.metricsFresh = this.isFresh(endpoint, now);
      if (endpoint.ready) ready.push(endpoint);
    }
    return ready;
  }

  private isFresh(endpoint: Endpoint, now: number): boolean {
    return endpoint.metrics.updatedAt !== undefined && now - endpoint.metrics.updatedAt <= this.stalenessMs;
  }

  onRemoved(listener: (endpoint: Endpoint) => void): void {
    this.removalListeners.push(listener);
  }

  private sync(specs: EndpointSpec[]): void {
    const wanted = new Map(specs.map((spec) => [spec.namespacedName, spec]));
    for (const [name, endpoint] of this.endpoints) {
      const spec = wanted.get(name);
      if (spec && spec.address === endpoint.address && spec.port === endpoint.port) continue;
      this.scraper?.unwatch(endpoint);
      this.endpoints.delete(name);
      for (const listener of this.removalListeners) listener(endpoint);
    }
    for (const spec of specs) {
      const existing = this.endpoints.get(spec.namespacedName);
      if (existing) {
        existing.labels = spec.labels;
        existing.ready = spec.ready;
        continue;
      }
      const endpoint: Endpoint = { ...spec, metrics: emptyMetrics(), metricsFresh: false };
      this.endpoints.set(spec.namespacedName, endpoint);
      this.scraper?.watch(endpoint, (metrics) => {
        Object.assign(endpoint.metrics, metrics, { updatedAt: this.clock.now() });
      });
    }
  }
}
