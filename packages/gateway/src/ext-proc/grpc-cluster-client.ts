import type { ClusterRuntime, UpstreamHost } from "../upstream/cluster.js";
import { type UpstreamTlsOptions, upstreamTlsOptions } from "../upstream/tls-options.js";

/**
 * A filter's gRPC connection to a service cluster (the EPP's, Authorino's, Limitador's), counted
 * the way Envoy counts it on that cluster: a call on a live connection is just rq_total; with no
 * live connection a new one is attempted (cx_total), and a failed handshake is cx_connect_fail plus
 * an ssl.* stat. This is what the seed reads with `/clusters | grep epp` — cx_total 0 (Bug 2),
 * cx_connect_fail on every request (Bug 3).
 */
export interface GrpcConnection {
  /** False once the channel is in TRANSIENT_FAILURE or SHUTDOWN: a new connection must be attempted. */
  readonly usable: boolean;
  close(): void;
}

export type ConnectionFactory<C extends GrpcConnection> = (hostPort: string, tls: UpstreamTlsOptions | undefined) => C;

export interface GrpcCall<C> {
  client: C;
  host: UpstreamHost;
  /** Call once the call is over: ok = the service answered normally. */
  done(outcome: { ok: boolean; error?: string }): void;
}

const CONNECT_FAILURE =
  /No connection established|failed to connect|Connection dropped|ECONNREFUSED|certificate|handshake|self.signed/i;

interface HostConnection<C> {
  client: C;
  /** The connection has carried a successful call (so later failures are not connect failures). */
  verified: boolean;
}

export class GrpcClusterClient<C extends GrpcConnection> {
  /** One connection per host, shared by concurrent calls, replaced only once it is broken. */
  private readonly connections = new Map<string, HostConnection<C>>();

  constructor(
    private readonly cluster: ClusterRuntime,
    private readonly connect: ConnectionFactory<C>,
  ) {}

  open(): GrpcCall<C> | undefined {
    const host = this.cluster.choose({ headers: {}, metadata: {} });
    if (!host) {
      this.cluster.stats.inc("upstream_cx_none_healthy");
      return undefined;
    }
    const stats = host.stats.values;
    let connection = this.connections.get(host.hostPort);
    if (!connection?.client.usable) {
      connection?.client.close();
      const tls = this.cluster.config.tls ? upstreamTlsOptions(this.cluster.config.tls) : undefined;
      connection = { client: this.connect(host.hostPort, tls), verified: false };
      this.connections.set(host.hostPort, connection);
      stats.cx_total++;
      this.cluster.stats.inc("upstream_cx_total");
    }
    const current = connection;
    const client = current.client;
    stats.rq_total++;
    stats.rq_active++;
    this.cluster.stats.inc("upstream_rq_total");
    let finished = false;
    return {
      client,
      host,
      done: ({ ok, error }) => {
        if (finished) return;
        finished = true;
        stats.rq_active--;
        if (ok) {
          stats.rq_success++;
          if (!current.verified) {
            current.verified = true;
            stats.cx_active++;
            if (this.cluster.config.tls) this.cluster.stats.inc("ssl.handshake");
          }
          return;
        }
        stats.rq_error++;
        // A connection that never carried a call and failed to establish is one connect failure.
        if (
          error &&
          CONNECT_FAILURE.test(error) &&
          !current.verified &&
          this.connections.get(host.hostPort) === current
        ) {
          stats.cx_connect_fail++;
          this.cluster.stats.inc("upstream_cx_connect_fail");
          if (/certificate|self.signed|verify/i.test(error)) this.cluster.stats.inc("ssl.fail_verify_error");
          client.close();
          this.connections.delete(host.hostPort);
        }
      },
    };
  }

  close(): void {
    for (const connection of this.connections.values()) connection.client.close();
    this.connections.clear();
  }
}
