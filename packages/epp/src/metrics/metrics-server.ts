import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { answerTraceParts, type TraceRing } from "@testbed/trace";
import type { Registry } from "prom-client";

/**
 * The EPP's Prometheus endpoint: GET /metrics on --metrics-port. With a trace ring, the testbed's
 * side channel GET /debug/traces too (the real EPP serves pprof under /debug on this port).
 */
export async function startMetricsServer(
  registry: Registry,
  host: string,
  port: number,
  traces?: TraceRing,
): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    const traced = traces && answerTraceParts(traces, request.method ?? "GET", request.url ?? "/");
    if (traced) {
      response.writeHead(traced.status, { "content-type": traced.contentType }).end(traced.body);
      return;
    }
    if (request.method !== "GET" || request.url?.split("?")[0] !== "/metrics") {
      response.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("404 page not found\n");
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { "content-type": registry.contentType }).end(text),
      (error: Error) => response.writeHead(500).end(error.message),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}
