// The per-route merge rule the seed's Bugs 1 and 2 hinge on.
import { describe, expect, it } from "vitest";
import { effectiveExtProc } from "../src/ext-proc/ext-proc-merge.js";

const base = {
  grpc_service: { envoy_grpc: { cluster_name: "dummy" } },
  failure_mode_allow: true,
  processing_mode: { request_header_mode: "SKIP" as const, response_header_mode: "SKIP" as const },
  message_timeout: 1000,
};
const route = {
  overrides: {
    grpc_service: { envoy_grpc: { cluster_name: "epp" } },
    processing_mode: {
      request_header_mode: "SEND" as const,
      response_header_mode: "SEND" as const,
      request_body_mode: "FULL_DUPLEX_STREAMED" as const,
      response_body_mode: "FULL_DUPLEX_STREAMED" as const,
    },
  },
};

describe("ExtProcPerRoute merge", () => {
  it("ossm-3.2: fields the base sets win (SKIP, dummy); fields it leaves default come from the route (body FULL_DUPLEX)", () => {
    const effective = effectiveExtProc(base, route, "ossm-3.2");
    expect(effective.clusterName).toBe("dummy");
    expect(effective.mode.request_header_mode).toBe("SKIP");
    expect(effective.mode.request_body_mode).toBe("FULL_DUPLEX_STREAMED");
    expect(effective.enabled).toBe(true);
  });

  it("upstream Envoy: the route's processing_mode replaces the whole mode and its grpc_service the cluster", () => {
    const effective = effectiveExtProc(base, route, "upstream");
    expect(effective.clusterName).toBe("epp");
    expect(effective.mode).toMatchObject({ request_header_mode: "SEND", request_body_mode: "FULL_DUPLEX_STREAMED" });
  });

  it("a base filter that sets everything (the seed's HTTP_FILTER merge) wins in ossm-3.2", () => {
    const fixed = {
      ...base,
      grpc_service: { envoy_grpc: { cluster_name: "epp" } },
      processing_mode: {
        request_header_mode: "SEND" as const,
        response_header_mode: "SEND" as const,
        request_body_mode: "STREAMED" as const,
      },
    };
    const effective = effectiveExtProc(fixed, route, "ossm-3.2");
    expect(effective.mode.request_body_mode).toBe("STREAMED");
    expect(effective.mode.response_body_mode).toBe("FULL_DUPLEX_STREAMED");
    expect(effective.clusterName).toBe("epp");
  });

  it("with nothing to send (SKIP headers, NONE bodies) the filter is off; `disabled` turns it off too", () => {
    expect(effectiveExtProc(base, undefined, "ossm-3.2").enabled).toBe(false);
    expect(effectiveExtProc({ ...base, processing_mode: {} }, { disabled: true }, "upstream").enabled).toBe(false);
  });

  it("uses Envoy's defaults: headers SEND, bodies NONE, trailers SKIP, message_timeout 200 ms", () => {
    const effective = effectiveExtProc({ grpc_service: { envoy_grpc: { cluster_name: "p" } } }, undefined, "upstream");
    expect(effective.mode).toEqual({
      request_header_mode: "SEND",
      response_header_mode: "SEND",
      request_body_mode: "NONE",
      response_body_mode: "NONE",
      request_trailer_mode: "SKIP",
      response_trailer_mode: "SKIP",
    });
    expect(effective.messageTimeoutSeconds).toBe(0.2);
    expect(effective.failureModeAllow).toBe(false);
  });
});
