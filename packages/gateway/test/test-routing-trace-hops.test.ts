// What each component writes into the routing trace for the seed's states, read from each one's own
// side port (/debug/traces): the gateway (admin), the EPP (metrics port), a vLLM pod (admin port).
// The EPP's part travels only there: the ext_proc exchange is the real one.
import { type CertificateAuthority, silentSink } from "@testbed/common";
import type { EppHandle } from "@testbed/epp";
import type { EngineHop, ExtProcHop, RouteHop, SchedulingHop, TracePart, UpstreamHop } from "@testbed/trace";
import { startVllmSim, type VllmSimHandle } from "@testbed/vllm-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GatewayHandle, startGateway } from "../src/gateway.js";
import {
  ISTIO_BASE_FILTER,
  ISTIO_ROUTE_OVERRIDE,
  istioLikeConfig,
  SEED_ROUTE_PATCH_OVERRIDE,
} from "./fixtures/istio-like-config.js";
import { startKserveEpps } from "./fixtures/kserve-epps.js";

let pod: VllmSimHandle;
let ca: CertificateAuthority;
let selfSignedEpp: EppHandle;
let servingEpp: EppHandle;
const gateways: GatewayHandle[] = [];
const CHAT = "/my-first-model/qwen3-0-6b/v1/chat/completions";

beforeAll(async () => {
  pod = await startVllmSim({ port: 0, adminPort: 0, timeScale: 0, log: silentSink });
  const endpoints = pod.url.replace("http://", "");
  ({ ca, selfSignedEpp, servingEpp } = await startKserveEpps(endpoints));
});
afterAll(async () => {
  await Promise.all(gateways.map((g) => g.close()));
  await Promise.all([selfSignedEpp.close(), servingEpp.close(), pod.close()]);
});

async function gateway(epp: EppHandle, routeOverride: Record<string, unknown>, trace = true): Promise<GatewayHandle> {
  const config = istioLikeConfig({
    baseFilter: ISTIO_BASE_FILTER,
    routeOverride,
    epp: epp.grpcAddress,
    pods: [pod.url.replace("http://", "")],
    eppCaPem: ca.certPem,
  });
  const handle = await startGateway(config, { accessLogSink: silentSink, log: silentSink, trace });
  gateways.push(handle);
  return handle;
}

async function chat(handle: GatewayHandle, requestId: string): Promise<number> {
  const response = await fetch(`${Object.values(handle.listenerUrls)[0]}${CHAT}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-request-id": requestId },
    body: JSON.stringify({ model: "Qwen/Qwen3-0.6B", messages: [{ role: "user", content: "Hi" }], max_tokens: 3 }),
  });
  await response.text();
  return response.status;
}

async function parts(base: string | undefined, id: string): Promise<TracePart[]> {
  const response = await fetch(`${base}/debug/traces?id=${id}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { parts: TracePart[] }).parts;
}

const hop = <K extends string>(list: TracePart[], kind: K) =>
  list.flatMap((part) => part.hops).find((h) => h.kind === kind);

describe("the routing trace at each component", () => {
  it("as shipped: the gateway records the body moved into an ext_proc stream that failed TLS, fail-open, 0 bytes upstream", async () => {
    const g = await gateway(selfSignedEpp, ISTIO_ROUTE_OVERRIDE);
    expect(await chat(g, "state-a")).toBe(400);
    const gatewayParts = await parts(g.adminUrl, "state-a");
    const extProc = hop(gatewayParts, "ext_proc") as ExtProcHop;
    expect(extProc.config.requestBodyMode).toBe("FULL_DUPLEX_STREAMED");
    expect(extProc.config.failureModeAllow).toBe(true);
    expect(extProc.streamOpened).toBe(false);
    expect(extProc.streamError).toMatch(/^TLS: certificate signed by unknown authority/);
    expect(extProc).toMatchObject({ requestBody: "moved", outcome: "failed-open", bodyBytesAfter: 0 });
    const upstream = hop(gatewayParts, "upstream") as UpstreamHop;
    expect(upstream).toMatchObject({ requestBodyBytes: 0, status: 400, retries: 0 });
    expect(upstream.lbDecision).toMatch(/^round robin/);
    expect(hop(gatewayParts, "response")).toMatchObject({ status: 400, details: "via_upstream" });
    expect(await parts(selfSignedEpp.metricsUrl.replace("/metrics", ""), "state-a")).toEqual([]);
    const engine = hop(await parts(pod.adminUrl, "state-a"), "engine") as EngineHop;
    expect(engine.status).toBe(400);
    expect(engine.error).toContain("Field required");
  });

  it("the HTTP_ROUTE patch: the stream to `dummy` fails before the body moved, the route's other matches are explained", async () => {
    const g = await gateway(selfSignedEpp, SEED_ROUTE_PATCH_OVERRIDE);
    expect(await chat(g, "state-b")).toBe(200);
    const gatewayParts = await parts(g.adminUrl, "state-b");
    expect(hop(gatewayParts, "ext_proc")).toMatchObject({
      config: { cluster: "dummy" },
      streamError: "Cluster not available",
      requestBody: "kept",
      outcome: "failed-open",
    });
    expect((hop(gatewayParts, "upstream") as UpstreamHop).requestBodyBytes).toBeGreaterThan(0);
    const route = hop(gatewayParts, "route") as RouteHop;
    expect(route.route).toBeDefined();
    for (const miss of route.misses) expect(miss.reason).toMatch(/does not match/);
  });

  it("with the EPP's serving certificate: the EPP records its scores per pod on its metrics port, the gateway the override host", async () => {
    const g = await gateway(servingEpp, ISTIO_ROUTE_OVERRIDE);
    expect(await chat(g, "state-d")).toBe(200);
    const scheduling = hop(
      await parts(servingEpp.metricsUrl.replace("/metrics", ""), "state-d"),
      "scheduling",
    ) as SchedulingHop;
    expect(scheduling.profiles).toHaveLength(1);
    const [profile] = scheduling.profiles;
    expect(profile?.candidates).toHaveLength(1);
    expect(profile?.scorers.length).toBeGreaterThan(0);
    for (const scorer of profile?.scorers ?? []) expect(Object.keys(scorer.scores)).toEqual(profile?.candidates);
    expect(scheduling.headersSet["x-gateway-destination-endpoint"]).toBe(scheduling.picked);
    const gatewayParts = await parts(g.adminUrl, "state-d");
    expect(hop(gatewayParts, "ext_proc")).toMatchObject({ streamOpened: true, outcome: "processed" });
    expect((hop(gatewayParts, "upstream") as UpstreamHop).lbDecision).toContain(`the EPP's pick ${scheduling.picked}`);
    const engine = hop(await parts(pod.adminUrl, "state-d"), "engine") as EngineHop;
    expect(engine).toMatchObject({ status: 200, outputTokens: 3 });
    expect(engine.time.simulatedMs).toBeGreaterThan(0);
  });

  it("records nothing with the trace off", async () => {
    const g = await gateway(servingEpp, ISTIO_ROUTE_OVERRIDE, false);
    expect(await chat(g, "untraced")).toBe(200);
    expect(await parts(g.adminUrl, "untraced")).toEqual([]);
    expect(g.traces.begin("x", 0)).toBeUndefined();
  });
});
