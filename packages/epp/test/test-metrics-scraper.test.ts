// The EPP's scrape loop on the injected clock, and `settle`, the barrier a one-request-at-a-time
// load waits on so that the EPP decides on the pods' state, not on how far its scrapes got.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Clock, SimulatedClock, SystemClock } from "@testbed/common";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Endpoint, EndpointMetrics } from "../src/datastore/endpoint.js";
import { MetricsScraper } from "../src/datastore/metrics-scraper.js";
import { endpoint } from "./scheduling-builders.js";

/** A model server's /metrics: `running` is what the next scrape reports; `hold` keeps answers back. */
interface FakePod {
  endpoint: Endpoint;
  running: number;
  /** The HTTP status the next scrape gets; anything but 200 fails it. */
  status: number;
  scrapes: number;
  /** While set, each scrape waits for `release()` (its body is the state when it arrived). */
  hold: boolean;
  release(): void;
}

const servers: Server[] = [];
const scrapers: MetricsScraper[] = [];

afterEach(async () => {
  await Promise.all(scrapers.splice(0).map((scraper) => scraper.close()));
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise((resolve) => {
          server.closeAllConnections();
          server.close(resolve);
        }),
    ),
  );
});

async function fakePod(n: number): Promise<FakePod> {
  const held: Array<() => void> = [];
  const pod: FakePod = {
    endpoint: endpoint(n),
    running: 0,
    status: 200,
    scrapes: 0,
    hold: false,
    release: () => {
      for (const answer of held.splice(0)) answer();
    },
  };
  const server = createServer((_request: IncomingMessage, response: ServerResponse) => {
    pod.scrapes++;
    const body = `vllm:num_requests_running{model_name="m"} ${pod.running}\nvllm:num_requests_waiting{model_name="m"} 0\n`;
    const answer = () => {
      response.statusCode = pod.status;
      response.end(body);
    };
    if (pod.hold) held.push(answer);
    else answer();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  pod.endpoint = { ...pod.endpoint, address: "127.0.0.1", port: (server.address() as AddressInfo).port };
  return pod;
}

function scraper(clock: Clock, intervalMs = 50): MetricsScraper {
  const created = new MetricsScraper({ intervalMs, port: 0, path: "/metrics", scheme: "http", clock });
  scrapers.push(created);
  return created;
}

/** Every metrics update the scraper applied for the pod, in order. */
function applied(scrape: MetricsScraper, pod: FakePod): Array<Partial<EndpointMetrics>> {
  const updates: Array<Partial<EndpointMetrics>> = [];
  scrape.watch(pod.endpoint, (metrics) => updates.push(metrics));
  return updates;
}

describe("MetricsScraper", () => {
  it("scrapes on the injected clock: one interval after being watched, then once per interval", async () => {
    const clock = new SimulatedClock();
    const pod = await fakePod(1);
    const scrape = scraper(clock);
    const updates = applied(scrape, pod);
    clock.advance(49);
    expect(pod.scrapes).toBe(0);
    clock.advance(1);
    await vi.waitFor(() => expect(updates).toHaveLength(1));
    // The next scrape is a timer on the simulated clock: nothing more happens until it moves.
    await vi.waitFor(() => expect(clock.pendingTimers).toBe(1));
    expect(pod.scrapes).toBe(1);
    pod.running = 2;
    clock.advance(50);
    await vi.waitFor(() => expect(updates).toHaveLength(2));
    expect(updates[1]?.runningRequests).toBe(2);
    expect(pod.scrapes).toBe(2);
  });

  it("applies only a 200 answer: a pod answering 503 keeps its last metrics until it answers 200 again", async () => {
    const clock = new SimulatedClock();
    const pod = await fakePod(1);
    const scrape = scraper(clock);
    const updates = applied(scrape, pod);
    pod.running = 4;
    clock.advance(50);
    await vi.waitFor(() => expect(updates).toHaveLength(1));
    pod.status = 503;
    pod.running = 9;
    await vi.waitFor(() => expect(clock.pendingTimers).toBe(1));
    clock.advance(50);
    await vi.waitFor(() => expect(pod.scrapes).toBe(2));
    await vi.waitFor(() => expect(clock.pendingTimers).toBe(1));
    expect(updates).toHaveLength(1);
    pod.status = 200;
    clock.advance(50);
    await vi.waitFor(() => expect(updates).toHaveLength(2));
    expect(updates.map((metrics) => metrics.runningRequests)).toEqual([4, 9]);
  });

  it("settle scrapes every pod, again while one is busy, and resolves once all answered idle", async () => {
    const busy = await fakePod(1);
    const idle = await fakePod(2);
    busy.running = 1;
    const scrape = scraper(new SystemClock(), 5);
    const busyUpdates = applied(scrape, busy);
    const idleUpdates = applied(scrape, idle);
    const settled = scrape.settle();
    // The busy pod finishes its request after two more scrapes.
    const before = busy.scrapes;
    await vi.waitFor(() => expect(busy.scrapes).toBeGreaterThanOrEqual(before + 2));
    busy.running = 0;
    expect(await settled).toBe(true);
    expect(busyUpdates.at(-1)?.runningRequests).toBe(0);
    expect(idleUpdates.at(-1)?.runningRequests).toBe(0);
  });

  it("settle gives up (false) at its deadline when a pod stays busy", async () => {
    const clock = new SimulatedClock();
    const pod = await fakePod(1);
    pod.running = 3;
    const scrape = scraper(clock, 1000);
    applied(scrape, pod);
    let result: boolean | undefined;
    const settled = scrape.settle().then((value) => {
      result = value;
    });
    for (let step = 0; result === undefined && step < 1000; step++) {
      await new Promise((resolve) => setImmediate(resolve));
      clock.advance(1000);
    }
    await settled;
    expect(result).toBe(false);
    expect(pod.scrapes).toBeGreaterThan(1);
  });

  it("an interval scrape overtaken by settle's newer one does not undo it", async () => {
    const clock = new SimulatedClock();
    const pod = await fakePod(1);
    const scrape = scraper(clock);
    const updates = applied(scrape, pod);
    // The interval scrape reaches the pod while a request runs there, and its answer is held back.
    pod.running = 1;
    pod.hold = true;
    clock.advance(50);
    await vi.waitFor(() => expect(pod.scrapes).toBe(1));
    // The request finishes; settle's scrape sees the pod idle and is applied.
    pod.hold = false;
    pod.running = 0;
    expect(await scrape.settle()).toBe(true);
    expect(updates).toEqual([expect.objectContaining({ runningRequests: 0 })]);
    // The stale answer (running 1) lands now: dropped. The loop then arms its next interval timer.
    pod.release();
    await vi.waitFor(() => expect(clock.pendingTimers).toBe(1));
    expect(updates).toEqual([expect.objectContaining({ runningRequests: 0 })]);
  });

  it("keeps a Go ticker's grid: a scrape outlasting ticks is followed at once by one more, then the grid again", async () => {
    const clock = new SimulatedClock();
    const pod = await fakePod(1);
    const scrape = scraper(clock);
    applied(scrape, pod);
    // Ticks at 50, 100, 150, …: the first scrape is held from t=50 until t=175.
    pod.hold = true;
    clock.advance(50);
    await vi.waitFor(() => expect(pod.scrapes).toBe(1));
    clock.advance(125);
    pod.hold = false;
    pod.release();
    // The ticks of 100 and 150 came while it ran: one waited in the channel, so a scrape starts now.
    await vi.waitFor(() => expect(clock.pendingTimers).toBe(1));
    clock.advance(0);
    await vi.waitFor(() => expect(pod.scrapes).toBe(2));
    await vi.waitFor(() => expect(clock.pendingTimers).toBe(1));
    // Then the grid: t=200, not 175 + 50.
    clock.advance(24);
    await new Promise((resolve) => setImmediate(resolve));
    expect(pod.scrapes).toBe(2);
    clock.advance(1);
    await vi.waitFor(() => expect(pod.scrapes).toBe(3));
  });
});
