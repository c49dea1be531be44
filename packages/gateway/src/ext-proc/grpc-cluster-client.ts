import { EppClient, type ExtProcSession } from "@testbed/epp-client";
import type { ClusterRuntime, UpstreamHost } from "../upstream/cluster.js";
import { upstreamTlsOptions } from "../upstream/tls-options.js";

/**
 * The ext_proc filter's gRPC connection to a processor cluster (the EPP's), counted the way Envoy
 * counts it on that cluster: a stream on a live connection is just rq_total; with no live connection
 * a new one is attempted (cx_total), and a failed handshake is cx_connect_fail plus an ssl.* stat.
 * This is what the seed reads with `/clusters | grep epp` — cx_total 0 (Bug 2), cx_connect_fail (Bug 3).
 */
export interface ProcessorStream {
  session: ExtProcSession;
  host: UpstreamHost;
  /** Call once the stream is over: ok = the processor answered normally. */
  done(outcome: { ok: boolean; error?: string }): void;
}

export class GrpcClusterClient {
  private client: EppClient | undefined;
  private clientHost: UpstreamHost | undefined;
  private clientVerified = false;

  constructor(private readonly cluster: ClusterRuntime) {}

  open(): ProcessorStream | undefined {
    const host = this.cluster.choose({ headers: {}, metadata: {} });
    if (!host) {
      this.cluster.stats.inc("upstream_cx_none_healthy");
      return undefined;
    }
    const stats = host.stats.values;
    if (!this.client || this.clientHost !== host || !this.client.connected) {
      this.client?.close();
      this.client = this.newClient(host);
      this.clientHost = host;
      this.clientVerified = false;
      stats.cx_total++;
      this.cluster.stats.inc("upstream_cx_total");
    }
    const client = this.client;
    stats.rq_total++;
    stats.rq_active++;
    this.cluster.stats.inc("upstream_rq_total");
    const session = client.session();
    let finished = false;
    return {
      session,
      host,
      done: ({ ok, error }) => {
        if (finished) return;
        finished = true;
        stats.rq_active--;
        if (ok) {
          stats.rq_success++;
          this.markConnected(host);
          return;
        }
        stats.rq_error++;
        if (
          error &&
          /No connection established|failed to connect|Connection dropped|ECONNREFUSED|certificate|handshake/i.test(
            error,
          ) &&
          !this.clientVerified
        ) {
          stats.cx_connect_fail++;
          this.cluster.stats.inc("upstream_cx_connect_fail");
          if (/certificate|self.signed|verify/i.test(error)) this.cluster.stats.inc("ssl.fail_verify_error");
          client.close();
          if (this.client === client) this.client = undefined;
        }
      },
    };
  }

  close(): void {
    this.client?.close();
    this.client = undefined;
  }

  private markConnected(host: UpstreamHost): void {
    if (this.clientVerified) return;
    this.clientVerified = true;
    host.stats.values.cx_active = 1;
    if (this.cluster.config.tls) this.cluster.stats.inc("ssl.handshake");
  }

  private newClient(host: UpstreamHost): EppClient {
    const tls = this.cluster.config.tls;
    if (!tls) return new EppClient({ address: host.hostPort });
    const options = upstreamTlsOptions(tls);
    return new EppClient({
      address: host.hostPort,
      tls: {
        ...(options.ca ? { caPem: options.ca } : {}),
        ...(options.servername ? { serverName: options.servername } : {}),
        insecureSkipVerify: !options.rejectUnauthorized,
      },
    });
  }
}
