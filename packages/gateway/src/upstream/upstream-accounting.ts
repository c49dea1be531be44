import type { ClusterRuntime, UpstreamHost } from "./cluster.js";
import { classifyConnectError } from "./upstream-failure.js";

/**
 * Envoy's counting of upstream connections and requests on a host and its cluster, shared by the
 * HTTP pools (vLLM pods) and the gRPC clients (EPP, Authorino, Limitador): what `/clusters` and
 * `/stats` print, and what the seed's diagnosis reads.
 */
export class UpstreamAccounting {
  private finishedListener: (() => void) | undefined;

  constructor(
    private readonly cluster: ClusterRuntime,
    private readonly host: UpstreamHost,
  ) {}

  /** A new connection is attempted. */
  connectStarted(): void {
    this.host.stats.values.cx_total++;
    this.cluster.stats.inc("upstream_cx_total");
  }

  /** Its TCP (and TLS) handshake is done. */
  connected(tls: boolean): void {
    this.host.stats.values.cx_active++;
    this.cluster.stats.inc("upstream_cx_active");
    if (tls) this.cluster.stats.inc("ssl.handshake");
  }

  /** It never came up; returns the TLS failure, if that is what failed. */
  connectFailed(error: NodeJS.ErrnoException): ReturnType<typeof classifyConnectError> {
    this.host.stats.values.cx_connect_fail++;
    this.cluster.stats.inc("upstream_cx_connect_fail");
    const failure = classifyConnectError(error);
    if (failure.tls) this.cluster.stats.inc(`ssl.${failure.tls}`);
    return failure;
  }

  /** A connection that was up has closed. */
  closed(): void {
    this.host.stats.values.cx_active--;
    this.cluster.stats.values.upstream_cx_active--;
  }

  requestStarted(): void {
    this.host.stats.values.rq_total++;
    this.host.stats.values.rq_active++;
    this.cluster.stats.inc("upstream_rq_total");
    this.cluster.stats.inc("upstream_rq_active");
  }

  /** `listener` runs when the request is over (it gives back a circuit breaker's slot). */
  onFinished(listener: () => void): void {
    this.finishedListener = listener;
  }

  /** The request is over: `ok` (rq_success) or not (rq_error); `timedOut` also counts rq_timeout. */
  requestFinished(ok: boolean, timedOut = false): void {
    this.finishedListener?.();
    this.finishedListener = undefined;
    const stats = this.host.stats.values;
    stats.rq_active--;
    this.cluster.stats.values.upstream_rq_active--;
    if (ok) stats.rq_success++;
    else stats.rq_error++;
    if (timedOut) {
      stats.rq_timeout++;
      this.cluster.stats.inc("upstream_rq_timeout");
    }
  }
}
