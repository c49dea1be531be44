// Envoy's retry back-off at the gateway: each retry waits a fully jittered interval on the
// gateway's clock (25 ms base, doubling, capped at 10 × base), never going before it has elapsed.
import { createServer } from "node:http";
import { eventually, SimulatedClock, silentSink } from "@testbed/common";
import { describe, expect, it } from "vitest";
import { GatewayConfigError } from "../src/config/config-error.js";
import { readGatewayConfig } from "../src/config/config-reader.js";
import { startGateway } from "../src/gateway.js";
import { backOffMs, DEFAULT_RETRY_BASE_INTERVAL_MS, retryBackOffOf } from "../src/routing/retry-back-off.js";
import { simpleConfig } from "./fixtures/simple-config.js";
import { listenOnLoopback } from "./loopback-server.js";

/** A simulated clock that also records every sleep asked of it (the back-offs). */
class RecordingClock extends SimulatedClock {
  readonly sleeps: number[] = [];
  override sleep(delayMs: number): Promise<void> {
    this.sleeps.push(delayMs);
    return super.sleep(delayMs);
  }
}

function withRetryPolicy(config: Record<string, unknown>, policy: Record<string, unknown>): Record<string, unknown> {
  // biome-ignore lint/suspicious/noExplicitAny: walking a hand-written bootstrap
  const hcm = (config as any).static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
  const route = hcm.route_config.virtual_hosts[0].routes.find((r: { name: string }) => r.name === "backend-route");
  route.route.retry_policy = policy;
  return config;
}

describe("the retry back-off's intervals (JitteredExponentialBackOffStrategy)", () => {
  it("defaults to a 25 ms base and a 250 ms cap; each interval doubles until doubling would pass half the cap", () => {
    const backOff = retryBackOffOf({ retry_on: "5xx" });
    expect(backOff).toEqual({ baseMs: DEFAULT_RETRY_BASE_INTERVAL_MS, maxMs: 250 });
    const highest = [1, 2, 3, 4, 5, 6].map((retry) => backOffMs(backOff, retry, 0.99999));
    expect(highest).toEqual([24, 49, 99, 199, 249, 249]);
    expect([1, 2, 3].map((retry) => backOffMs(backOff, retry, 0))).toEqual([0, 0, 0]);
  });

  it("takes retry_back_off's base_interval and max_interval, and refuses a maximum below the base", () => {
    expect(retryBackOffOf({ retry_back_off: { base_interval: 0.1, max_interval: 0.3 } })).toEqual({
      baseMs: 100,
      maxMs: 300,
    });
    const config = withRetryPolicy(simpleConfig({ upstream: ["127.0.0.1:1"] }), {
      retry_on: "5xx",
      retry_back_off: { base_interval: "0.5s", max_interval: "0.1s" },
    });
    expect(() => readGatewayConfig(config)).toThrow(GatewayConfigError);
    expect(() => readGatewayConfig(config)).toThrow(/route\.retry_policy\.retry_back_off\.max_interval: /);
  });
});

describe("retries at the gateway wait their back-off on the gateway's clock", () => {
  it("the n-th retry waits within [0, 25 ms · 2^(n-1)) and is not sent a millisecond earlier", async () => {
    const arrivals: number[] = [];
    const clock = new RecordingClock(Date.parse("2026-01-01T00:00:00Z"));
    const server = createServer((request, response) => {
      request.resume();
      arrivals.push(clock.now());
      response.writeHead(503, { "content-type": "text/plain" }).end("busy");
    });
    const upstream = await listenOnLoopback(server);
    const config = withRetryPolicy(simpleConfig({ upstream: [upstream.hostPort] }), {
      retry_on: "5xx",
      num_retries: 3,
    });
    const g = await startGateway(config, {
      accessLogSink: silentSink,
      log: silentSink,
      clock,
      // The highest draw the jitter can make: each wait is its interval's last millisecond.
      random: () => 0.99999,
    });
    try {
      const pending = fetch(`${Object.values(g.listenerUrls)[0]}/v1/models`);
      for (let retry = 1; retry <= 3; retry++) {
        await eventually(() => arrivals.length === retry && clock.sleeps.length === retry);
        const wait = clock.sleeps[retry - 1] ?? -1;
        expect(wait).toBeGreaterThanOrEqual(0);
        expect(wait).toBeLessThan(DEFAULT_RETRY_BASE_INTERVAL_MS * 2 ** (retry - 1));
        expect(wait).toBe(DEFAULT_RETRY_BASE_INTERVAL_MS * 2 ** (retry - 1) - 1);
        clock.advance(wait - 1);
        // The back-off timer has not fired: the retry cannot have been sent.
        expect(arrivals).toHaveLength(retry);
        clock.advance(1);
      }
      const response = await pending;
      expect(response.status).toBe(503);
      await response.text();
      expect(arrivals).toHaveLength(4);
      // Each retry went exactly when its back-off ended on the gateway's clock.
      const gaps = arrivals.slice(1).map((at, i) => at - (arrivals[i] ?? 0));
      expect(gaps).toEqual([24, 49, 99]);
      const line = await eventually(() => g.accessLog.lines.find((l) => l.includes(" 503 ")) ?? false);
      expect(line).toContain(" URX ");
    } finally {
      await g.close();
      await upstream.close();
    }
  });
});
