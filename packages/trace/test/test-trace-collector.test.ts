import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { TraceCollector } from "../src/trace-collector.js";
import { answerTraceParts } from "../src/trace-parts-endpoint.js";
import { TraceRing } from "../src/trace-ring.js";
import { startTraceServer, type TraceServerHandle } from "../src/trace-server.js";
import { traceTargets } from "../src/trace-targets.js";

const servers: Server[] = [];
let traceServer: TraceServerHandle | undefined;
afterEach(async () => {
  await traceServer?.close();
  traceServer = undefined;
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

/** A component's side port: its ring at /debug/traces on 127.0.0.1:0. */
async function component(ring: TraceRing): Promise<string> {
  const server = createServer((request, response) => {
    const answer = answerTraceParts(ring, request.method ?? "GET", request.url ?? "/");
    if (!answer) return response.writeHead(404).end();
    response.writeHead(answer.status, { "content-type": answer.contentType }).end(answer.body);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function gatewayRing(): TraceRing {
  const ring = new TraceRing("gateway", "127.0.0.1:15000");
  const part = ring.begin("req-1", 100);
  part?.hop({
    kind: "response",
    component: part.component,
    time: { wallStartMs: 100, wallMs: 3 },
    status: 400,
    responseFlags: "-",
    bodyBytes: 9,
  });
  ring.begin("req-2", 200);
  return ring;
}

describe("the collector", () => {
  it("pulls each component's parts over HTTP and names them after the pod the cluster knows", async () => {
    const address = await component(gatewayRing());
    const collector = new TraceCollector(() => [{ address, name: "gateway-pod-0" }]);
    const { traces, unreachable } = await collector.collect({ id: "req-1" });
    expect(unreachable).toEqual([]);
    expect(traces).toHaveLength(1);
    expect(traces[0]?.sources).toEqual(["gateway:gateway-pod-0"]);
    expect(traces[0]?.hops[0]?.component).toBe("gateway-pod-0");
  });

  it("reports a component that does not answer and still merges the others", async () => {
    const address = await component(gatewayRing());
    const collector = new TraceCollector(() => [
      { address, name: "gw" },
      { address: "127.0.0.1:1", name: "gone" },
    ]);
    const { traces, unreachable } = await collector.collect({ last: 5 });
    expect(traces.map((trace) => trace.requestId)).toEqual(["req-2", "req-1"]);
    expect(unreachable.map((entry) => entry.address)).toEqual(["127.0.0.1:1"]);
  });

  it("finds gateway, EPP and vLLM pods by their labels and ports, skipping pods without an IP", () => {
    const targets = traceTargets([
      {
        metadata: { name: "gw", labels: { "gateway.networking.k8s.io/gateway-name": "g" } },
        status: { podIP: "10.0.0.1" },
      },
      { metadata: { name: "decode", labels: { "llm-d.ai/role": "decode" } }, status: { podIP: "10.0.0.2" } },
      {
        metadata: { name: "epp" },
        spec: { containers: [{ name: "main", ports: [{ name: "metrics", containerPort: 9090 }] }] },
        status: { podIP: "10.0.0.3" },
      },
      { metadata: { name: "pending", labels: { "llm-d.ai/role": "decode" } } },
      { metadata: { name: "other" }, status: { podIP: "10.0.0.4" } },
    ]);
    expect(targets).toEqual([
      { address: "10.0.0.2:8100", name: "decode" },
      { address: "10.0.0.3:9090", name: "epp" },
      { address: "10.0.0.1:15000", name: "gw" },
    ]);
  });
});

describe("the testbed's trace endpoint", () => {
  it("answers /api/traces with merged traces, and refuses a bad query, a missing token and other paths", async () => {
    const address = await component(gatewayRing());
    const collector = new TraceCollector(() => [{ address, name: "gw" }]);
    traceServer = await startTraceServer({ collector, token: "secret" });
    const get = (path: string, token = "secret") =>
      fetch(`${traceServer?.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    const ok = await get("/api/traces?last=1");
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { traces: { requestId: string }[] };
    expect(body.traces.map((trace) => trace.requestId)).toEqual(["req-2"]);
    expect((await get("/api/traces?last=zero")).status).toBe(400);
    expect(await (await get("/api/traces?last=-1")).json()).toEqual({
      error: 'last must be a positive integer, got "-1"',
    });
    expect((await get("/api/traces", "wrong")).status).toBe(401);
    expect((await get("/elsewhere")).status).toBe(404);
  });
});
