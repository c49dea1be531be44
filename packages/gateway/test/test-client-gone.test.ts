// A client that leaves while its response body is still streaming: the gateway resets the upstream
// request and logs DC with the status that was already sent. Also the pieces that carry it: the client-gone
// signal, and an upstream exchange letting go of it.
import { createServer, request as httpRequest } from "node:http";
import { eventually, SimulatedClock, silentSink, type TimerHandle } from "@testbed/common";
import { type Dispatcher, errors } from "undici";
import { describe, expect, it } from "vitest";
import { type CancelSignal, ClientGone } from "../src/client-gone.js";
import { startGateway } from "../src/gateway.js";
import { type ExchangeSite, UpstreamExchange } from "../src/upstream/upstream-exchange.js";
import { simpleConfig } from "./fixtures/simple-config.js";
import { listenOnLoopback } from "./loopback-server.js";
import { startScriptedGrpcProcessor } from "./scripted-grpc-processor.js";

describe("a client that leaves mid-body", () => {
  it("resets the upstream request and logs the response as DC", async () => {
    let upstreamClosed = false;
    const server = createServer((request, response) => {
      request.resume();
      response.writeHead(200, { "content-type": "text/plain" });
      response.write("first chunk");
      response.on("close", () => {
        upstreamClosed = true;
      });
      // …and the rest never comes.
    });
    const upstream = await listenOnLoopback(server);
    const g = await startGateway(simpleConfig({ upstream: [upstream.hostPort] }), {
      accessLogSink: silentSink,
      log: silentSink,
    });
    try {
      const url = new URL(Object.values(g.listenerUrls)[0] as string);
      await new Promise<void>((resolve) => {
        const client = httpRequest({ host: url.hostname, port: url.port, path: "/leaving" }, (response) => {
          response.once("data", () => {
            client.destroy();
            resolve();
          });
        });
        client.on("error", () => {});
        client.on("close", () => resolve());
        client.end();
      });
      const line = await eventually(() => g.accessLog.lines.find((l) => l.includes("/leaving")) ?? false);
      expect(line).toContain('"GET /leaving HTTP/1.1" 200 DC via_upstream ');
      await eventually(() => upstreamClosed);
    } finally {
      await g.close();
      await upstream.close();
    }
  });
});

/** A simulated clock that knows which of its timers are still to fire, with the delay each was set for. */
class WatchedClock extends SimulatedClock {
  readonly live = new Map<number, number>();

  override setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const handle = super.setTimeout(() => {
      this.live.delete(handle.id);
      callback();
    }, delayMs);
    this.live.set(handle.id, delayMs);
    return handle;
  }

  override clearTimeout(handle: TimerHandle): void {
    this.live.delete(handle.id);
    super.clearTimeout(handle);
  }
}

describe("a client that leaves while a filter holds the response headers", () => {
  it("leaves no route deadline behind once the request is logged", async () => {
    const upstream = await listenOnLoopback(
      createServer((request, response) => {
        request.resume();
        response.writeHead(200, { "content-type": "text/plain" });
        response.write("first chunk");
      }),
    );
    const processor = await startScriptedGrpcProcessor();
    // The processor never answers the response headers: the message timeout (fail open) lets them go on.
    processor.script = () => [];
    const clock = new WatchedClock();
    const g = await startGateway(
      simpleConfig({
        upstream: [upstream.hostPort],
        processor: processor.address,
        mode: { request_header_mode: "SKIP", response_header_mode: "SEND" },
        failureModeAllow: true,
        messageTimeout: "0.2s",
        routeTimeout: "10s",
      }),
      { accessLogSink: silentSink, log: silentSink, clock },
    );
    try {
      const url = new URL(Object.values(g.listenerUrls)[0] as string);
      const client = httpRequest({ host: url.hostname, port: url.port, path: "/" });
      client.on("error", () => {});
      client.end();
      await eventually(() => processor.received.some((message) => message.request === "response_headers"));
      const clientClosed = new Promise((resolve) => client.once("close", resolve));
      client.destroy();
      await clientClosed;
      // Let the gateway read the client's leaving before the response headers go on (no event of its own says so).
      await new Promise((resolve) => setTimeout(resolve, 50));
      clock.advance(200);
      const line = await eventually(() => g.accessLog.lines[0] ?? false);
      expect(line).toContain(" DC ");
      // The route deadline set for the response body (10 s less the 200 ms spent) is gone with the request.
      expect([...clock.live.values()].filter((delay) => delay === 9_800)).toEqual([]);
    } finally {
      await g.close();
      await processor.close();
      await upstream.close();
    }
  });
});

describe("the client-gone signal", () => {
  it("runs each listener once when the client leaves, none that was removed, and no listener added after", () => {
    const gone = new ClientGone();
    const heard: string[] = [];
    const removed = () => heard.push("removed");
    gone.addEventListener("abort", () => heard.push("first"));
    gone.addEventListener("abort", removed);
    gone.addEventListener("abort", () => heard.push("second"));
    gone.removeEventListener("abort", removed);
    expect(gone.aborted).toBe(false);
    gone.abort();
    gone.abort();
    gone.addEventListener("abort", () => heard.push("late"));
    expect(gone.aborted).toBe(true);
    expect(heard).toEqual(["first", "second"]);
  });
});

describe("an upstream exchange undici refuses to write", () => {
  it("rejects once, counts the request finished once and stops listening for the client and the deadline", () => {
    const clock = new SimulatedClock();
    const listening = new Set<() => void>();
    const clientGone: CancelSignal = {
      aborted: false,
      addEventListener: (_type, listener) => listening.add(listener),
      removeEventListener: (_type, listener) => listening.delete(listener),
    };
    const finished: boolean[] = [];
    const outcomes: string[] = [];
    const site = {
      pool: { drop: () => {} },
      account: { requestFinished: (success: boolean) => finished.push(success) },
      clock,
    } as unknown as ExchangeSite;
    const resolve = () => outcomes.push("resolved");
    const exchange = new UpstreamExchange(site, resolve, (error) => outcomes.push(error.message), clientGone);
    exchange.start(1000);
    expect(listening.size).toBe(1);
    exchange.onResponseError({} as Dispatcher.DispatchController, new errors.InvalidArgumentError("invalid header"));
    expect(listening.size).toBe(0);
    clock.advance(2000);
    expect(outcomes).toEqual(["invalid header"]);
    expect(finished).toEqual([false]);
  });
});
