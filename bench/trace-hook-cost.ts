// The recording work the gateway does for one traced request, alone: the same functions its hooks
// call (route explanation, listener, route, ext_proc, upstream and response hops into a ring),
// timed in a tight loop. Stable on a shared machine, unlike an A/B load; trace-overhead.ts prints
// it beside the gateway's CPU per request.
import { SystemClock } from "@testbed/common";
import { effectiveExtProc } from "@testbed/gateway";
import { hopStart, TraceRing } from "@testbed/trace";
import type { RouteConfiguration } from "../packages/gateway/src/config/envoy-types.js";
import { RouteTable } from "../packages/gateway/src/routing/route-table.js";
import {
  lbDecision,
  recordExtProc,
  recordListener,
  recordResponse,
  recordRoute,
  recordUpstream,
} from "../packages/gateway/src/trace/gateway-trace.js";
import { ClusterRuntime } from "../packages/gateway/src/upstream/cluster.js";

const ROUTES: RouteConfiguration = {
  name: "bench",
  virtual_hosts: [
    {
      name: "all",
      domains: ["*"],
      routes: [
        { name: "completions", match: { path_separated_prefix: "/v1/completions" }, route: { cluster: "pool" } },
        { name: "chat", match: { path_separated_prefix: "/v1/chat/completions" }, route: { cluster: "pool" } },
        { name: "rest", match: { prefix: "/" }, route: { cluster: "pool" } },
      ],
    },
  ],
};

/** µs of CPU the gateway's trace hooks take per request (median of `rounds` loops of `iterations`). */
export function traceHookMicros(iterations = 20_000, rounds = 5): number {
  const clock = new SystemClock();
  const ring = new TraceRing("gateway", "bench");
  const routes = new RouteTable(ROUTES);
  const cluster = new ClusterRuntime({
    name: "pool",
    type: "STATIC",
    endpoints: [{ address: "127.0.0.1", port_value: 8000 }],
    override_host: { sources: [], fallback: "ROUND_ROBIN" },
  });
  const extProc = effectiveExtProc(
    {
      grpc_service: { envoy_grpc: { cluster_name: "epp" } },
      processing_mode: { request_header_mode: "SEND", request_body_mode: "FULL_DUPLEX_STREAMED" },
      failure_mode_allow: true,
    },
    undefined,
    "1.34",
  );
  const headers: Record<string, string> = {
    ":method": "POST",
    ":path": "/v1/chat/completions",
    ":authority": "gateway",
    ":scheme": "https",
    "content-type": "application/json",
    "x-request-id": "0b5e4c2a-5f1d-4a51-9a0e-1f7d0a3c9e11",
  };
  const metadata = { "envoy.lb": { "x-gateway-destination-endpoint": "127.0.0.1:8000" } };
  const oneRequest = (i: number) => {
    const part = ring.begin(`request-${i}`, clock.now());
    if (!part) return;
    const start = hopStart(clock);
    recordListener(part, part.component, start.wallStartMs, {
      listener: "bench",
      address: "127.0.0.1:443",
      tls: true,
      headers,
    });
    const match = routes.match(headers);
    recordRoute(part, clock, start, part.component, {
      ...routes.explain(headers),
      ...(match
        ? { route: match.routeName, match: "path_separated_prefix /v1/chat/completions", cluster: "pool" }
        : {}),
    });
    const before = { ...headers };
    recordExtProc(part, clock, hopStart(clock), part.component, {
      config: extProc,
      failureModeAllow: true,
      bodyBytesBefore: 120,
      bodyBytesAfter: 120,
      bodyMoved: true,
      outcome: { action: "continue" },
      headersSet:
        before["x-gateway-destination-endpoint"] === undefined
          ? { "x-gateway-destination-endpoint": "127.0.0.1:8000" }
          : {},
      metadataSet: metadata["envoy.lb"],
    });
    recordUpstream(part, clock, hopStart(clock), part.component, {
      cluster,
      lbDecision: lbDecision(cluster, metadata, headers),
      tried: ["127.0.0.1:8000"],
      tries: 1,
      host: "127.0.0.1:8000",
      status: 200,
      failure: undefined,
      requestBodyBytes: 120,
    });
    recordResponse(part, clock, start, part.component, {
      status: 200,
      flags: [],
      bytesSent: 480,
      details: "via_upstream",
    });
  };
  const results: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const before = process.cpuUsage();
    for (let i = 0; i < iterations; i++) oneRequest(i);
    const used = process.cpuUsage(before);
    results.push((used.user + used.system) / iterations);
  }
  results.sort((a, b) => a - b);
  return results[Math.floor(results.length / 2)] ?? 0;
}
