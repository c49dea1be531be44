// The ext_proc filter as Envoy 1.34–1.37 runs it, at the gateway: failure handling and its stats,
// the per-version differences, the response code details, and what the config reader accepts.
import { silentSink } from "@testbed/common";
import { type ProcessingResponse, requestBodyResponse, requestHeadersResponse } from "@testbed/protocol";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { EnvoyVersion } from "../src/envoy-version.js";
import { EXT_PROC_STAT_NAMES } from "../src/ext-proc/ext-proc-stats.js";
import { type GatewayHandle, startGateway } from "../src/gateway.js";
import { type EchoUpstream, startEchoUpstream } from "./echo-upstream.js";
import { EPP_PROCESSING_MODE, simpleConfig } from "./fixtures/simple-config.js";
import { type ScriptedGrpcProcessor, startScriptedGrpcProcessor } from "./scripted-grpc-processor.js";

let processor: ScriptedGrpcProcessor;
let upstream: EchoUpstream;
const gateways: GatewayHandle[] = [];

beforeAll(async () => {
  processor = await startScriptedGrpcProcessor();
  upstream = await startEchoUpstream();
});
beforeEach(() => {
  processor.received.length = 0;
});
afterAll(async () => {
  await Promise.all(gateways.map((g) => g.close()));
  await processor.close();
  await upstream.close();
});

/** simpleConfig with the ext_proc filter's typed_config extended by `extra`. */
function configWith(extra: Record<string, unknown>, mode: Record<string, string>, failureModeAllow = false) {
  const config = simpleConfig({ upstream: [upstream.hostPort], processor: processor.address, mode, failureModeAllow });
  type Hcm = { http_filters: Array<{ typed_config: Record<string, unknown> }> };
  const resources = config.static_resources as {
    listeners: Array<{ filter_chains: Array<{ filters: Array<{ typed_config: Hcm }> }> }>;
  };
  const hcm = resources.listeners[0]?.filter_chains[0]?.filters[0]?.typed_config;
  if (hcm?.http_filters[0]) Object.assign(hcm.http_filters[0].typed_config, extra);
  return config;
}

async function gatewayWith(
  options: {
    extra?: Record<string, unknown>;
    mode?: Record<string, string>;
    allow?: boolean;
    version?: EnvoyVersion;
  } = {},
): Promise<GatewayHandle> {
  const g = await startGateway(
    configWith(options.extra ?? {}, options.mode ?? { request_header_mode: "SEND" }, options.allow),
    {
      accessLogSink: silentSink,
      log: silentSink,
      ...(options.version ? { envoyVersion: options.version } : {}),
    },
  );
  gateways.push(g);
  return g;
}

async function post(g: GatewayHandle, body: string) {
  const response = await fetch(`${Object.values(g.listenerUrls)[0]}/v1/echo`, { method: "POST", body });
  const text = await response.text();
  return { status: response.status, text, echoed: response.status === 200 ? JSON.parse(text) : undefined };
}

async function extProcStats(g: GatewayHandle): Promise<Record<string, number>> {
  const text = await (await fetch(`${g.adminUrl}/stats`)).text();
  const stats: Record<string, number> = {};
  for (const match of text.matchAll(/^http\.test\.ext_proc\.(\w+): (\d+)$/gm)) stats[match[1] ?? ""] = Number(match[2]);
  return stats;
}

/** The access log line's response code details (after the status and the response flags). */
const details = (g: GatewayHandle) => (g.accessLog.lines.at(-1) ?? "").split(" ")[6];

/** The EPP's request side (full duplex, trailers SEND), nothing on the response side. */
const REQUEST_FULL_DUPLEX = {
  ...EPP_PROCESSING_MODE,
  response_header_mode: "SKIP",
  response_body_mode: "NONE",
  response_trailer_mode: "SKIP",
};

