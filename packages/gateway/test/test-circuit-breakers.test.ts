// Envoy's circuit breakers on the router's cluster (circuit_breakers.thresholds): connections,
// pending requests, requests and retries, counted across the cluster's hosts; a request over a
// limit gets 503 UO. The upstreams here hold every request until the test lets them answer, so
// which request waits and which overflows does not depend on timing.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createTcpServer } from "node:net";
import { eventually, silentSink } from "@testbed/common";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { type GatewayHandle, startGateway } from "../src/gateway.js";
import { ClusterResources, ENVOY_DEFAULT_THRESHOLDS } from "../src/upstream/circuit-breakers.js";
import { Http1ConnectionPool, PooledConnection } from "../src/upstream/http1-connection-pool.js";
import { simpleConfig } from "./fixtures/simple-config.js";
import { listenOnLoopback } from "./loopback-server.js";

interface HeldUpstream {
  hostPort: string;
  held: number;
  /** Held requests whose connection closed before they were answered. */
  abandoned: number;
  answerAll(): void;
  close(): Promise<void>;
}

async function startHeldUpstream(): Promise<HeldUpstream> {
  const waiting: ServerResponse[] = [];
  let abandoned = 0;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    request.on("end", () => waiting.push(response));
    response.on("close", () => {
      if (response.writableFinished) return;
      abandoned++;
      const index = waiting.indexOf(response);
      if (index >= 0) waiting.splice(index, 1);
    });
  });
  const { hostPort, close } = await listenOnLoopback(server);
  return {
    hostPort,
    get held() {
      return waiting.length;
    },
    get abandoned() {
      return abandoned;
    },
    answerAll: () => {
      for (const response of waiting.splice(0)) response.writeHead(200, { "content-type": "text/plain" }).end("ok");
    },
    close,
  };
}

const upstreams: HeldUpstream[] = [];
const gateways: GatewayHandle[] = [];
afterEach(() => {
  for (const upstream of upstreams) upstream.answerAll();
});
afterAll(async () => {
  await Promise.all(gateways.map((g) => g.close()));
  await Promise.all(upstreams.map((u) => u.close()));
});

async function held(): Promise<HeldUpstream> {
  const upstream = await startHeldUpstream();
  upstreams.push(upstream);
  return upstream;
}

/** A gateway whose backend cluster (the given hosts, round robin) has these DEFAULT thresholds. */
async function gatewayWith(
  hosts: string[],
  thresholds: Record<string, number>,
  extra: { routeTimeout?: string; retries?: number } = {},
): Promise<GatewayHandle> {
  const config = simpleConfig({ upstream: hosts, ...extra }) as {
    static_resources: { clusters: Array<Record<string, unknown>> };
  };
  const backend = config.static_resources.clusters.find((cluster) => cluster.name === "backend");
  if (!backend) throw new Error("no backend cluster");
  backend.circuit_breakers = { thresholds: [{ ...thresholds, track_remaining: true }] };
  // /long: the same cluster under a 10 s route timeout, whatever the default route's.
  const routes = routesOf(config);
  routes.unshift({ name: "long", match: { prefix: "/long" }, route: { cluster: "backend", timeout: "10s" } });
  const g = await startGateway(config, { accessLogSink: silentSink, log: silentSink });
  gateways.push(g);
  return g;
}

/** The route list of the config's only virtual host. */
function routesOf(config: unknown): unknown[] {
  const listener = (config as { static_resources: { listeners: Array<Record<string, unknown>> } }).static_resources
    .listeners[0] as { filter_chains: Array<{ filters: Array<{ typed_config: Record<string, unknown> }> }> };
  const hcm = listener.filter_chains[0]?.filters[0]?.typed_config as {
    route_config: { virtual_hosts: Array<{ routes: unknown[] }> };
  };
  return hcm.route_config.virtual_hosts[0]?.routes ?? [];
}

async function get(g: GatewayHandle, path = "/") {
  const response = await fetch(`${Object.values(g.listenerUrls)[0]}${path}`);
  return { status: response.status, text: await response.text() };
}

/** /stats of the backend cluster, by stat name without the `cluster.backend.` prefix. */
async function clusterStats(g: GatewayHandle): Promise<Record<string, number>> {
  const text = await (await fetch(`${g.adminUrl}/stats`)).text();
  const stats: Record<string, number> = {};
  for (const match of text.matchAll(/^cluster\.backend\.(\S+): (\d+)$/gm)) stats[match[1] as string] = Number(match[2]);
  return stats;
}

