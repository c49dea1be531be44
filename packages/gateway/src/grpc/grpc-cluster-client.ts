// A filter's gRPC client for a service cluster, counted on that cluster as Envoy counts it.
import { type Clock, systemClock } from "@testbed/common";
import { GrpcCallError, GrpcCode, isDeadlineExceeded } from "@testbed/protocol";
import type { ClusterRuntime, UpstreamHost } from "../upstream/cluster.js";
import { UpstreamAccounting } from "../upstream/upstream-accounting.js";
import { EnvoyGrpcConnection } from "./envoy-grpc-connection.js";
import type { GrpcMethod } from "./envoy-grpc-stream.js";

/** Envoy's default connect_timeout for a cluster that sets none. */
const DEFAULT_CONNECT_TIMEOUT_SECONDS = 5;

export interface GrpcCall {
  connection: EnvoyGrpcConnection;
  host: UpstreamHost;
  /** Call once the call is over: ok = the service answered normally; timedOut = its deadline passed. */
  done(outcome: { ok: boolean; timedOut?: boolean }): void;
}

/**
 * A filter's gRPC client for a service cluster (the EPP's, Authorino's, Limitador's), counted the
 * way Envoy counts it on that cluster: one HTTP/2 connection per host shared by all calls; a call
 * is rq_total; a new connection is cx_total, and one that never comes up is cx_connect_fail plus
 * an ssl.* stat when the TLS handshake failed. This is what the seed reads with
 * `/clusters | grep epp` — cx_total 0 (Bug 2), cx_connect_fail on every request (Bug 3).
 */
export class GrpcClusterClient {
  private readonly connections = new Map<string, EnvoyGrpcConnection>();
  constructor(
    private readonly cluster: ClusterRuntime,
    private readonly clock: Clock = systemClock,
  ) {}

  open(): GrpcCall | undefined {
    const host = this.cluster.choose({ headers: {}, metadata: {} });
    if (!host) {
      this.cluster.stats.inc("upstream_cx_none_healthy");
      return undefined;
    }
    let connection = this.connections.get(host.hostPort);
    if (!connection?.usable) {
      connection?.close();
      connection = this.connect(host);
      this.connections.set(host.hostPort, connection);
    }
    const account = new UpstreamAccounting(this.cluster, host);
    account.requestStarted();
    let finished = false;
    return {
      connection,
      host,
      done: ({ ok, timedOut }) => {
        if (finished) return;
        finished = true;
        account.requestFinished(ok, timedOut);
      },
    };
  }

  /**
   * One unary call on a host of the cluster, counted (a passed deadline as rq_timeout). Rejects
   * with the call's GrpcCallError, or UNAVAILABLE when the cluster has no host.
   */
  async unary<Request, Response>(
    method: GrpcMethod<Request, Response>,
    request: Request,
    timeoutMs: number,
  ): Promise<Response> {
    const call = this.open();
    if (!call) throw new GrpcCallError(GrpcCode.UNAVAILABLE, "no healthy upstream");
    try {
      const response = await call.connection.unary(method, request, timeoutMs);
      call.done({ ok: true });
      return response;
    } catch (error) {
      call.done({ ok: false, timedOut: isDeadlineExceeded(error) });
      throw error;
    }
  }

  close(): void {
    for (const connection of this.connections.values()) connection.close();
    this.connections.clear();
  }

  private connect(host: UpstreamHost): EnvoyGrpcConnection {
    const account = new UpstreamAccounting(this.cluster, host);
    account.connectStarted();
    const forget = () => {
      if (this.connections.get(host.hostPort) === connection) this.connections.delete(host.hostPort);
    };
    const connection: EnvoyGrpcConnection = new EnvoyGrpcConnection(
      host,
      {
        ...(this.cluster.tls ? { tls: this.cluster.tls } : {}),
        connectTimeoutMs: (this.cluster.config.connect_timeout ?? DEFAULT_CONNECT_TIMEOUT_SECONDS) * 1000,
        clock: this.clock,
      },
      {
        connected: () => account.connected(this.cluster.tls !== undefined),
        connectFailed: (error) => {
          account.connectFailed(error);
          forget();
        },
        closed: () => {
          account.closed();
          forget();
        },
      },
    );
    return connection;
  }
}
