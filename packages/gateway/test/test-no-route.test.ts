// A request no route matches, as Envoy's HTTP connection manager handles it: the filter chain is
// the listener's, so the filters run first (on their base config: there is no route to carry an
// override) and the router answers 404 with response flag NR.
import { eventually, silentSink } from "@testbed/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GatewayHandle, startGateway } from "../src/gateway.js";
import { type EchoUpstream, startEchoUpstream } from "./echo-upstream.js";
import { simpleConfig } from "./fixtures/simple-config.js";
import { startTestProcessor, type TestProcessor } from "./recording-processor.js";

let processor: TestProcessor;
let upstream: EchoUpstream;
let gateway: GatewayHandle;

beforeAll(async () => {
  processor = await startTestProcessor();
  upstream = await startEchoUpstream();
  const config = simpleConfig({
    upstream: [upstream.hostPort],
    processor: processor.address,
    mode: { request_header_mode: "SEND", response_header_mode: "SKIP" },
  });
  // biome-ignore lint/suspicious/noExplicitAny: walking a hand-written bootstrap
  const hcm = (config as any).static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
  const route = hcm.route_config.virtual_hosts[0].routes.find((r: { name: string }) => r.name === "backend-route");
  route.match = { prefix: "/v1/" };
  // The routed path's override turns the filter off: what the processor sees is the base filter's.
  route.typed_per_filter_config = { "envoy.filters.http.ext_proc": { disabled: true } };
  gateway = await startGateway(config, { accessLogSink: silentSink, log: silentSink });
});
afterAll(async () => {
  await gateway.close();
  await processor.close();
  await upstream.close();
});

describe("no route", () => {
  it("the ext_proc filter sees the request on its base config, then the router answers 404 NR route_not_found", async () => {
    processor.received.length = 0;
    const response = await fetch(`${Object.values(gateway.listenerUrls)[0]}/nowhere`, {
      method: "POST",
      body: "hello",
    });
    expect(response.status).toBe(404);
    expect(await response.text()).toBe("");
    expect(processor.received.map((m) => m.request)).toEqual(["request_headers"]);
    const pathHeader = processor.received[0]?.request_headers?.headers?.headers?.find((h) => h.key === ":path");
    expect(Buffer.from(pathHeader?.raw_value ?? "").toString()).toBe("/nowhere");
    const line = await eventually(() => gateway.accessLog.lines.find((l) => l.includes("/nowhere")) ?? false);
    expect(line).toContain(" 404 NR route_not_found ");
    expect(line.trimEnd().endsWith(" -")).toBe(true);
  });

  it("a routed request on the same listener takes its route's override (here: the filter disabled)", async () => {
    processor.received.length = 0;
    const response = await fetch(`${Object.values(gateway.listenerUrls)[0]}/v1/echo`, { method: "POST", body: "hi" });
    expect(response.status).toBe(200);
    await response.text();
    expect(processor.received).toEqual([]);
  });
});

describe("a filter disabled by default (HttpFilter.disabled)", () => {
  let quiet: GatewayHandle;
  beforeAll(async () => {
    const config = simpleConfig({
      upstream: [upstream.hostPort],
      processor: processor.address,
      mode: { request_header_mode: "SEND", response_header_mode: "SKIP" },
    });
    // biome-ignore lint/suspicious/noExplicitAny: walking a hand-written bootstrap
    const hcm = (config as any).static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
    const extProc = hcm.http_filters.find((f: { name: string }) => f.name === "envoy.filters.http.ext_proc");
    extProc.disabled = true;
    const route = hcm.route_config.virtual_hosts[0].routes.find((r: { name: string }) => r.name === "backend-route");
    route.match = { prefix: "/v1/" };
    route.typed_per_filter_config = {
      "envoy.filters.http.ext_proc": {
        "@type": "type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute",
        overrides: {},
      },
    };
    quiet = await startGateway(config, { accessLogSink: silentSink, log: silentSink });
  });
  afterAll(async () => {
    await quiet.close();
  });

  it("does not run on a request no route matches: straight to 404 NR", async () => {
    processor.received.length = 0;
    const response = await fetch(`${Object.values(quiet.listenerUrls)[0]}/nowhere`);
    expect(response.status).toBe(404);
    await response.text();
    expect(processor.received).toEqual([]);
  });

  it("runs on a route whose typed_per_filter_config names it", async () => {
    processor.received.length = 0;
    const response = await fetch(`${Object.values(quiet.listenerUrls)[0]}/v1/echo`, { method: "POST", body: "hi" });
    expect(response.status).toBe(200);
    await response.text();
    expect(processor.received.map((m) => m.request)[0]).toBe("request_headers");
  });
});
