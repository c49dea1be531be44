import { type Clock, systemClock, type TimerHandle } from "@testbed/common";
import type { Dispatcher } from "undici";
import type { CancelSignal } from "../client-gone.js";
import type { ClusterRuntime, UpstreamHost } from "./cluster.js";
import { Http1ConnectionPool, type PendingFailure, PooledConnection } from "./http1-connection-pool.js";
import { nodeTlsOptions, type RequestTransport, requestTransport } from "./tls-options.js";
import { UpstreamAccounting } from "./upstream-accounting.js";
import {
  CLIENT_GONE,
  CONNECTION_TERMINATED,
  type UpstreamAttempt,
  UpstreamExchange,
  type UpstreamResponse,
} from "./upstream-exchange.js";

export type { UpstreamAttempt, UpstreamResponse };

export interface UpstreamRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** null: send no body at all (FULL_DUPLEX drained it). */
  body: Buffer | null;
}

/**
 * Sends one request to one upstream host over its keep-alive pool, counting Envoy's connection and
 * request stats as it goes: a new connection is cx_total; one that fails before it is usable is
 * cx_connect_fail (and an ssl.* stat when the TLS handshake is what failed).
 */
export class UpstreamConnector {
  private readonly pools = new Map<string, Http1ConnectionPool>();
  /** Closed with its config version: a late retry on it finds its pool closed (503 UC). */
  private closed = false;
  /**
   * `clock` runs the connect timeout and the route deadline: the gateway's clock, the wall clock
   * when none is given.
   */
  constructor(
    private readonly cluster: ClusterRuntime,
    private readonly clock: Clock = systemClock,
  ) {
    cluster.onHostRemoved((hostPort) => {
      for (const [key, pool] of this.pools) {
        if (key !== hostPort && !key.startsWith(`${hostPort}|`)) continue;
        pool.close();
        this.pools.delete(key);
      }
    });
  }

  /**
   * `deadlineMs` (the route timeout, 0 = none) bounds the wait for a connection and for the
   * response headers; `clientGone` aborts both when the downstream connection closes. The request
   * counts on the host (rq_total …) once it has a connection, as Envoy counts it when the stream
   * attaches; before that it is a pending request of the cluster.
   */
  async send(
    host: UpstreamHost,
    upstream: UpstreamRequest,
    deadlineMs = 0,
    clientGone?: CancelSignal,
  ): Promise<UpstreamAttempt> {
    const transport = requestTransport(upstream.headers.host, {
      autoSni: this.cluster.config.auto_sni,
      autoSanValidation: this.cluster.config.auto_san_validation,
    });
    const pool = this.pool(host, transport);
    const startedAt = this.clock.monotonicNow();
    const lease = pool.acquire();
    if ("overflow" in lease) return this.overflow();
    const waited =
      "connection" in lease
        ? lease.connection
        : await waitForConnection(pool, lease, deadlineMs, this.clock, clientGone);
    if (!(waited instanceof PooledConnection)) return this.notConnected(host, waited);
    if (clientGone?.aborted) {
      pool.release(waited);
      return this.notConnected(host, "client gone");
    }
    const { requests } = this.cluster.resources;
    if (!requests.canCreate()) {
      pool.release(waited);
      return this.overflow();
    }
    const account = new UpstreamAccounting(this.cluster, host);
    account.requestStarted();
    requests.inc();
    account.onFinished(() => requests.dec());
    const remaining = deadlineMs > 0 ? Math.max(1, deadlineMs - (this.clock.monotonicNow() - startedAt)) : 0;
    return this.exchange(pool, waited, account, upstream, remaining, clientGone);
  }

  /** A pending request that got no connection. */
  private notConnected(host: UpstreamHost, why: PendingFailure | "timed out" | "client gone"): UpstreamAttempt {
    if (why === "client gone") {
      // Envoy's upstream_rq_cancelled: cancelled before obtaining a connection.
      this.cluster.stats.inc("upstream_rq_cancelled");
      return CLIENT_GONE;
    }
    if (why === "timed out") {
      this.cluster.stats.inc("upstream_rq_timeout");
      return { ok: false, failure: { status: 504, flag: "UT", resetReason: "" } };
    }
    if (why === "pool closed") return CONNECTION_TERMINATED;
    // The router charges its 503 to the host it picked (rq_error), though no request reached it.
    host.stats.values.rq_error++;
    const { transportFailure } = why.connectFailure;
    return {
      ok: false,
      failure: {
        status: 503,
        flag: "UF",
        resetReason: "remote connection failure",
        ...(transportFailure ? { transportFailure } : {}),
      },
    };
  }

