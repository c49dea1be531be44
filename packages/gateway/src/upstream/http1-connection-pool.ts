import type { Socket } from "node:net";
import { buildConnector, Client } from "undici";
import type { ClusterResources } from "./circuit-breakers.js";
import type { classifyConnectError } from "./upstream-failure.js";

/** What the pool reports about its connections (Envoy's cx_* counting). */
export interface ConnectionEvents {
  connectStarted(): void;
  connected(): void;
  connectFailed(error: NodeJS.ErrnoException): ReturnType<typeof classifyConnectError>;
  closed(): void;
}

/** …and about its pending requests (upstream_rq_pending_*, upstream_cx_overflow). */
export interface PoolEvents extends ConnectionEvents {
  pendingStarted(): void;
  pendingEnded(): void;
  /** A pending request found the cluster at max_connections. */
  connectionOverflow(): void;
}

export interface PoolOptions {
  /** http://host:port or https://host:port */
  origin: string;
  connectTimeoutMs: number;
  /** Node TLS connect options (CA, SNI, verification) for an https origin. */
  tls?: Record<string, unknown>;
}

/** Opens one socket for a connection: undici's connector with the cluster's TLS, made once per pool. */
type Connector = ReturnType<typeof buildConnector>;

/**
 * One upstream HTTP/1.1 connection: an undici Client, which holds exactly one socket and opens a
 * new one when it is used again after the old one closed.
 */
export class PooledConnection {
  /** ip:port of our end of the socket (%UPSTREAM_LOCAL_ADDRESS%). */
  localAddress = "-";
  /** Why the last connect attempt failed, if it did — cleared when a request starts. */
  connectFailure: ReturnType<typeof classifyConnectError> | undefined;
  readonly client: Client;
  private settledListener: (() => void) | undefined;
  private closedListener: (() => void) | undefined;

  constructor(options: PoolOptions, connect: Connector, events: ConnectionEvents) {
    // The cluster's SNI, or none: never one derived from a request's Host header.
    const servername = options.tls?.servername as string | undefined;
    this.client = new Client(options.origin, {
      pipelining: 1,
      // Envoy's route timeout (the router's timer) bounds a response, never the client library.
      headersTimeout: 0,
      bodyTimeout: 0,
      // Envoy keeps an idle upstream connection for an hour.
      keepAliveTimeout: 3_600_000,
      keepAliveMaxTimeout: 3_600_000,
      connect: (connectOptions, callback) => {
        events.connectStarted();
        let timer: NodeJS.Timeout | undefined;
        // The connector returns the socket it is opening (its type says void).
        const opening = connect({ ...connectOptions, servername }, (error, socket) => {
          clearTimeout(timer);
          if (error || !socket) {
            this.connectFailure = events.connectFailed(error as NodeJS.ErrnoException);
            this.settleConnect();
            callback(error ?? new Error("no socket"), null);
            return;
          }
          const local = socket as Socket;
          this.localAddress = `${local.localAddress}:${local.localPort}`;
          events.connected();
          this.settleConnect();
          socket.once("close", () => {
            events.closed();
            this.closedListener?.();
          });
          callback(null, socket);
        });
        timer = setTimeout(
          () =>
            (opening as unknown as Socket).destroy(Object.assign(new Error("connect timeout"), { code: "ETIMEDOUT" })),
          options.connectTimeoutMs,
        );
      },
    });
  }

  /**
   * `listener` runs once: when the next connect attempt succeeds or fails — or, through
   * settleConnect(), when the connection goes back to the pool or closes without having tried.
   */
  onConnectSettled(listener: () => void): void {
    this.settledListener = listener;
  }

  settleConnect(): void {
    const listener = this.settledListener;
    this.settledListener = undefined;
    listener?.();
  }

  /** `listener` runs whenever a socket of this connection closes. */
  onSocketClosed(listener: () => void): void {
    this.closedListener = listener;
  }
}

/** A request that waits for a connection: Envoy's pending request. */
interface PendingRequest {
  /** Hands it a connection, or nothing when the pool closed first. */
  take(connection: PooledConnection | undefined): void;
  /** Stops counting it as pending (once: it got a live connection, failed to, or gave up). */
  leave(): void;
}

