import type { Socket } from "node:net";
import { type Clock, systemClock, type TimerHandle } from "@testbed/common";
import { buildConnector, Client } from "undici";
import type { ClusterResources } from "./circuit-breakers.js";
import type { ConnectFailure } from "./upstream-failure.js";

/** What the pool reports about its connections (Envoy's cx_* counting). */
export interface ConnectionEvents {
  connectStarted(): void;
  connected(): void;
  connectFailed(error: NodeJS.ErrnoException): ConnectFailure;
  closed(): void;
}

/** …and about its pending requests (upstream_rq_pending_*, upstream_cx_overflow). */
export interface PoolEvents extends ConnectionEvents {
  pendingStarted(): void;
  pendingEnded(): void;
  /** A pending request failed with the connection it waited for (upstream_rq_pending_failure_eject). */
  pendingEjected(): void;
  /** A connection was wanted with the cluster at max_connections. */
  connectionOverflow(): void;
}

export interface PoolOptions {
  /** http://host:port or https://host:port */
  origin: string;
  connectTimeoutMs: number;
  /** Runs the connect timeout (default the wall clock: it bounds a socket handshake). */
  clock?: Clock;
  /** Node TLS connect options (CA, SNI, verification) for an https origin. */
  tls?: Record<string, unknown>;
}

/** Opens one socket for a connection: undici's connector with the cluster's TLS, made once per pool. */
type Connector = ReturnType<typeof buildConnector>;

/**
 * One upstream HTTP/1.1 connection: a socket the pool opens (TCP and TLS handshake within the
 * cluster's connect_timeout) before any request uses it, carried by an undici Client. A socket
 * that closes is never reopened: the pool forgets the connection, as Envoy does.
 */
export class PooledConnection {
  /** ip:port of our end of the socket (%UPSTREAM_LOCAL_ADDRESS%). */
  localAddress = "-";
  /** The upstream's address, the one name every request on this connection gives undici. */
  readonly servername: string;
  readonly client: Client;
  private socket: Socket | undefined;
  private closedListener: (() => void) | undefined;

  constructor(
    private readonly options: PoolOptions,
    private readonly connector: Connector,
    private readonly events: ConnectionEvents,
  ) {
    this.servername = new URL(options.origin).hostname.replace(/^\[(.*)\]$/, "$1");
    this.client = new Client(options.origin, {
      pipelining: 1,
      // Envoy's route timeout (the router's timer) bounds a response, never the client library.
      headersTimeout: 0,
      bodyTimeout: 0,
      // Envoy keeps an idle upstream connection for an hour.
      keepAliveTimeout: 3_600_000,
      keepAliveMaxTimeout: 3_600_000,
      // The socket the pool opened; one that has closed since makes the exchange fail (UC), as a
      // request does in Envoy on a connection the upstream has just closed.
      // (undici needs the answer asynchronously, as a real connect gives it.)
      connect: (_options, callback) => {
        const socket = this.socket;
        queueMicrotask(() => {
          if (socket && !socket.destroyed) callback(null, socket);
          else callback(Object.assign(new Error("upstream connection closed"), { code: "ECONNRESET" }), null);
        });
      },
    });
  }

  /** Opens the socket; resolves with why it failed, or undefined once it is up. */
  open(): Promise<ConnectFailure | undefined> {
    const url = new URL(this.options.origin);
    // The cluster's SNI, or none: never one derived from a request's Host header.
    const servername = this.options.tls?.servername as string | undefined;
    const hostname = this.servername;
    const port = url.port || (url.protocol === "https:" ? "443" : "80");
    this.events.connectStarted();
    return new Promise((resolve) => {
      const clock = this.options.clock ?? systemClock;
      let timer: TimerHandle | undefined;
      // The connector returns the socket it is opening (its type says void).
      const opening = this.connector(
        { hostname, host: url.host, protocol: url.protocol, port, servername } as buildConnector.Options,
        (error, socket) => {
          if (timer) clock.clearTimeout(timer);
          if (error || !socket) {
            resolve(this.events.connectFailed((error ?? new Error("no socket")) as NodeJS.ErrnoException));
            return;
          }
          this.socket = socket as Socket;
          this.localAddress = `${this.socket.localAddress}:${this.socket.localPort}`;
          this.events.connected();
          this.socket.once("close", () => {
            this.events.closed();
            this.closedListener?.();
          });
          resolve(undefined);
        },
      );
      timer = clock.setTimeout(
        () =>
          (opening as unknown as Socket).destroy(Object.assign(new Error("connect timeout"), { code: "ETIMEDOUT" })),
        this.options.connectTimeoutMs,
      );
    });
  }

  /** Its socket is open (undici destroys one it will not reuse right after the response ends). */
  get usable(): boolean {
    return this.socket !== undefined && !this.socket.destroyed;
  }

  /** `listener` runs when the socket closes. */
  onSocketClosed(listener: () => void): void {
    this.closedListener = listener;
  }

  destroy(): void {
    this.client.destroy().catch(() => {});
    this.socket?.destroy();
  }
}

/** Why a pending request got no connection. */
export type PendingFailure = { connectFailure: ConnectFailure } | "pool closed";

/** A request that waits for a connection: Envoy's pending request. */
interface PendingRequest {
  take(outcome: PooledConnection | PendingFailure): void;
}