describe("ext_proc failure handling", () => {
  it("fail open on a gRPC error counts streams_failed, failure_mode_allowed and streams_closed", async () => {
    processor.script = () => "error";
    const g = await gatewayWith({ allow: true });
    expect((await post(g, "kept")).echoed.body).toBe("kept");
    expect(await extProcStats(g)).toMatchObject({ streams_failed: 1, failure_mode_allowed: 1, streams_closed: 1 });
  });

  it.each([
    ["1.34", 200, ""],
    ["1.35", 200, ""],
    ["1.36", 500, "ext_proc_error_gRPC_error_13{processor_exploded}"],
    ["1.37", 500, "ext_proc_error_gRPC_error_13{processor_exploded}"],
  ] as const)(
    "Envoy %s: a full-duplex stream failing after the body moved, failure_mode_allow → %i",
    async (version, status, text) => {
      processor.script = (message) => (message.request === "request_body" ? "error" : []);
      const g = await gatewayWith({ mode: REQUEST_FULL_DUPLEX, allow: true, version });
      const response = await post(g, '{"model":"m"}');
      expect(response.status).toBe(status);
      // Fail open goes upstream without the body: it was moved into the failed stream.
      if (status === 200) expect(response.echoed.body).toBe("");
      else expect(details(g)).toBe(text);
    },
  );

  it.each([
    ["1.34", 200, { spurious_msgs_received: 1, failure_mode_allowed: 1 }],
    ["1.35", 500, { spurious_msgs_received: 1, failure_mode_allowed: 0 }],
  ] as const)("Envoy %s: a spurious answer, failure_mode_allow false → %i", async (version, status, counted) => {
    // A body answer to the headers message.
    processor.script = () => [requestBodyResponse()];
    const g = await gatewayWith({ version });
    const response = await post(g, "kept");
    expect(response.status).toBe(status);
    if (status === 500) expect(details(g)).toBe("spurious_message");
    else expect(response.echoed.body).toBe("kept");
    expect(await extProcStats(g)).toMatchObject(counted);
  });

  it("a header mutation Envoy cannot apply answers 500 with its reason as the details", async () => {
    processor.script = () => [
      {
        request_headers: {
          response: {
            header_mutation: { set_headers: [{ header: { key: "x-a", raw_value: Buffer.from("a\r\nb") } }] },
          },
        },
      },
    ];
    const g = await gatewayWith({});
    expect((await post(g, "x")).status).toBe(500);
    expect(details(g)).toBe("Invalid_character_in_set_headers_mutation.");
    expect(await extProcStats(g)).toMatchObject({ rejected_header_mutations: 1, stream_msgs_received: 1 });
  });

  it("status_on_error sets the fail-closed status from Envoy 1.36; 1.34 does not know the field", async () => {
    processor.script = () => "error";
    const current = await gatewayWith({ extra: { status_on_error: { code: 503 } }, version: "1.36" });
    expect((await post(current, "x")).status).toBe(503);
    const old = await gatewayWith({ extra: { status_on_error: { code: 503 } }, version: "1.34" });
    expect((await post(old, "x")).status).toBe(500);
    expect(
      old.warnings.some((w) =>
        w.endsWith("typed_config.status_on_error: unknown field in Envoy 1.34 (added in 1.36), ignored"),
      ),
    ).toBe(true);
  });
});

describe("ext_proc answers at the gateway", () => {
  it("sends request_attributes and response_attributes with the first message of their direction", async () => {
    processor.script = (message) =>
      message.request === "request_headers"
        ? [requestHeadersResponse()]
        : [{ response_headers: { response: {} } } as ProcessingResponse];
    const g = await gatewayWith({
      extra: { request_attributes: ["request.path", "request.method"], response_attributes: ["response.code"] },
      mode: { request_header_mode: "SEND", response_header_mode: "SEND" },
    });
    await post(g, "x");
    const [requestSide, responseSide] = processor.received.map((m) => m.attributes?.["envoy.filters.http.ext_proc"]);
    expect(requestSide?.fields).toMatchObject({
      "request.path": { stringValue: "/v1/echo" },
      "request.method": { stringValue: "POST" },
    });
    expect(Object.keys(requestSide?.fields ?? {})).toEqual(["request.path", "request.method"]);
    expect(responseSide?.fields).toMatchObject({ "response.code": { numberValue: 200 } });
  });

  it("lists Envoy's full ext_proc stats set in /stats", async () => {
    const g = await gatewayWith({});
    expect(Object.keys(await extProcStats(g)).sort()).toEqual([...EXT_PROC_STAT_NAMES].sort());
  });
});

describe("the ext_proc config as Envoy reads it", () => {
  it.each([
    [
      { disable_clear_route_cache: true, route_cache_action: "RETAIN" },
      "disable_clear_route_cache and route_cache_action can not be set to none-default at the same time.",
    ],
    [{ message_timeout: "7200s" }, "typed_config.message_timeout: value must be inside range [0s, 1h0m0s]"],
    [{ route_cache_action: "SOMETIMES" }, "typed_config.route_cache_action: must be one of DEFAULT, CLEAR, RETAIN"],
    [{ grpc_service: undefined }, "One and only one of grpc_service or http_service must be configured"],
  ])("rejects %j with the field's path", async (extra, message) => {
    await expect(startGateway(configWith(extra, {}), { log: silentSink, accessLogSink: silentSink })).rejects.toThrow(
      message,
    );
  });

  it("warns about every ExternalProcessor field it does not model, naming it", async () => {
    const g = await gatewayWith({
      extra: {
        observability_mode: true,
        forward_rules: {},
        deferred_close_timeout: "1s",
        grpc_service: { envoy_grpc: { cluster_name: "processor" }, retry_policy: {} },
      },
    });
    for (const field of ["observability_mode", "forward_rules", "deferred_close_timeout", "grpc_service.retry_policy"])
      expect(g.warnings.some((w) => w.includes(`typed_config.${field}: not modelled`))).toBe(true);
  });
});
