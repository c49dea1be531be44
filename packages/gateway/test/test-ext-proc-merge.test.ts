// Envoy's ExtProcPerRoute merge (Filter::mergePerRouteConfig), release by release: what a request on
// a route with an override runs with, given Istio's base filter.
import { describe, expect, it } from "vitest";
import type { ExtProcPerRoute, Route, RouteConfiguration } from "../src/config/envoy-types.js";
import { ENVOY_VERSIONS } from "../src/envoy-version.js";
import { readPerRoute } from "../src/ext-proc/ext-proc-config.js";
import { effectiveExtProc, unknownPerRouteFields } from "../src/ext-proc/ext-proc-merge.js";

const base = {
  grpc_service: { envoy_grpc: { cluster_name: "dummy" }, timeout: 10 },
  failure_mode_allow: true,
  processing_mode: { request_header_mode: "SKIP" as const, response_header_mode: "SKIP" as const },
  message_timeout: 1000,
  metadata_options: { receiving_namespaces: { untyped: ["envoy.lb"] } },
};
const istioOverride: ExtProcPerRoute = {
  overrides: {
    grpc_service: { envoy_grpc: { cluster_name: "epp" } },
    failure_mode_allow: false,
    processing_mode: {
      request_header_mode: "SEND",
      response_header_mode: "SEND",
      request_body_mode: "FULL_DUPLEX_STREAMED",
      response_body_mode: "FULL_DUPLEX_STREAMED",
    },
  },
};

describe.each(ENVOY_VERSIONS)("ExtProcPerRoute merge, Envoy %s", (version) => {
  it("a route's metadata_options, read from its typed_per_filter_config, replace the base's namespace lists", () => {
    const route = {
      match: { prefix: "/" },
      route: { cluster: "pool" },
      typed_per_filter_config: {
        "envoy.filters.http.ext_proc": {
          overrides: {
            metadata_options: {
              forwarding_namespaces: { untyped: ["envoy.filters.http.ext_authz"] },
              receiving_namespaces: { untyped: ["envoy.lb", "testbed"] },
            },
          },
        },
      },
    };
    const effective = effectiveExtProc(base, readPerRoute(route as Route, "route r"), version);
    expect(effective.receivingNamespaces).toEqual(["envoy.lb", "testbed"]);
    expect(effective.forwardingNamespaces).toEqual(["envoy.filters.http.ext_authz"]);
    expect(effectiveExtProc(base, undefined, version).forwardingNamespaces).toEqual([]);
  });

  it("the route's processing_mode replaces the base's whole mode: a route un-SKIPs a base filter", () => {
    const effective = effectiveExtProc(base, istioOverride, version);
    expect(effective.enabled).toBe(true);
    expect(effective.mode).toEqual({
      request_header_mode: "SEND",
      response_header_mode: "SEND",
      request_body_mode: "FULL_DUPLEX_STREAMED",
      response_body_mode: "FULL_DUPLEX_STREAMED",
      request_trailer_mode: "SKIP",
      response_trailer_mode: "SKIP",
    });
    expect(effective.baseMode).toMatchObject({ request_header_mode: "SKIP", request_body_mode: "NONE" });
  });

  it("the route's grpc_service replaces the whole service: the EPP cluster, and no timeout when the route sets none", () => {
    const effective = effectiveExtProc(base, istioOverride, version);
    expect(effective.clusterName).toBe("epp");
    expect(effective.grpcTimeoutSeconds).toBeUndefined();
  });

  it("an override without grpc_service (the seed's HTTP_ROUTE patch) keeps the base's `dummy` cluster", () => {
    const routePatch: ExtProcPerRoute = {
      overrides: { processing_mode: { request_header_mode: "SEND", request_body_mode: "STREAMED" } },
    };
    const effective = effectiveExtProc(base, routePatch, version);
    expect(effective).toMatchObject({ enabled: true, clusterName: "dummy", grpcTimeoutSeconds: 10 });
    expect(effective.mode).toMatchObject({
      request_header_mode: "SEND",
      response_header_mode: "SEND",
      request_body_mode: "STREAMED",
      response_body_mode: "NONE",
    });
  });

  it("message_timeout and allow_mode_override stay the base filter's (never per-route)", () => {
    const effective = effectiveExtProc({ ...base, allow_mode_override: true }, istioOverride, version);
    expect(effective.messageTimeoutSeconds).toBe(1000);
    expect(effective.allowModeOverride).toBe(true);
  });

  it("`disabled` turns both directions to SKIP", () => {
    const effective = effectiveExtProc({ ...base, processing_mode: {} }, { disabled: true }, version);
    expect(effective.enabled).toBe(false);
    expect(effective.mode).toMatchObject({ request_header_mode: "SKIP", response_header_mode: "SKIP" });
  });

  it("metadata receiving namespaces: the route's list replaces the base's; unset keeps the base's", () => {
    expect(effectiveExtProc(base, istioOverride, version).receivingNamespaces).toEqual(["envoy.lb"]);
    const withOwn: ExtProcPerRoute = {
      overrides: { metadata_options: { receiving_namespaces: { untyped: ["custom"] } } },
    };
    expect(effectiveExtProc(base, withOwn, version).receivingNamespaces).toEqual(["custom"]);
  });

  it("no override: the base filter as it is (Istio's SKIP/SKIP base never opens a stream)", () => {
    expect(effectiveExtProc(base, undefined, version)).toMatchObject({ enabled: false, clusterName: "dummy" });
  });
});

describe("fail-open with a FULL_DUPLEX_STREAMED body (envoy PR #41276, Filter::failureModeAllow)", () => {
  it.each([
    ["1.34", false],
    ["1.35", false],
    ["1.36", true],
    ["1.37", true],
  ] as const)("Envoy %s: fail-open ends once the body reached the filter: %s", (version, ends) => {
    expect(effectiveExtProc(base, istioOverride, version).failOpenOnlyBeforeFullDuplexBody).toBe(ends);
  });
});

describe("per-route failure_mode_allow (ExtProcOverrides field 8, envoy PR #40014)", () => {
  it("Envoy 1.34 does not know it: the base filter's fail-open applies", () => {
    expect(effectiveExtProc(base, istioOverride, "1.34").failureModeAllow).toBe(true);
  });

  it.each(["1.35", "1.36", "1.37"] as const)("Envoy %s honours the route's value", (version) => {
    expect(effectiveExtProc(base, istioOverride, version).failureModeAllow).toBe(false);
    expect(
      effectiveExtProc({ ...base, failure_mode_allow: false }, { overrides: { failure_mode_allow: true } }, version)
        .failureModeAllow,
    ).toBe(true);
  });

  it("a route config carrying it gets a load warning naming the field on 1.34 only", () => {
    const routeConfig: RouteConfiguration = {
      virtual_hosts: [
        {
          name: "*:80",
          domains: ["*"],
          routes: [
            {
              match: { prefix: "/" },
              typed_per_filter_config: { "envoy.filters.http.ext_proc": { ...istioOverride } },
            },
          ],
        },
      ],
    };
    expect(unknownPerRouteFields(routeConfig, "1.34", "rc")).toEqual([
      'rc.virtual_hosts[0].routes[0].typed_per_filter_config["envoy.filters.http.ext_proc"].overrides.failure_mode_allow: ' +
        "unknown to Envoy 1.34 (ExtProcOverrides field 8 arrived in 1.35), ignored — the filter's own failure_mode_allow applies",
    ]);
    expect(unknownPerRouteFields(routeConfig, "1.35", "rc")).toEqual([]);
  });
});