export type Lease =
  | { connection: PooledConnection }
  | { wait: Promise<PooledConnection | PendingFailure>; cancel: () => void }
  /** The cluster's max_pending_requests is reached: Envoy answers 503 UO. */
  | { overflow: true };

/**
 * Envoy's HTTP/1.1 connection pool for one upstream host: a request takes a ready connection, or
 * waits as a pending request until a connection is ready for it — a new one once its handshake is
 * done, or a busy one that comes back; the oldest pending request is served first. One request per
 * connection at a time, no pipelining. A connection that fails to open fails every pending request
 * with it, since the host is likely down.
 *
 * The cluster's circuit breakers (shared by the pools of all its hosts) bound it: at
 * max_connections no connection is opened (upstream_cx_overflow) unless the host has none at all;
 * at max_pending_requests a request that would wait is refused instead.
 */
export class Http1ConnectionPool {
  private readonly ready: PooledConnection[] = [];
  private readonly all = new Set<PooledConnection>();
  private readonly pending: PendingRequest[] = [];
  private connecting = 0;
  private closed = false;
  /** One connector for the pool, so its connections share a TLS session cache (resumption, as Envoy's). */
  private readonly connector: Connector;

  constructor(
    private readonly options: PoolOptions,
    private readonly events: PoolEvents,
    private readonly resources: ClusterResources,
  ) {
    // undici's own connect timer is coarse (it fired up to a second late); each connection keeps the cluster's.
    this.connector = buildConnector({ timeout: 0, ...(options.tls ?? {}) } as buildConnector.BuildOptions);
  }

  /** A connection for one request: a ready one at once, else a wait for one (cancel() when the request gives up). */
  acquire(): Lease {
    if (this.closed) return { wait: Promise.resolve("pool closed"), cancel: () => {} };
    const connection = this.takeReady();
    if (connection) return { connection };
    if (!this.resources.pendingRequests.canCreate()) return { overflow: true };
    let request: PendingRequest | undefined;
    const wait = new Promise<PooledConnection | PendingFailure>((resolve) => {
      request = this.enqueue(resolve);
    });
    this.openForPending();
    return {
      wait,
      cancel: () => {
        const index = request ? this.pending.indexOf(request) : -1;
        if (index < 0) return;
        this.pending.splice(index, 1);
        this.leftPending();
      },
    };
  }

  /**
   * A request is over and its connection can carry the next one — unless undici is closing it
   * (Connection: close, a HEAD, a short Keep-Alive hint): it decides that just after the response
   * ends, so the pool looks once the current call is done, and opens another for whoever waits.
   */
  release(connection: PooledConnection): void {
    queueMicrotask(() => {
      if (this.closed) this.forget(connection);
      else if (!connection.usable) this.drop(connection);
      else this.handOver(connection);
    });
  }

  /** Close a connection whose exchange broke, and forget it (a pending request may open another). */
  drop(connection: PooledConnection): void {
    this.forget(connection);
    if (!this.closed) this.openForPending();
  }

  /** Closes every connection; requests still pending get none. */
  close(): void {
    this.closed = true;
    for (const connection of [...this.all]) this.forget(connection);
    this.ready.length = 0;
    this.failPending("pool closed");
  }

  private enqueue(take: (outcome: PooledConnection | PendingFailure) => void): PendingRequest {
    this.resources.pendingRequests.inc();
    this.events.pendingStarted();
    const request = { take };
    this.pending.push(request);
    return request;
  }

  private leftPending(): void {
    this.resources.pendingRequests.dec();
    this.events.pendingEnded();
  }

  /**
   * One more connection while pending requests outnumber the connections being opened — if the
   * circuit breaker allows it, or if the host has no connection at all (Envoy's rule, so that no
   * host starves).
   */
  private openForPending(): void {
    if (this.pending.length <= this.connecting) return;
    const allowed = this.resources.connections.canCreate();
    if (!allowed) this.events.connectionOverflow();
    if (!allowed && this.all.size > 0) return;
    const connection = new PooledConnection(this.options, this.connector, this.events);
    this.resources.connections.inc();
    this.all.add(connection);
    // An idle connection the upstream closes leaves the pool (a busy one is dropped by its exchange).
    connection.onSocketClosed(() => {
      const index = this.ready.indexOf(connection);
      if (index >= 0) {
        this.ready.splice(index, 1);
        this.forget(connection);
      }
    });
    this.connecting++;
    void connection.open().then((connectFailure) => {
      this.connecting--;
      if (this.closed) return this.forget(connection);
      if (!connectFailure) return this.handOver(connection);
      this.forget(connection);
      this.failPending({ connectFailure }, true);
    });
  }

  /** A ready connection whose socket is still open; closed ones found on the way are forgotten. */
  private takeReady(): PooledConnection | undefined {
    for (let connection = this.ready.pop(); connection; connection = this.ready.pop()) {
      if (connection.usable) return connection;
      this.forget(connection);
    }
    return undefined;
  }

  private forget(connection: PooledConnection): void {
    if (this.all.delete(connection)) this.resources.connections.dec();
    connection.destroy();
  }

  private handOver(connection: PooledConnection): void {
    const next = this.pending.shift();
    if (!next) {
      this.ready.push(connection);
      return;
    }
    this.leftPending();
    next.take(connection);
  }

  private failPending(failure: PendingFailure, ejected = false): void {
    for (const request of this.pending.splice(0)) {
      this.leftPending();
      if (ejected) this.events.pendingEjected();
      request.take(failure);
    }
  }
}
