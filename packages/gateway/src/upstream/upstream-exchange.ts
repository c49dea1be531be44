// One request on one upstream connection, from dispatch to the response headers, as undici's
// dispatch handler: its state in fields and undici's callbacks as methods. Its own callbacks are the
// client-gone listener (a field), the route deadline's timer (start) and the response body's close
// handler (onResponseStart).

import type { IncomingHttpHeaders } from "node:http";
import type { Clock, TimerHandle } from "@testbed/common";
import { type Dispatcher, errors } from "undici";
import type { CancelSignal } from "../client-gone.js";
import type { ClusterRuntime } from "./cluster.js";
import type { Http1ConnectionPool, PooledConnection } from "./http1-connection-pool.js";
import type { UpstreamAccounting } from "./upstream-accounting.js";
import { type BodyFlow, UpstreamBody } from "./upstream-body.js";
import type { UpstreamFailure } from "./upstream-failure.js";

export interface UpstreamResponse {
  statusCode: number;
  /** Lower-case names, as received. */
  headers: IncomingHttpHeaders;
  body: UpstreamBody;
}

export type UpstreamAttempt =
  | { ok: true; response: UpstreamResponse; localAddress: string }
  | { ok: false; failure: UpstreamFailure };

/** The exchange broke (or its pool closed) before the response headers: Envoy's 503 UC. */
export const CONNECTION_TERMINATED: UpstreamAttempt = {
  ok: false,
  failure: { status: 503, flag: "UC", resetReason: "connection termination" },
};
/** The client left first: nothing is answered, the access log says DC. */
export const CLIENT_GONE: UpstreamAttempt = { ok: false, failure: { status: 0, flag: "DC", resetReason: "" } };

/** Where an exchange runs: its pool and connection, its accounting, the cluster's stats and the clock. */
export interface ExchangeSite {
  cluster: ClusterRuntime;
  pool: Http1ConnectionPool;
  connection: PooledConnection;
  account: UpstreamAccounting;
  clock: Clock;
}

/**
 * Settles with the attempt once the response headers are in (or the exchange failed, timed out, or
 * its client left); the body then flows through the response's UpstreamBody. A failure before the
 * headers that undici refuses to write (an invalid header) rejects instead: nothing went out.
 */
export class UpstreamExchange implements Dispatcher.DispatchHandler, BodyFlow {
  private settled = false;
  private response: UpstreamResponse | undefined;
  private controller: Dispatcher.DispatchController | undefined;
  private deadline: TimerHandle | undefined;

  constructor(
    private readonly site: ExchangeSite,
    private readonly resolve: (attempt: UpstreamAttempt) => void,
    private readonly reject: (error: Error) => void,
    private readonly clientGone: CancelSignal | undefined,
  ) {}

  /** Start listening for the client leaving and, with `deadlineMs` > 0, the route deadline. */
  start(deadlineMs: number): void {
    this.clientGone?.addEventListener("abort", this.onClientGone, { once: true });
    if (deadlineMs > 0)
      this.deadline = this.site.clock.setTimeout(() => {
        this.settle({ ok: false, failure: { status: 504, flag: "UT", resetReason: "" } }, true);
        this.controller?.abort(new Error("upstream request timeout"));
      }, deadlineMs);
  }

  // ---- undici's dispatch handler ----

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.settled) controller.abort(new Error("upstream request abandoned"));
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    // 1xx (103 Early Hints …) are not the response; the final one follows on the same request.
    if (this.settled || statusCode < 200) return;
    this.controller = controller;
    const body = new UpstreamBody(this);
    this.response = { statusCode, headers, body };
    // The body's end, failure or destruction closes the request's accounting once (DC, UT, UC).
    body.onClose(() => this.finish(body.complete ? statusCode : 0));
    this.settle({ ok: true, response: this.response, localAddress: this.site.connection.localAddress });
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.response?.body.push(chunk);
  }

  onResponseEnd(): void {
    this.response?.body.end();
    this.site.pool.release(this.site.connection);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    // A reset exchange closes its HTTP/1.1 connection, as Envoy's does; left in the pool,
    // undici would reconnect at once to retry the aborted request before dropping it.
    this.site.pool.drop(this.site.connection);
    if (this.response) {
      this.response.body.fail(error);
    } else if (!this.controller && isInvalidArgument(error)) {
      // A request undici refuses to write (a header value it cannot send): nothing went out.
      if (!this.stop()) return;
      this.site.account.requestFinished(false);
      this.reject(error);
    } else {
      this.settle(CONNECTION_TERMINATED);
    }
  }

  // ---- the response body's hold on the connection ----

  pause(): void {
    this.controller?.pause();
  }

  resume(): void {
    this.controller?.resume();
  }

  abort(reason: Error): void {
    this.controller?.abort(reason);
  }

  // ---- settling ----

  /** The client left before the response headers: Envoy resets the upstream request. */
  private readonly onClientGone = (): void => {
    this.settle(CLIENT_GONE);
    this.controller?.abort(new Error("downstream disconnected"));
  };

  private settle(attempt: UpstreamAttempt, timedOut = false): void {
    if (!this.stop()) return;
    if (!attempt.ok) this.site.account.requestFinished(false, timedOut);
    this.resolve(attempt);
  }

  /**
   * The exchange has its outcome: the deadline and the client-gone listener go. False when it
   * already had one (the first outcome wins).
   */
  private stop(): boolean {
    if (this.settled) return false;
    this.settled = true;
    if (this.deadline) this.site.clock.clearTimeout(this.deadline);
    this.clientGone?.removeEventListener("abort", this.onClientGone);
    return true;
  }

  private finish(status: number): void {
    const { account, cluster } = this.site;
    account.requestFinished(status >= 200 && status < 500);
    if (status >= 200 && status < 300) cluster.stats.inc("upstream_rq_2xx");
    else if (status >= 400 && status < 500) cluster.stats.inc("upstream_rq_4xx");
    else if (status >= 500) cluster.stats.inc("upstream_rq_5xx");
  }
}

function isInvalidArgument(error: Error): boolean {
  return error instanceof errors.InvalidArgumentError || error instanceof errors.NotSupportedError;
}
