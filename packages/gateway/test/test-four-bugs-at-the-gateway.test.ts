// Bug states A–D of reference/four-bugs-model.md, reproduced at the gateway from hand-written
// Istio-shaped Envoy configs, with four vllm-sim pods and the testbed's EPP, under every Envoy
// release the gateway models. Each state is the previous one plus the seed's fix; the symptoms come
// from Envoy's own per-route merge, FULL_DUPLEX_STREAMED and fail-open — no switch names a bug.
// (State E changes only the EPP's config and vLLM's flags; the journey scenario covers it.)
import { type CertificateAuthority, silentSink } from "@testbed/common";
import type { EppHandle } from "@testbed/epp";
import { startVllmSim, type VllmSimHandle } from "@testbed/vllm-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENVOY_VERSIONS, type EnvoyVersion } from "../src/envoy-version.js";
import { type GatewayHandle, startGateway } from "../src/gateway.js";
import {
  EPP_CLUSTER,
  ISTIO_BASE_FILTER,
  ISTIO_ROUTE_OVERRIDE,
  istioLikeConfig,
  POOL_CLUSTER,
  SEED_HTTP_FILTER_PATCH,
  SEED_ROUTE_PATCH_OVERRIDE,
  SERVICE_CLUSTER,
} from "./fixtures/istio-like-config.js";
import { startKserveEpps } from "./fixtures/kserve-epps.js";

let pods: VllmSimHandle[];
let ca: CertificateAuthority;
let selfSignedEpp: EppHandle;
let servingEpp: EppHandle;
const gateways: GatewayHandle[] = [];

const CHAT = "/my-first-model/qwen3-0-6b/v1/chat/completions";
const chatBody = JSON.stringify({
  model: "Qwen/Qwen3-0.6B",
  messages: [{ role: "user", content: "Hi" }],
  max_tokens: 5,
});

beforeAll(async () => {
  pods = await Promise.all(Array.from({ length: 4 }, () => startVllmSim({ port: 0, timeScale: 0, log: silentSink })));
  const endpoints = pods.map((p) => p.url.replace("http://", "")).join(",");
  ({ ca, selfSignedEpp, servingEpp } = await startKserveEpps(endpoints));
});
afterAll(async () => {
  await Promise.all(gateways.map((g) => g.close()));
  await Promise.all([selfSignedEpp.close(), servingEpp.close(), ...pods.map((p) => p.close())]);
});

async function gateway(
  parts: { baseFilter: Record<string, unknown>; routeOverride: Record<string, unknown> | undefined; epp: EppHandle },
  envoyVersion: EnvoyVersion = "1.34",
) {
  const config = istioLikeConfig({
    ...parts,
    pods: pods.map((p) => p.url.replace("http://", "")),
    epp: parts.epp.grpcAddress,
    eppCaPem: ca.certPem,
  });
  const handle = await startGateway(config, { envoyVersion, accessLogSink: silentSink, log: silentSink });
  gateways.push(handle);
  return handle;
}

function url(handle: GatewayHandle, path: string): string {
  return `${Object.values(handle.listenerUrls)[0]}${path}`;
}

async function chat(handle: GatewayHandle) {
  const response = await fetch(url(handle, CHAT), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: chatBody,
  });
  return {
    status: response.status,
    body: await response.text(),
    marked: response.headers.get("x-went-into-resp-headers"),
  };
}

async function clusterStat(handle: GatewayHandle, cluster: string, stat: string): Promise<number> {
  const text = await (await fetch(`${handle.adminUrl}/clusters`)).text();
  const lines = text
    .split("\n")
    .filter(
      (l) =>
        l.startsWith(`${cluster}::`) && l.endsWith(`::${stat}::${l.split("::").pop()}`) && l.includes(`::${stat}::`),
    );
  return lines.reduce((sum, l) => sum + Number(l.split("::").pop()), 0);
}