export type Lease =
  | { connection: PooledConnection }
  /** `wait` gives undefined if the pool closes first. */
  | { wait: Promise<PooledConnection | undefined>; cancel: () => void }
  /** The cluster's max_pending_requests is reached: Envoy answers 503 UO. */
  | { overflow: true };

/**
 * Envoy's HTTP/1.1 connection pool for one upstream host: a request takes a ready connection, or
 * waits as a pending request — for a new connection to come up, or for one of the host's busy
 * connections to come back. One request per connection at a time, no pipelining.
 *
 * The cluster's circuit breakers (shared by the pools of all its hosts) bound it: at
 * max_connections no connection is opened (upstream_cx_overflow) unless the host has none at all;
 * at max_pending_requests a request that would wait is refused instead.
 */
export class Http1ConnectionPool {
  private readonly ready: PooledConnection[] = [];
  private readonly all = new Set<PooledConnection>();
  private readonly pending: PendingRequest[] = [];
  private closed = false;
  /** One connector for the pool, so its connections share a TLS session cache (resumption, as Envoy's). */
  private readonly connect: Connector;

  constructor(
    private readonly options: PoolOptions,
    private readonly events: PoolEvents,
    private readonly resources: ClusterResources,
  ) {
    // undici's own connect timer is coarse (it fired up to a second late); each connection keeps the cluster's.
    this.connect = buildConnector({ timeout: 0, ...(options.tls ?? {}) } as buildConnector.BuildOptions);
  }

  /** A connection for one request: a ready one at once, else a wait for one (cancel() on a route timeout). */
  acquire(): Lease {
    const connection = this.ready.pop();
    if (connection) return { connection: this.lend(connection) };
    if (!this.resources.pendingRequests.canCreate()) return { overflow: true };
    let request: PendingRequest | undefined;
    const wait = new Promise<PooledConnection | undefined>((resolve) => {
      request = this.enqueue((connection) => resolve(connection && this.lend(connection)));
    });
    this.openForPending();
    return {
      wait,
      cancel: () => {
        if (!request) return;
        const index = this.pending.indexOf(request);
        if (index >= 0) this.pending.splice(index, 1);
        request.leave();
      },
    };
  }

  release(connection: PooledConnection): void {
    connection.settleConnect();
    if (this.closed) this.forget(connection);
    else this.handOver(connection);
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
    for (const request of this.pending.splice(0)) {
      request.leave();
      request.take(undefined);
    }
  }

  private enqueue(take: (connection: PooledConnection) => void): PendingRequest {
    this.resources.pendingRequests.inc();
    this.events.pendingStarted();
    let waiting = true;
    const request: PendingRequest = {
      take,
      leave: () => {
        if (!waiting) return;
        waiting = false;
        this.resources.pendingRequests.dec();
        this.events.pendingEnded();
      },
    };
    this.pending.push(request);
    return request;
  }

  /**
   * A new connection for the oldest pending request, if the circuit breaker allows one — or if the
   * host has no connection at all (Envoy's rule, so that no host starves). The request stays
   * pending until the connection is up or has failed.
   */
  private openForPending(): void {
    if (this.pending.length === 0) return;
    const allowed = this.resources.connections.canCreate();
    if (!allowed) this.events.connectionOverflow();
    if (!allowed && this.all.size > 0) return;
    const request = this.pending.shift() as PendingRequest;
    const connection = this.open();
    connection.onConnectSettled(() => request.leave());
    request.take(connection);
  }

  private open(): PooledConnection {
    const connection = new PooledConnection(this.options, this.connect, this.events);
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
    return connection;
  }

  private forget(connection: PooledConnection): void {
    connection.settleConnect();
    if (this.all.delete(connection)) this.resources.connections.dec();
    connection.client.destroy().catch(() => {});
  }

  private lend(connection: PooledConnection): PooledConnection {
    connection.connectFailure = undefined;
    return connection;
  }

  private handOver(connection: PooledConnection): void {
    const next = this.pending.shift();
    if (!next) {
      this.ready.push(connection);
      return;
    }
    next.leave();
    next.take(connection);
  }
}
