// prometheus-fastapi-instrumentator's default HTTP metrics on vLLM's /metrics (api_server.py:
// Instrumentator(excluded_handlers=[...]).add().instrument(app)). Handlers are route templates,
// statuses grouped as "2xx".
import { Counter, Histogram, type Registry, Summary } from "prom-client";

/** The handlers vLLM excludes from the instrumentator. */
const EXCLUDED = new Set(["/metrics", "/health", "/load", "/ping", "/version", "/server_info"]);

/** Whether the instrumentator counts requests to `route` (a route template; undefined: none matched). */
export function isInstrumented(route: string | undefined): boolean {
  return !EXCLUDED.has(route ?? "none");
}

const HIGHR_BUCKETS = [
  0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 7.5, 10, 30, 60,
];

export class HttpMetrics {
  private readonly requests;
  private readonly requestSize;
  private readonly responseSize;
  private readonly highr;
  private readonly duration;

  /** `registry` gets the instrumentator's families; `changed` is called when one of them changes. */
  constructor(
    registry: Registry,
    private readonly changed: () => void,
  ) {
    const registers = [registry];
    this.requests = new Counter({
      name: "http_requests_total",
      help: "Total number of requests by method, status and handler.",
      labelNames: ["handler", "method", "status"],
      registers,
    });
    this.requestSize = new Summary({
      name: "http_request_size_bytes",
      help: "Content length of incoming requests by handler. Only value of header is respected. Otherwise ignored. No percentile calculated. ",
      labelNames: ["handler"],
      percentiles: [],
      registers,
    });
    this.responseSize = new Summary({
      name: "http_response_size_bytes",
      help: "Content length of outgoing responses by handler. Only value of header is respected. Otherwise ignored. No percentile calculated. ",
      labelNames: ["handler"],
      percentiles: [],
      registers,
    });
    this.highr = new Histogram({
      name: "http_request_duration_highr_seconds",
      help: "Latency with many buckets but no API specific labels. Made for more accurate percentile calculations. ",
      buckets: HIGHR_BUCKETS,
      registers,
    });
    this.duration = new Histogram({
      name: "http_request_duration_seconds",
      help: "Latency with only few buckets by handler. Made to be only used if aggregation by handler is important. ",
      labelNames: ["handler", "method"],
      buckets: [0.1, 0.5, 1],
      registers,
    });
  }

  /**
   * One finished request of an instrumented route (isInstrumented): `route` is the matched route
   * template, undefined when none matched.
   */
  observe(
    route: string | undefined,
    method: string,
    status: number,
    seconds: number,
    sizes: { request: number; response: number },
  ): void {
    const handler = route ?? "none";
    this.changed();
    this.requests.inc({ handler, method, status: `${Math.floor(status / 100)}xx` });
    this.requestSize.observe({ handler }, sizes.request);
    this.responseSize.observe({ handler }, sizes.response);
    this.highr.observe(seconds);
    this.duration.observe({ handler, method }, seconds);
  }
}