  /** The cluster's circuit breaker refused the request (max_pending_requests or max_requests). */
  private overflow(): UpstreamAttempt {
    this.cluster.stats.inc("upstream_rq_pending_overflow");
    return { ok: false, failure: { status: 503, flag: "UO", resetReason: "overflow" } };
  }

  /** One request on one connection, from dispatch to the response headers (the body follows in the response). */
  private exchange(
    pool: Http1ConnectionPool,
    connection: PooledConnection,
    account: UpstreamAccounting,
    upstream: UpstreamRequest,
    deadlineMs: number,
    clientGone?: CancelSignal,
  ): Promise<UpstreamAttempt> {
    return new Promise((resolve, reject) => {
      const exchange = new UpstreamExchange(
        { cluster: this.cluster, pool, connection, account, clock: this.clock },
        resolve,
        reject,
        clientGone,
      );
      exchange.start(deadlineMs);
      connection.client.dispatch(
        {
          path: upstream.path,
          method: upstream.method,
          headers: upstream.headers,
          body: upstream.body,
          // One name per connection: otherwise undici takes it from each Host header and drops the
          // socket when it changes (undici's Request reads this option; its types leave it out).
          servername: connection.servername,
        } as Dispatcher.DispatchOptions,
        exchange,
      );
    });
  }

  close(): void {
    this.closed = true;
    for (const pool of this.pools.values()) pool.close();
    this.pools.clear();
  }

  /**
   * The host's pool for this request's transport options: under auto_sni each SNI gets its own
   * connections, as Envoy keys its pools by the transport socket options.
   */
  private pool(host: UpstreamHost, transport: RequestTransport): Http1ConnectionPool {
    const key =
      transport.servername || transport.verifySans ? `${host.hostPort}|${JSON.stringify(transport)}` : host.hostPort;
    let pool = this.pools.get(key);
    if (!pool) {
      const { tls } = this.cluster;
      const { stats } = this.cluster;
      const account = new UpstreamAccounting(this.cluster, host);
      pool = new Http1ConnectionPool(
        {
          origin: `${tls ? "https" : "http"}://${host.address.includes(":") ? `[${host.address}]` : host.address}:${host.port}`,
          // connect_timeout covers the TCP (and TLS) handshake only, never a slow response.
          connectTimeoutMs: (this.cluster.config.connect_timeout ?? 5) * 1000,
          clock: this.clock,
          ...(tls ? { tls: nodeTlsOptions(tls, transport) } : {}),
        },
        {
          connectStarted: () => account.connectStarted(),
          connected: () => account.connected(tls !== undefined),
          connectFailed: (error) => account.connectFailed(error),
          closed: () => account.closed(),
          pendingStarted: () => {
            stats.inc("upstream_rq_pending_total");
            stats.inc("upstream_rq_pending_active");
          },
          pendingEnded: () => stats.inc("upstream_rq_pending_active", -1),
          pendingEjected: () => stats.inc("upstream_rq_pending_failure_eject"),
          connectionOverflow: () => stats.inc("upstream_cx_overflow"),
        },
        this.cluster.resources,
      );
      if (this.closed) pool.close();
      else this.pools.set(key, pool);
    }
    return pool;
  }
}

/**
 * The connection a pending request gets — or why it got none: the pool failed it, its route timeout
 * passed, or its client left (then it stops waiting at once, as Envoy cancels a pending stream).
 */
function waitForConnection(
  pool: Http1ConnectionPool,
  lease: { wait: Promise<PooledConnection | PendingFailure>; cancel: () => void },
  deadlineMs: number,
  clock: Clock,
  clientGone?: CancelSignal,
): Promise<PooledConnection | PendingFailure | "timed out" | "client gone"> {
  return new Promise((resolve) => {
    let timer: TimerHandle | undefined;
    const stopWaiting = (why: "timed out" | "client gone") => {
      lease.cancel();
      done();
      resolve(why);
      // Handed over just before: give it back rather than lose it.
      void lease.wait.then((outcome) => outcome instanceof PooledConnection && pool.release(outcome));
    };
    const onClientGone = () => stopWaiting("client gone");
    const done = () => {
      if (timer) clock.clearTimeout(timer);
      clientGone?.removeEventListener("abort", onClientGone);
    };
    if (clientGone?.aborted) return onClientGone();
    clientGone?.addEventListener("abort", onClientGone, { once: true });
    if (deadlineMs > 0) timer = clock.setTimeout(() => stopWaiting("timed out"), deadlineMs);
    void lease.wait.then((outcome) => {
      done();
      resolve(outcome);
    });
  });
}
