// The gateway takes its time from the clock it is given: the access log's start time and the
// route timeout of a response body that is still streaming. Sockets stay real.
import { createServer } from "node:http";
import { eventually, SimulatedClock, silentSink } from "@testbed/common";
import { describe, expect, it } from "vitest";
import { startGateway } from "../src/gateway.js";
import { simpleConfig } from "./fixtures/simple-config.js";
import { listenOnLoopback } from "./loopback-server.js";

describe("the gateway's clock", () => {
  it("cuts a response body that outlives the route timeout when the gateway's clock says so (UT)", async () => {
    const server = createServer((request, response) => {
      request.resume();
      response.writeHead(200, { "content-type": "text/plain" });
      response.write("first chunk");
      // …and the rest never comes.
    });
    const upstream = await listenOnLoopback(server);
    const clock = new SimulatedClock(Date.parse("2026-01-01T00:00:00Z"));
    const g = await startGateway(simpleConfig({ upstream: [upstream.hostPort], routeTimeout: "10s" }), {
      accessLogSink: silentSink,
      log: silentSink,
      clock,
    });
    try {
      const response = await fetch(`${Object.values(g.listenerUrls)[0]}/`);
      expect(response.status).toBe(200);
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      expect(new TextDecoder().decode((await reader.read()).value)).toBe("first chunk");

      clock.advance(9_999);
      expect(g.accessLog.lines).toEqual([]);
      clock.advance(1);
      await expect(reader.read()).rejects.toThrow();
      const line = await eventually(() => g.accessLog.lines.find((l) => l.includes(" UT ")) ?? false);
      expect(line.startsWith("[2026-01-01T00:00:00.000Z]")).toBe(true);
    } finally {
      await g.close();
      await upstream.close();
    }
  });
});