/** A host's counters from /clusters. */
async function hostCounters(g: GatewayHandle, host: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${g.adminUrl}/clusters`)).text();
  const counters: Record<string, number> = {};
  for (const match of text.matchAll(new RegExp(`^backend::${host.replace(/\./g, "\\.")}::(\\w+)::(\\d+)$`, "gm")))
    counters[match[1] as string] = Number(match[2]);
  return counters;
}

/** Waits, with the shared eventually(), for a condition the gateway and its upstreams reach on their own. */
async function until(done: () => Promise<boolean> | boolean): Promise<void> {
  await eventually(done, { timeoutMs: 3_000 });
}

describe("circuit breakers (cluster.circuit_breakers.thresholds, DEFAULT priority)", () => {
  it("at max_connections a request waits as a pending request and takes the connection that comes back", async () => {
    const upstream = await held();
    const g = await gatewayWith([upstream.hostPort], { max_connections: 2 });
    const responses = Promise.all([1, 2, 3, 4].map(() => get(g)));
    await until(() => upstream.held === 2);
    let stats = await clusterStats(g);
    expect(stats.upstream_rq_pending_active).toBe(2);
    expect(stats.upstream_cx_overflow).toBe(2);
    expect(stats["circuit_breakers.default.cx_open"]).toBe(1);
    expect(stats["circuit_breakers.default.remaining_cx"]).toBe(0);
    expect(stats["circuit_breakers.default.cx_pool_open"]).toBe(0);
    // 2^64 − 1 (Envoy's "no limit") does not fit a double: compare the stat's text, digit for digit.
    expect(await (await fetch(`${g.adminUrl}/stats`)).text()).toMatch(
      /^cluster\.backend\.circuit_breakers\.default\.remaining_cx_pools: 18446744073709551615$/m,
    );
    expect(stats["circuit_breakers.high.cx_open"]).toBe(0);
    expect(stats["circuit_breakers.high.remaining_cx"]).toBeUndefined();
    expect((await hostCounters(g, upstream.hostPort)).cx_total).toBe(2);
    upstream.answerAll();
    // The two connections come back and carry the two pending requests.
    await until(() => upstream.held === 2);
    upstream.answerAll();
    expect((await responses).map((r) => r.status)).toEqual([200, 200, 200, 200]);
    stats = await clusterStats(g);
    // Every request was pending once: two waited for a new connection, two for one to come back.
    expect(stats.upstream_rq_pending_total).toBe(4);
    expect(stats.upstream_rq_pending_active).toBe(0);
    expect(stats["circuit_breakers.default.cx_open"]).toBe(1);
    const counters = await hostCounters(g, upstream.hostPort);
    expect(counters.cx_total).toBe(2);
    expect(counters.rq_success).toBe(4);
    expect(await (await fetch(`${g.adminUrl}/clusters`)).text()).toContain(
      "backend::default_priority::max_connections::2\nbackend::default_priority::max_pending_requests::1024\n",
    );
  });

  it("over max_pending_requests: 503 UO with Envoy's body and details, counted as upstream_rq_pending_overflow", async () => {
    const upstream = await held();
    const g = await gatewayWith([upstream.hostPort], { max_connections: 1, max_pending_requests: 1 });
    const first = get(g);
    await until(() => upstream.held === 1);
    const second = get(g);
    await until(async () => (await clusterStats(g)).upstream_rq_pending_active === 1);
    expect((await clusterStats(g))["circuit_breakers.default.rq_pending_open"]).toBe(1);

    const third = await get(g);
    expect(third.status).toBe(503);
    expect(third.text).toBe("upstream connect error or disconnect/reset before headers. reset reason: overflow");
    expect(g.accessLog.lines.at(-1)).toContain(" 503 UO upstream_reset_before_response_started{overflow} ");
    upstream.answerAll();
    expect((await first).status).toBe(200);
    await until(() => upstream.held === 1);
    upstream.answerAll();
    expect((await second).status).toBe(200);
    const stats = await clusterStats(g);
    expect(stats.upstream_rq_pending_overflow).toBe(1);
    expect(stats.upstream_rq_pending_total).toBe(2);
    // The refused request never reached a host.
    expect((await hostCounters(g, upstream.hostPort)).rq_total).toBe(2);
  });

  it("max_connections is the cluster's, across its hosts; a host with no connection still gets one", async () => {
    const a = await held();
    const b = await held();
    const g = await gatewayWith([a.hostPort, b.hostPort], { max_connections: 1 });
    const responses = [get(g)];
    await until(() => a.held === 1);
    responses.push(get(g));
    await until(() => b.held === 1);
    responses.push(get(g));
    await until(async () => (await clusterStats(g)).upstream_rq_pending_active === 1);
    expect(a.held).toBe(1);
    a.answerAll();
    await until(() => a.held === 1);
    a.answerAll();
    b.answerAll();
    expect((await Promise.all(responses)).map((r) => r.status)).toEqual([200, 200, 200]);
    expect((await hostCounters(g, a.hostPort)).cx_total).toBe(1);
    expect((await hostCounters(g, b.hostPort)).cx_total).toBe(1);
    expect((await clusterStats(g)).upstream_cx_overflow).toBe(2);
  });

  it("over max_requests: 503 UO, the same overflow counter", async () => {
    const upstream = await held();
    const g = await gatewayWith([upstream.hostPort], { max_requests: 1 });
    const first = get(g);
    await until(() => upstream.held === 1);
    const second = await get(g);
    expect(second.status).toBe(503);
    expect(g.accessLog.lines.at(-1)).toContain(" 503 UO upstream_reset_before_response_started{overflow} ");
    upstream.answerAll();
    expect((await first).status).toBe(200);
    const stats = await clusterStats(g);
    expect(stats.upstream_rq_pending_overflow).toBe(1);
    // The refused request had a new connection it never used: its pending slot is given back.
    expect(stats.upstream_rq_pending_active).toBe(0);
    expect(stats["circuit_breakers.default.remaining_pending"]).toBe(1024);
  });

  it("a route timeout ends a pending wait: 504 UT, counted on the cluster, not on a host", async () => {
    const upstream = await held();
    const g = await gatewayWith([upstream.hostPort], { max_connections: 1 }, { routeTimeout: "0.3s" });
    const first = get(g, "/long");
    await until(() => upstream.held === 1);
    const second = await get(g);
    expect(second.status).toBe(504);
    expect(second.text).toBe("upstream request timeout");
    const stats = await clusterStats(g);
    expect(stats.upstream_rq_pending_active).toBe(0);
    expect(stats.upstream_rq_timeout).toBe(1);
    let counters = await hostCounters(g, upstream.hostPort);
    expect(counters.rq_total).toBe(1);
    expect(counters.rq_timeout).toBe(0);
    upstream.answerAll();
    expect((await first).status).toBe(200);
    counters = await hostCounters(g, upstream.hostPort);
    expect(counters.rq_success).toBe(1);
    expect(counters.rq_active).toBe(0);
  });

  it("max_retries 0 refuses every retry: UF,UO and upstream_rq_retry_overflow, the reason not a retried one", async () => {
    const g = await gatewayWith(["127.0.0.1:1"], { max_retries: 0 }, { retries: 2 });
    const response = await get(g);
    expect(response.status).toBe(503);
    expect(response.text).toBe(
      "upstream connect error or disconnect/reset before headers. reset reason: remote connection failure",
    );
    expect(g.accessLog.lines.at(-1)).toContain(" 503 UF,UO ");
    const stats = await clusterStats(g);
    expect(stats.upstream_rq_retry_overflow).toBe(1);
    expect(stats.upstream_rq_retry).toBe(0);
    // Envoy's *_open gauges follow the counts: a limit of 0 that nothing took reads 0.
    expect(stats["circuit_breakers.default.rq_retry_open"]).toBe(0);
    expect(stats["circuit_breakers.default.remaining_retries"]).toBe(0);
  });

  /** A pool of one host with these thresholds, and the names of the events it reports, in order. */
  function poolTo(origin: string, maxConnections: number) {
    const resources = new ClusterResources({ ...ENVOY_DEFAULT_THRESHOLDS, max_connections: maxConnections });
    const events: string[] = [];
    const pool = new Http1ConnectionPool(
      { origin, connectTimeoutMs: 2000 },
      {
        connectStarted: () => events.push("connect"),
        connected: () => events.push("connected"),
        connectFailed: () => {
          events.push("connect failed");
          return {};
        },
        closed: () => {},
        pendingStarted: () => events.push("pending"),
        pendingEnded: () => events.push("ended"),
        pendingEjected: () => events.push("ejected"),
        connectionOverflow: () => events.push("overflow"),
      },
      resources,
    );
    return { pool, resources, events };
  }

  it("a pool that closes gives its pending requests no connection and releases their pending slots", async () => {
    const silent = await listenOnLoopback(createTcpServer());
    try {
      const { pool, resources, events } = poolTo(`http://${silent.hostPort}`, 1);
      const first = pool.acquire();
      const second = pool.acquire();
      if (!("wait" in first) || !("wait" in second)) throw new Error("both requests should be pending");
      // The oldest pending request takes the connection once it is up; the second keeps waiting.
      expect(await first.wait).toBeInstanceOf(PooledConnection);
      expect(resources.pendingRequests.count).toBe(1);
      pool.close();
      expect(await second.wait).toBe("pool closed");
      expect(resources.pendingRequests.count).toBe(0);
      expect(resources.connections.count).toBe(0);
      expect(events).toEqual(["pending", "connect", "pending", "overflow", "connected", "ended", "ended"]);
    } finally {
      await silent.close();
    }
  });

  it("a connection that fails to open fails every request pending on the host at once (pending_failure_eject)", async () => {
    const { pool, resources, events } = poolTo("http://127.0.0.1:1", 1);
    const leases = [pool.acquire(), pool.acquire(), pool.acquire()];
    const outcomes = await Promise.all(leases.map((lease) => ("wait" in lease ? lease.wait : lease)));
    expect(outcomes).toEqual([{ connectFailure: {} }, { connectFailure: {} }, { connectFailure: {} }]);
    expect(events.filter((e) => e === "connect")).toHaveLength(1);
    expect(events.filter((e) => e === "ejected")).toHaveLength(3);
    expect(resources.pendingRequests.count).toBe(0);
    expect(resources.connections.count).toBe(0);
  });

  it("a route timeout while the connection is still opening frees the pending slot at once; no host counts it", async () => {
    // Accepts TCP but never answers the TLS handshake: the connection stays "connecting".
    const silent = await listenOnLoopback(createTcpServer());
    const { hostPort } = silent;
    try {
      const config = simpleConfig({ upstream: [hostPort], routeTimeout: "0.2s", upstreamTls: { insecure: true } }) as {
        static_resources: { clusters: Array<Record<string, unknown>> };
      };
      const backend = config.static_resources.clusters.find((cluster) => cluster.name === "backend");
      if (backend) backend.circuit_breakers = { thresholds: [{ max_pending_requests: 1 }] };
      const g = await startGateway(config, { accessLogSink: silentSink, log: silentSink });
      gateways.push(g);
      expect((await get(g)).status).toBe(504);
      const stats = await clusterStats(g);
      expect(stats.upstream_rq_pending_active).toBe(0);
      expect(stats.upstream_rq_timeout).toBe(1);
      expect((await hostCounters(g, hostPort)).rq_total).toBe(0);
      // The slot is free: the next request waits again (and times out again) instead of overflowing.
      expect((await get(g)).status).toBe(504);
      expect((await clusterStats(g)).upstream_rq_pending_overflow).toBe(0);
    } finally {
      await silent.close();
    }
  });

  it("a client that leaves while pending stops waiting: its slot is freed and nothing reaches the upstream", async () => {
    const upstream = await held();
    const g = await gatewayWith([upstream.hostPort], { max_connections: 1 });
    const first = get(g);
    await until(() => upstream.held === 1);
    const leaving = new AbortController();
    const second = fetch(`${Object.values(g.listenerUrls)[0]}/`, { signal: leaving.signal }).catch(() => "aborted");
    await until(async () => (await clusterStats(g)).upstream_rq_pending_active === 1);
    leaving.abort();
    expect(await second).toBe("aborted");
    await until(async () => (await clusterStats(g)).upstream_rq_pending_active === 0);
    await until(() => g.accessLog.lines.some((line) => line.includes(" 0 DC downstream_remote_disconnect ")));
    expect((await clusterStats(g)).upstream_rq_cancelled).toBe(1);
    upstream.answerAll();
    expect((await first).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(upstream.held).toBe(0);
    expect((await hostCounters(g, upstream.hostPort)).rq_total).toBe(1);
  });

  it("a client that leaves before the response headers resets the upstream request (vLLM then aborts it)", async () => {
    const upstream = await held();
    const g = await gatewayWith([upstream.hostPort], {});
    const leaving = new AbortController();
    const request = fetch(`${Object.values(g.listenerUrls)[0]}/`, { signal: leaving.signal }).catch(() => "aborted");
    await until(() => upstream.held === 1);
    leaving.abort();
    expect(await request).toBe("aborted");
    await until(() => upstream.abandoned === 1);
    await until(async () => (await hostCounters(g, upstream.hostPort)).rq_active === 0);
    expect(g.accessLog.lines.at(-1)).toContain(" 0 DC downstream_remote_disconnect ");
    expect((await hostCounters(g, upstream.hostPort)).cx_active).toBe(0);
    // Envoy's upstream_rq_cancelled counts only requests cancelled before they had a connection.
    expect((await clusterStats(g)).upstream_rq_cancelled).toBe(0);
  });

  it("an update that leaves the cluster unchanged keeps its connections and its breakers' counts", async () => {
    const upstream = await held();
    const config = (timeout: string) => {
      const c = simpleConfig({ upstream: [upstream.hostPort], routeTimeout: timeout }) as {
        static_resources: { clusters: Array<Record<string, unknown>> };
      };
      const backend = c.static_resources.clusters.find((cluster) => cluster.name === "backend");
      if (backend) backend.circuit_breakers = { thresholds: [{ max_connections: 1 }] };
      return c;
    };
    const g = await startGateway(config("15s"), { accessLogSink: silentSink, log: silentSink });
    gateways.push(g);
    const first = get(g);
    await until(() => upstream.held === 1);
    // A route changes, the cluster does not: the held request keeps the only connection it may have.
    await g.update(config("14s"));
    const second = get(g);
    await until(async () => (await clusterStats(g)).upstream_rq_pending_active === 1);
    expect(upstream.held).toBe(1);
    upstream.answerAll();
    await until(() => upstream.held === 1);
    upstream.answerAll();
    expect([(await first).status, (await second).status]).toEqual([200, 200]);
    expect((await hostCounters(g, upstream.hostPort)).cx_total).toBe(1);
  });

  it("a connection the upstream closes with its response is not handed to the next request", async () => {
    const server = createServer((request, response) => {
      request.resume();
      // The first answer closes its connection; the second request waited for that one.
      setTimeout(() => response.writeHead(200, { connection: "close" }).end("ok"), 50);
    });
    const { hostPort, close } = await listenOnLoopback(server);
    try {
      const g = await gatewayWith([hostPort], { max_connections: 1 });
      const statuses = await Promise.all([get(g), get(g)]);
      expect(statuses.map((r) => r.status)).toEqual([200, 200]);
      const counters = await hostCounters(g, hostPort);
      expect(counters.cx_total).toBe(2);
      expect(counters.rq_success).toBe(2);
    } finally {
      await close();
    }
  });

  it("a client that leaves while the request filters run is noticed: nothing is sent upstream", async () => {
    const { startTestProcessor } = await import("./recording-processor.js");
    const processor = await startTestProcessor();
    processor.behaviour = "silent";
    const upstream = await held();
    try {
      const g = await startGateway(
        simpleConfig({
          upstream: [upstream.hostPort],
          processor: processor.address,
          mode: { request_header_mode: "SEND" },
          failureModeAllow: true,
          messageTimeout: "0.4s",
          routeTimeout: "0s",
        }),
        { accessLogSink: silentSink, log: silentSink },
      );
      gateways.push(g);
      const leaving = new AbortController();
      const request = fetch(`${Object.values(g.listenerUrls)[0]}/`, { signal: leaving.signal }).catch(() => "aborted");
      await until(() => processor.received.length > 0);
      leaving.abort();
      expect(await request).toBe("aborted");
      // The processor's silence ends in fail-open; by then the client is gone.
      await until(() => g.accessLog.lines.some((line) => line.includes(" DC ")));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(upstream.held).toBe(0);
      expect((await hostCounters(g, upstream.hostPort)).rq_total ?? 0).toBe(0);
    } finally {
      await processor.close();
    }
  });
});
