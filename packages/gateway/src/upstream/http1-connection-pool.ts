import type { Socket } from "node:net";
import { buildConnector, Client } from "undici";
import type { classifyConnectError } from "./upstream-failure.js";

/** What the pool reports about its connections (Envoy's cx_* counting). */
export interface ConnectionEvents {
  connectStarted(): void;
  connected(): void;
  connectFailed(error: NodeJS.ErrnoException): ReturnType<typeof classifyConnectError>;
  closed(): void;
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
            callback(error ?? new Error("no socket"), null);
            return;
          }
          const local = socket as Socket;
          this.localAddress = `${local.localAddress}:${local.localPort}`;
          events.connected();
          socket.once("close", () => events.closed());
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
}

/** At most this many connections to one host, as node's Agent had (maxSockets) and Envoy's default circuit breaker (max_connections 1024). */
export const MAX_CONNECTIONS_PER_HOST = 1024;

/**
 * Envoy's HTTP/1.1 connection pool for one upstream host: a request takes a ready connection or
 * opens a new one, and gives it back when its response is over — one request per connection at a
 * time, no pipelining. At the connection limit, requests wait in order for one to come back.
 */
export class Http1ConnectionPool {
  private readonly ready: PooledConnection[] = [];
  private readonly all = new Set<PooledConnection>();
  private readonly waiting: Array<(connection: PooledConnection) => void> = [];
  private closed = false;
  /** One connector for the pool, so its connections share a TLS session cache (resumption, as Envoy's). */
  private readonly connect: Connector;

  constructor(
    private readonly options: PoolOptions,
    private readonly events: ConnectionEvents,
    private readonly maxConnections = MAX_CONNECTIONS_PER_HOST,
  ) {
    // undici's own connect timer is coarse (it fired up to a second late); each connection keeps the cluster's.
    this.connect = buildConnector({ timeout: 0, ...(options.tls ?? {}) } as buildConnector.BuildOptions);
  }

  /**
   * A connection for one request: at once when one is ready or may be opened, else when one comes
   * back. `cancel` takes a request out of the wait (its route timeout fired).
   */
  acquire(): { connection: PooledConnection } | { wait: Promise<PooledConnection>; cancel: () => void } {
    const connection = this.ready.pop() ?? (this.all.size < this.maxConnections ? this.open() : undefined);
    if (connection) return { connection: this.lend(connection) };
    let take: ((connection: PooledConnection) => void) | undefined;
    const wait = new Promise<PooledConnection>((resolve) => {
      take = (connection) => resolve(this.lend(connection));
      this.waiting.push(take);
    });
    return {
      wait,
      cancel: () => {
        const index = take ? this.waiting.indexOf(take) : -1;
        if (index >= 0) this.waiting.splice(index, 1);
      },
    };
  }

  release(connection: PooledConnection): void {
    if (this.closed) connection.client.destroy().catch(() => {});
    else this.handOver(connection);
  }

  /** Close a connection whose exchange broke, and forget it (a waiting request may open another). */
  drop(connection: PooledConnection): void {
    this.all.delete(connection);
    connection.client.destroy().catch(() => {});
    if (!this.closed && this.waiting.length > 0) this.handOver(this.open());
  }

  close(): void {
    this.closed = true;
    for (const connection of this.all) connection.client.destroy().catch(() => {});
    this.all.clear();
    this.ready.length = 0;
  }

  private open(): PooledConnection {
    const connection = new PooledConnection(this.options, this.connect, this.events);
    this.all.add(connection);
    return connection;
  }

  private lend(connection: PooledConnection): PooledConnection {
    connection.connectFailure = undefined;
    return connection;
  }

  private handOver(connection: PooledConnection): void {
    const next = this.waiting.shift();
    if (next) next(connection);
    else this.ready.push(connection);
  }
}
