import { routeExtProcs } from "@testbed/web";
import { describe, expect, it } from "vitest";

/** A /config_dump with one listener: Istio's base ext_proc filter and three routes. */
function dump(routeOverride: Record<string, unknown>) {
  return {
    configs: [
      {
        "@type": "type.googleapis.com/envoy.admin.v3.ListenersConfigDump",
        dynamic_listeners: [
          {
            name: "0.0.0.0_443",
            active_state: {
              listener: {
                name: "0.0.0.0_443",
                filter_chains: [
                  {
                    filters: [
                      {
                        name: "envoy.filters.network.http_connection_manager",
                        typed_config: {
                          http_filters: [
                            {
                              name: "envoy.filters.http.ext_proc",
                              typed_config: {
                                grpc_service: { envoy_grpc: { cluster_name: "dummy" } },
                                processing_mode: { request_header_mode: "SKIP", response_header_mode: "SKIP" },
                                failure_mode_allow: true,
                              },
                            },
                            { name: "envoy.filters.http.router" },
                          ],
                          route_config: {
                            virtual_hosts: [
                              {
                                routes: [
                                  {
                                    name: "ns.route.1",
                                    match: { path_separated_prefix: "/m/v1/chat/completions" },
                                    typed_per_filter_config: { "envoy.filters.http.ext_proc": routeOverride },
                                  },
                                  { name: "ns.route.2", match: { path_separated_prefix: "/m" } },
                                ],
                              },
                            ],
                          },
                        },
                      },
                    ],
                  },
                ],
              },
            },
          },
        ],
      },
    ],
  };
}

const FDS_TO_EPP = {
  overrides: {
    grpc_service: { envoy_grpc: { cluster_name: "outbound|9002||epp.ns.svc.cluster.local" } },
    failure_mode_allow: false,
    processing_mode: { request_header_mode: "SEND", request_body_mode: "FULL_DUPLEX_STREAMED" },
  },
};

describe("the effective ext_proc per route, from a gateway's /config_dump", () => {
  it("Istio's route override wins per route; the catch-all route keeps the base filter (SKIP: off)", () => {
    const [chat, catchAll] = routeExtProcs("gw", dump(FDS_TO_EPP), "1.34");
    expect(chat).toMatchObject({
      gateway: "gw",
      listener: "0.0.0.0_443",
      route: "ns.route.1",
      match: "path separated prefix /m/v1/chat/completions",
      enabled: true,
      cluster: "outbound|9002||epp.ns.svc.cluster.local",
      requestBodyMode: "FULL_DUPLEX_STREAMED",
      source: "route override",
    });
    expect(catchAll).toMatchObject({ route: "ns.route.2", enabled: false, cluster: "dummy", source: "base filter" });
  });

  it("Envoy 1.34 does not know the per-route failure_mode_allow (the base's true decides); 1.35 honours it", () => {
    expect(routeExtProcs("gw", dump(FDS_TO_EPP), "1.34")[0]?.failureModeAllow).toBe(true);
    expect(routeExtProcs("gw", dump(FDS_TO_EPP), "1.35")[0]?.failureModeAllow).toBe(false);
  });

  it("an override that sets only the processing mode keeps the base filter's cluster (the seed's first fix: dummy)", () => {
    const bodyOnly = { overrides: { processing_mode: { request_header_mode: "SEND", request_body_mode: "STREAMED" } } };
    expect(routeExtProcs("gw", dump(bodyOnly), "1.34")[0]).toMatchObject({
      enabled: true,
      cluster: "dummy",
      requestBodyMode: "STREAMED",
    });
  });

  it("a dump without listeners has no routes", () => {
    expect(routeExtProcs("gw", { configs: [] }, "1.34")).toEqual([]);
    expect(routeExtProcs("gw", null, "1.34")).toEqual([]);
  });
});
