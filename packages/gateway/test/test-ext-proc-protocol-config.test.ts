// What the processor is told on a stream's first message (ProcessingRequest.protocol_config), and
// which base filters a release refuses to load, Envoy release by Envoy release.
import { silentSink } from "@testbed/common";
import { describe, expect, it } from "vitest";
import { GatewayConfigError } from "../src/config/config-error.js";
import type { HttpFilter } from "../src/config/envoy-types.js";
import { ENVOY_VERSIONS, type EnvoyVersion, envoyAtLeast } from "../src/envoy-version.js";
import { readExternalProcessor } from "../src/ext-proc/ext-proc-config.js";
import { type GatewayHandle, startGateway } from "../src/gateway.js";
import { processorBench } from "./fixtures/processor-bench.js";
import { EPP_PROCESSING_MODE, simpleConfig } from "./fixtures/simple-config.js";

const bench = processorBench();
const { gateways } = bench;

/**
 * A base filter that sends request headers only, and a route whose override also buffers the
 * request body: the two releases disagree on which of them protocol_config describes.
 */
async function gatewayWithRouteOverride(envoyVersion: EnvoyVersion): Promise<GatewayHandle> {
  const config = simpleConfig({
    upstream: [bench.upstream.hostPort],
    processor: bench.processor.address,
    mode: { request_header_mode: "SEND", response_header_mode: "SKIP" },
  });
  backendRoute(config).typed_per_filter_config = {
    "envoy.filters.http.ext_proc": {
      "@type": "type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute",
      overrides: {
        processing_mode: { request_header_mode: "SEND", response_header_mode: "SKIP", request_body_mode: "BUFFERED" },
      },
    },
  };
  const g = await startGateway(config, { envoyVersion, accessLogSink: silentSink, log: silentSink });
  gateways.push(g);
  return g;
}

function backendRoute(config: Record<string, unknown>): Record<string, unknown> {
  // biome-ignore lint/suspicious/noExplicitAny: walking a hand-written bootstrap
  const hcm = (config as any).static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
  return hcm.route_config.virtual_hosts[0].routes.find((r: { name: string }) => r.name === "backend-route");
}

describe.each(ENVOY_VERSIONS)("protocol_config, Envoy %s", (version) => {
  it("is on the first message only, and names the base's or the route's body modes as the release does", async () => {
    const g = await gatewayWithRouteOverride(version);
    const response = await fetch(`${Object.values(g.listenerUrls)[0]}/v1/echo`, { method: "POST", body: "hello" });
    expect(response.status).toBe(200);
    await response.text();
    // The route's override is what runs in every release: headers, then the buffered body.
    expect(bench.processor.received.map((m) => m.request)).toEqual(["request_headers", "request_body"]);
    const [first, second] = bench.processor.received;
    expect(first?.protocol_config).toBeDefined();
    expect(second?.protocol_config).toBeUndefined();
    if (envoyAtLeast(version, "1.35")) {
      // decoding_state_.bodyMode() after mergePerRouteConfig: the route's BUFFERED.
      expect(first?.protocol_config).toEqual({ request_body_mode: "BUFFERED" });
    } else {
      // The filter's own processing_mode: bodies NONE, which proto3 leaves off the wire.
      expect(first?.protocol_config).toEqual({});
    }
  });
});

describe("FULL_DUPLEX_STREAMED with failure_mode_allow on the base filter", () => {
  const filter = (failureModeAllow: boolean): HttpFilter => ({
    name: "envoy.filters.http.ext_proc",
    typed_config: {
      "@type": "type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor",
      grpc_service: { envoy_grpc: { cluster_name: "epp" } },
      failure_mode_allow: failureModeAllow,
      processing_mode: EPP_PROCESSING_MODE,
    },
  });

  it.each(ENVOY_VERSIONS)("Envoy %s loads it only if it is not 1.35.0", (version) => {
    const read = () => readExternalProcessor(filter(true), "http_filters[0]", version);
    if (version === "1.35.0") {
      expect(read).toThrow(
        new GatewayConfigError(
          "http_filters[0].typed_config.failure_mode_allow",
          "If the ext_proc filter has either the request_body_mode or the response_body_mode set to FULL_DUPLEX_STREAMED, then the failure_mode_allow has to be left as false",
        ),
      );
    } else {
      expect(read().failure_mode_allow).toBe(true);
    }
    // Fail-closed full duplex loads everywhere.
    expect(readExternalProcessor(filter(false), "http_filters[0]", version).failure_mode_allow).toBe(false);
  });

  it("a 1.35.0 gateway refuses such a bootstrap at start, naming the field; 1.35 (1.35.1+) starts", async () => {
    const config = () =>
      simpleConfig({
        upstream: [bench.upstream.hostPort],
        processor: bench.processor.address,
        mode: EPP_PROCESSING_MODE,
        failureModeAllow: true,
      });
    await expect(
      startGateway(config(), { envoyVersion: "1.35.0", accessLogSink: silentSink, log: silentSink }),
    ).rejects.toThrow(/typed_config\.failure_mode_allow: If the ext_proc filter has either/);
    const g = await startGateway(config(), { envoyVersion: "1.35", accessLogSink: silentSink, log: silentSink });
    gateways.push(g);
    expect(g.warnings).toEqual([]);
  });
});
