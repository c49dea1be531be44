import { type ClientRequest, Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { ClusterRuntime, UpstreamHost } from "./cluster.js";
import { nodeTlsOptions, type UpstreamTlsOptions, upstreamTlsOptions } from "./tls-options.js";
import { UpstreamAccounting } from "./upstream-accounting.js";
import type { UpstreamFailure } from "./upstream-failure.js";

/**
 * Sends one request to one upstream host over a keep-alive pool, counting Envoy's connection and
 * request stats as it goes: a new connection is cx_total; one that fails before it is usable is
 * cx_connect_fail (and an ssl.* stat when the TLS handshake is what failed).
 */
export interface UpstreamRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** null: send no body at all (FULL_DUPLEX drained it). */
  body: Buffer | null;
}

export type UpstreamAttempt =
  | { ok: true; response: IncomingMessage; request: ClientRequest; localAddress: string }
  | { ok: false; failure: UpstreamFailure };

export class UpstreamConnector {
  private readonly agents = new Map<string, HttpAgent>();
  private readonly tls: UpstreamTlsOptions | undefined;

  constructor(private readonly cluster: ClusterRuntime) {
    this.tls = cluster.config.tls ? upstreamTlsOptions(cluster.config.tls) : undefined;
    cluster.onHostRemoved((hostPort) => {
      this.agents.get(hostPort)?.destroy();
      this.agents.delete(hostPort);
    });
  }

  /** `deadlineMs` (the route timeout, 0 = none) bounds the wait for response headers. */
  send(
    host: UpstreamHost,
    upstream: UpstreamRequest,
    connectTimeoutMs: number,
    deadlineMs = 0,
  ): Promise<UpstreamAttempt> {
    const account = new UpstreamAccounting(this.cluster, host);
    account.requestStarted();
    return new Promise((resolve) => {
      let connected = false;
      let settled = false;
      const settle = (attempt: UpstreamAttempt, timedOut = false) => {
        if (settled) return;
        settled = true;
        if (!attempt.ok) account.requestFinished(false, timedOut);
        resolve(attempt);
      };
      const options = {
        host: host.address,
        port: host.port,
        method: upstream.method,
        path: upstream.path,
        headers: upstream.headers,
        agent: this.agent(host),
        ...(this.tls ? nodeTlsOptions(this.tls) : {}),
      };
      const request = (this.tls ? httpsRequest : httpRequest)(options);
      if (deadlineMs > 0) {
        const deadline = setTimeout(() => {
          if (settled) return;
          settle({ ok: false, failure: { status: 504, flag: "UT", resetReason: "" } }, true);
          request.destroy();
        }, deadlineMs);
        request.once("response", () => clearTimeout(deadline));
        request.once("error", () => clearTimeout(deadline));
      }
      request.on("socket", (socket) => {
        if (request.reusedSocket) {
          connected = true;
          return;
        }
        account.connectStarted();
        // connect_timeout covers the TCP (and TLS) handshake only, never a slow response.
        const timer = setTimeout(
          () => request.destroy(Object.assign(new Error("connect timeout"), { code: "ETIMEDOUT" })),
          connectTimeoutMs,
        );
        socket.once("close", () => clearTimeout(timer));
        socket.once(this.tls ? "secureConnect" : "connect", () => {
          clearTimeout(timer);
          connected = true;
          account.connected(this.tls !== undefined);
          socket.once("close", () => account.closed());
        });
      });
      request.on("error", (error: NodeJS.ErrnoException) => {
        if (!connected) {
          const { transportFailure } = account.connectFailed(error);
          settle({
            ok: false,
            failure: {
              status: 503,
              flag: "UF",
              resetReason: "remote connection failure",
              ...(transportFailure ? { transportFailure } : {}),
            },
          });
        } else {
          settle({ ok: false, failure: { status: 503, flag: "UC", resetReason: "connection termination" } });
        }
      });
      request.on("response", (response) => {
        const local = request.socket ? `${request.socket.localAddress}:${request.socket.localPort}` : "-";
        // 'close' comes once whether the body ended, failed, or was destroyed (DC, UT).
        response.once("close", () => this.finish(account, response.complete ? (response.statusCode ?? 0) : 0));
        settle({ ok: true, response, request, localAddress: local });
      });
      if (upstream.body === null || upstream.body.length === 0) request.end();
      else request.end(upstream.body);
    });
  }

  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }

  private finish(account: UpstreamAccounting, status: number): void {
    account.requestFinished(status >= 200 && status < 500);
    if (status >= 200 && status < 300) this.cluster.stats.inc("upstream_rq_2xx");
    else if (status >= 400 && status < 500) this.cluster.stats.inc("upstream_rq_4xx");
    else if (status >= 500) this.cluster.stats.inc("upstream_rq_5xx");
  }

  private agent(host: UpstreamHost): HttpAgent {
    let agent = this.agents.get(host.hostPort);
    if (!agent) {
      agent = this.tls
        ? new HttpsAgent({ keepAlive: true, maxSockets: 1024 })
        : new HttpAgent({ keepAlive: true, maxSockets: 1024 });
      this.agents.set(host.hostPort, agent);
    }
    return agent;
  }
}