/** Which pod served each request, from the access log's %UPSTREAM_HOST%. */
function upstreamHosts(handle: GatewayHandle): string[] {
  return handle.accessLog.lines.filter((l) => l.includes(CHAT)).map((l) => /" "([^"]+)" outbound/.exec(l)?.[1] ?? "-");
}

/** Envoy 1.34 and 1.35 fail open whenever failure_mode_allow says so; from 1.36 not after a FULL_DUPLEX body arrived. */
const FAIL_OPEN_AFTER_BODY = ["1.34", "1.35"] as const;

describe.each(FAIL_OPEN_AFTER_BODY)("the seed's body-losing states at an Envoy %s gateway", (version) => {
  it("A (as shipped): the route's override sends the body FULL_DUPLEX to the EPP, TLS fails after the move — 400 Field required", async () => {
    const g = await gateway(
      { baseFilter: ISTIO_BASE_FILTER, routeOverride: ISTIO_ROUTE_OVERRIDE, epp: selfSignedEpp },
      version,
    );
    const response = await chat(g);
    expect(response.status).toBe(400);
    expect(response.body).toContain("'msg': 'Field required'");
    expect(response.marked).toBeNull();
    const models = await fetch(url(g, "/my-first-model/qwen3-0-6b/v1/models"));
    expect(models.status).toBe(200);
    // The EPP IS contacted — and every handshake fails on its self-signed certificate.
    expect(await clusterStat(g, EPP_CLUSTER, "cx_total")).toBe(1);
    expect(await clusterStat(g, EPP_CLUSTER, "cx_connect_fail")).toBe(1);
    const stats = await (await fetch(`${g.adminUrl}/stats`)).text();
    expect(stats).toContain("http.outbound_0.0.0.0_80.ext_proc.failure_mode_allowed: 1");
    const line = g.accessLog.lines.find((l) => l.includes(CHAT)) ?? "";
    expect(line).toMatch(/"POST \/my-first-model\/qwen3-0-6b\/v1\/chat\/completions HTTP\/1\.1" 400 - via_upstream/);
    expect(line).toContain(POOL_CLUSTER);
    expect(g.accessLog.lines.find((l) => l.includes("/v1/models"))).toContain(SERVICE_CLUSTER);
  });

  it("C (the seed's HTTP_FILTER patch): every request now reaches the EPP and fails TLS — cx_total = cx_connect_fail = 5, POSTs 400", async () => {
    const g = await gateway(
      {
        baseFilter: { ...ISTIO_BASE_FILTER, ...SEED_HTTP_FILTER_PATCH },
        routeOverride: ISTIO_ROUTE_OVERRIDE,
        epp: selfSignedEpp,
      },
      version,
    );
    for (let i = 0; i < 5; i++) {
      const response = await chat(g);
      // Istio's own override is back on the route and wins: FULL_DUPLEX again, so the body is lost again.
      expect(response.status).toBe(400);
      expect(response.marked).toBeNull();
    }
    expect(await clusterStat(g, EPP_CLUSTER, "cx_total")).toBe(5);
    expect(await clusterStat(g, EPP_CLUSTER, "cx_connect_fail")).toBe(5);
    const stats = await (await fetch(`${g.adminUrl}/stats`)).text();
    expect(stats).toContain(`cluster.${EPP_CLUSTER}.ssl.fail_verify_error: 5`);
    // The catch-all route has no override: the patched base filter makes it try the EPP too.
    expect((await fetch(url(g, "/my-first-model/qwen3-0-6b/v1/models"))).status).toBe(200);
    expect(await clusterStat(g, EPP_CLUSTER, "cx_connect_fail")).toBe(6);
  });
});

describe.each(ENVOY_VERSIONS)("the seed's other states at an Envoy %s gateway", (version) => {
  it("B (HTTP_ROUTE patch, body STREAMED): the override lost its grpc_service, `dummy` fails at start — 200, round robin, EPP cx_total 0", async () => {
    const g = await gateway(
      { baseFilter: ISTIO_BASE_FILTER, routeOverride: SEED_ROUTE_PATCH_OVERRIDE, epp: selfSignedEpp },
      version,
    );
    for (let i = 0; i < 40; i++) expect((await chat(g)).status).toBe(200);
    const counts = new Map<string, number>();
    for (const host of upstreamHosts(g)) counts.set(host, (counts.get(host) ?? 0) + 1);
    expect([...counts.values()]).toEqual([10, 10, 10, 10]);
    expect(await clusterStat(g, EPP_CLUSTER, "cx_total")).toBe(0);
    const stats = await (await fetch(`${g.adminUrl}/stats`)).text();
    expect(stats).toContain("http.outbound_0.0.0.0_80.ext_proc.failure_mode_allowed: 40");
  });

  it("D (scheduler --cert-path): TLS succeeds, the EPP routes every request and marks the response", async () => {
    const g = await gateway(
      {
        baseFilter: { ...ISTIO_BASE_FILTER, ...SEED_HTTP_FILTER_PATCH },
        routeOverride: ISTIO_ROUTE_OVERRIDE,
        epp: servingEpp,
      },
      version,
    );
    for (let i = 0; i < 5; i++) {
      const response = await chat(g);
      expect(response.status).toBe(200);
      expect(response.marked).toBe("true");
    }
    expect(await clusterStat(g, EPP_CLUSTER, "cx_connect_fail")).toBe(0);
    expect(await clusterStat(g, EPP_CLUSTER, "rq_total")).toBe(5);
    expect(await clusterStat(g, EPP_CLUSTER, "cx_total")).toBe(1);
  });

  it("the TLS fix alone (no EnvoyFilter) fixes Bugs 1–3: Istio's own override already reaches the EPP", async () => {
    const g = await gateway(
      { baseFilter: ISTIO_BASE_FILTER, routeOverride: ISTIO_ROUTE_OVERRIDE, epp: servingEpp },
      version,
    );
    const response = await chat(g);
    expect(response.status).toBe(200);
    expect(response.marked).toBe("true");
    expect(JSON.parse(response.body).usage.prompt_tokens).toBe(9);
  });
});

describe.each(["1.36", "1.37"] as const)(
  "Envoy %s: fail-open ends once a FULL_DUPLEX body reached the filter (envoy PR #41276)",
  (version) => {
    it("A (as shipped): the TLS failure after the body moved is no longer silent — 500 ext_proc_error_gRPC_error_14", async () => {
      const g = await gateway(
        { baseFilter: ISTIO_BASE_FILTER, routeOverride: ISTIO_ROUTE_OVERRIDE, epp: selfSignedEpp },
        version,
      );
      const response = await chat(g);
      expect(response.status).toBe(500);
      const line = g.accessLog.lines.find((l) => l.includes(CHAT)) ?? "";
      expect(line).toMatch(/ 500 - ext_proc_error_gRPC_error_14\{/);
      // GET has no body in the stream: the catch-all route (base filter SKIP) is untouched.
      expect((await fetch(url(g, "/my-first-model/qwen3-0-6b/v1/models"))).status).toBe(200);
      const stats = await (await fetch(`${g.adminUrl}/stats`)).text();
      expect(stats).not.toContain("ext_proc.failure_mode_allowed: 1");
    });

    it("C (the seed's HTTP_FILTER patch): POSTs answer 500, where 1.34/1.35 lose the body and answer 400", async () => {
      const g = await gateway(
        {
          baseFilter: { ...ISTIO_BASE_FILTER, ...SEED_HTTP_FILTER_PATCH },
          routeOverride: ISTIO_ROUTE_OVERRIDE,
          epp: selfSignedEpp,
        },
        version,
      );
      for (let i = 0; i < 3; i++) expect((await chat(g)).status).toBe(500);
      expect(await clusterStat(g, EPP_CLUSTER, "cx_connect_fail")).toBe(3);
    });
  },
);

describe("a FailClose pool (route failure_mode_allow false) behind the self-signed EPP", () => {
  const failClose = {
    ...ISTIO_ROUTE_OVERRIDE,
    overrides: { ...ISTIO_ROUTE_OVERRIDE.overrides, failure_mode_allow: false },
  };

  it("Envoy 1.34 does not know the per-route field: the base filter's fail-open decides — 400, and a warning names it", async () => {
    const g = await gateway({ baseFilter: ISTIO_BASE_FILTER, routeOverride: failClose, epp: selfSignedEpp }, "1.34");
    expect((await chat(g)).status).toBe(400);
    expect(g.warnings.join("\n")).toContain(
      'typed_per_filter_config["envoy.filters.http.ext_proc"].overrides.failure_mode_allow: unknown to Envoy 1.34',
    );
  });

  it.each(["1.35", "1.36", "1.37"] as const)(
    "Envoy %s honours it: fail-closed, 500 instead of a silent 400",
    async (version) => {
      const g = await gateway({ baseFilter: ISTIO_BASE_FILTER, routeOverride: failClose, epp: selfSignedEpp }, version);
      const response = await chat(g);
      expect(response.status).toBe(500);
      expect(g.warnings).toEqual([]);
      const stats = await (await fetch(`${g.adminUrl}/stats`)).text();
      expect(stats).toContain("http.outbound_0.0.0.0_80.ext_proc.streams_failed: 1");
    },
  );
});
