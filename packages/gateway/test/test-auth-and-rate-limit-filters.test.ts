// The ext_authz and ratelimit filters (the slots Kuadrant's Authorino and Limitador fill) against
// in-test gRPC services: API-key denial, identity metadata flowing into rate-limit descriptors, 429.
import { connect } from "node:net";
import * as grpc from "@grpc/grpc-js";
import { silentSink } from "@testbed/common";
import { authorizationService, rateLimitService, setHeader, toStruct } from "@testbed/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GatewayHandle, startGateway } from "../src/gateway.js";
import { type EchoUpstream, startEchoUpstream } from "./echo-upstream.js";
import { staticCluster } from "./fixtures/simple-config.js";

let upstream: EchoUpstream;
let services: grpc.Server;
let servicesAddress: string;
const hitsByUser = new Map<string, number>();
/** The HTTP attributes of the last Check the in-test authorization service received. */
let lastCheck: { size?: string; body?: string; headers: Record<string, string> } | undefined;
const gateways: GatewayHandle[] = [];

beforeAll(async () => {
  upstream = await startEchoUpstream();
  services = new grpc.Server();
  services.addService(authorizationService().definition, {
    Check(
      call: grpc.ServerUnaryCall<
        { attributes: { request: { http: { headers: Record<string, string>; size?: string; body?: string } } } },
        unknown
      >,
      callback: grpc.sendUnaryData<unknown>,
    ) {
      lastCheck = call.request.attributes.request.http;
      const auth = call.request.attributes.request.http.headers.authorization;
      if (auth === "Bearer slow-key") return; // never answers: the gateway's deadline ends the call
      if (auth !== "Bearer alice-key") {
        callback(null, {
          status: { code: 16 },
          denied_response: {
            status: { code: 401 },
            headers: [
              setHeader("www-authenticate", 'Bearer realm="api-keys"'),
              setHeader("x-ext-auth-reason", "credential not found"),
            ],
          },
        });
        return;
      }
      callback(null, {
        status: { code: 0 },
        ok_response: { headers: [setHeader("x-auth-user", "alice")] },
        dynamic_metadata: toStruct({ identity: { userid: "alice", tier: "free" } }),
      });
    },
  });
  services.addService(rateLimitService().definition, {
    ShouldRateLimit(
      call: grpc.ServerUnaryCall<{ descriptors: Array<{ entries: Array<{ key: string; value: string }> }> }, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ) {
      const user = call.request.descriptors[0]?.entries.find((e) => e.key === "userid")?.value ?? "?";
      const hits = (hitsByUser.get(user) ?? 0) + 1;
      hitsByUser.set(user, hits);
      const remaining = Math.max(0, 2 - hits);
      callback(null, {
        overall_code: hits > 2 ? "OVER_LIMIT" : "OK",
        response_headers_to_add: [{ key: "X-RateLimit-Remaining", value: String(remaining) }],
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    services.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  servicesAddress = `127.0.0.1:${port}`;
});
afterAll(async () => {
  await Promise.all(gateways.map((g) => g.close()));
  services.forceShutdown();
  await upstream.close();
});

function config(
  authzAddress: string,
  rateLimitAddress: string,
  failureModeDeny = false,
  extAuthz: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    admin: { address: { socket_address: { address: "127.0.0.1", port_value: 0 } } },
    static_resources: {
      listeners: [
        {
          name: "maas",
          address: { socket_address: { address: "127.0.0.1", port_value: 0 } },
          filter_chains: [
            {
              filters: [
                {
                  name: "envoy.filters.network.http_connection_manager",
                  typed_config: {
                    stat_prefix: "maas",
                    route_config: {
                      virtual_hosts: [
                        {
                          name: "all",
                          domains: ["*"],
                          routes: [
                            {
                              name: "model",
                              match: { prefix: "/" },
                              route: {
                                cluster: "backend",
                                rate_limits: [
                                  {
                                    actions: [
                                      { generic_key: { descriptor_key: "limit", descriptor_value: "free-requests" } },
                                      {
                                        metadata: {
                                          descriptor_key: "userid",
                                          metadata_key: {
                                            key: "envoy.filters.http.ext_authz",
                                            path: [{ key: "identity" }, { key: "userid" }],
                                          },
                                        },
                                      },
                                    ],
                                  },
                                ],
                              },
                            },
                          ],
                        },
                      ],
                    },
                    http_filters: [
                      {
                        name: "envoy.filters.http.ext_authz",
                        typed_config: {
                          grpc_service: { envoy_grpc: { cluster_name: "authorino" }, timeout: "1s" },
                          transport_api_version: "V3",
                          ...extAuthz,
                        },
                      },
                      {
                        name: "envoy.filters.http.ratelimit",
                        typed_config: {
                          domain: "maas",
                          timeout: "1s",
                          failure_mode_deny: failureModeDeny,
                          rate_limit_service: { grpc_service: { envoy_grpc: { cluster_name: "limitador" } } },
                        },
                      },
                      { name: "envoy.filters.http.router" },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
      clusters: [
        staticCluster("backend", upstream.hostPort, false),
        staticCluster("authorino", authzAddress),
        staticCluster("limitador", rateLimitAddress),
      ],
    },
  };
}

async function gateway(
  authz = servicesAddress,
  rateLimit = servicesAddress,
  failureModeDeny = false,
  extAuthz: Record<string, unknown> = {},
) {
  const g = await startGateway(config(authz, rateLimit, failureModeDeny, extAuthz), {
    accessLogSink: silentSink,
    log: silentSink,
  });
  gateways.push(g);
  return g;
}

const get = (g: GatewayHandle, key?: string) =>
  fetch(`${Object.values(g.listenerUrls)[0]}/v1/models`, { headers: key ? { authorization: `Bearer ${key}` } : {} });

describe("ext_authz and ratelimit filters", () => {
  it("denies a request without a valid key with the service's 401 and headers, flagged UAEX", async () => {
    const g = await gateway();
    const response = await get(g);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe('Bearer realm="api-keys"');
    expect(response.headers.get("x-ext-auth-reason")).toBe("credential not found");
    expect(g.accessLog.lines.at(-1)).toContain(" 401 UAEX ext_authz_denied ");
  });

  it("passes a valid key with the identity's headers, counts it under its userid, and answers 429 RL over the limit", async () => {
    const g = await gateway();
    const first = await get(g, "alice-key");
    expect(first.status).toBe(200);
    expect(((await first.json()) as { headers: Record<string, string> }).headers["x-auth-user"]).toBe("alice");
    expect(first.headers.get("x-ratelimit-remaining")).toBe("1");
    expect((await get(g, "alice-key")).status).toBe(200);
    const limited = await get(g, "alice-key");
    expect(limited.status).toBe(429);
    expect(g.accessLog.lines.at(-1)).toContain(" 429 RL request_rate_limited ");
    expect(hitsByUser.get("alice")).toBe(3);
  });

  it("writes each decision into the routing trace: the identity Authorino returned, the descriptors Limitador counted", async () => {
    const g = await gateway();
    expect((await get(g)).status).toBe(401);
    const [denied] = g.traces.parts({ last: 1 });
    expect(denied?.hops.find((hop) => hop.kind === "ext_authz")).toMatchObject({ result: "denied", status: 401 });
    expect(denied?.hops.some((hop) => hop.kind === "ratelimit")).toBe(false);
    // alice is over her limit by now (the test before spent it).
    expect((await get(g, "alice-key")).status).toBe(429);
    const [limited] = g.traces.parts({ last: 1 });
    expect(limited?.hops.find((hop) => hop.kind === "ext_authz")).toMatchObject({
      result: "allowed",
      identity: { "identity.userid": "alice", "identity.tier": "free" },
    });
    expect(limited?.hops.find((hop) => hop.kind === "ratelimit")).toMatchObject({
      domain: "maas",
      overallCode: "OVER_LIMIT",
      descriptors: [
        [
          { key: "limit", value: "free-requests" },
          { key: "userid", value: "alice" },
        ],
      ],
    });
    expect(limited?.hops.at(-1)).toMatchObject({ kind: "response", status: 429, responseFlags: "RL" });
  });

  it("answers 403 UAEX when the authorization service is unreachable, and lets requests through when the limiter is", async () => {
    const noAuthz = await gateway("127.0.0.1:1");
    const denied = await get(noAuthz, "alice-key");
    expect(denied.status).toBe(403);
    expect(noAuthz.accessLog.lines.at(-1)).toContain(" 403 UAEX ext_authz_error ");
    hitsByUser.clear();
    const noLimiter = await gateway(servicesAddress, "127.0.0.1:1");
    expect((await get(noLimiter, "alice-key")).status).toBe(200);
  });

  it("a Check past the grpc_service timeout: 403 UAEX, counted as a timeout on the service's cluster", async () => {
    const g = await gateway();
    const response = await get(g, "slow-key");
    expect(response.status).toBe(403);
    expect(g.accessLog.lines.at(-1)).toContain(" 403 UAEX ext_authz_error ");
    const stats = await (await fetch(`${g.adminUrl}/stats`)).text();
    expect(stats).toContain("cluster.authorino.upstream_rq_timeout: 1");
    expect(stats).toContain("cluster.authorino.upstream_rq_active: 0");
    const clusters = await (await fetch(`${g.adminUrl}/clusters`)).text();
    expect(clusters).toMatch(/authorino::127\.0\.0\.1:\d+::rq_timeout::1/);
  });

  it("answers 500 RLSE when the limiter is unreachable and failure_mode_deny is set", async () => {
    const strict = await gateway(servicesAddress, "127.0.0.1:1", true);
    expect((await get(strict, "alice-key")).status).toBe(500);
    expect(strict.accessLog.lines.at(-1)).toContain(" 500 RLSE rate_limiter_error ");
  });

  it("refuses a request on its headers, before its body: a declared 99999999999-byte body gets its 401 at once, then the connection closes", async () => {
    const g = await gateway();
    const { port, hostname } = new URL(Object.values(g.listenerUrls)[0] as string);
    const head = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => {
        socket.write(
          "POST /v1/chat/completions HTTP/1.1\r\nhost: maas\r\ncontent-type: application/json\r\ncontent-length: 99999999999\r\n\r\n{",
        );
      });
      let received = "";
      socket.on("data", (chunk) => {
        received += chunk;
      });
      socket.on("close", () => resolve(received));
      socket.on("error", reject);
    });
    expect(head).toMatch(/^HTTP\/1\.1 401 /);
    expect(head.toLowerCase()).toContain("connection: close");
    expect(lastCheck?.size).toBe("0");
    expect(lastCheck?.body ?? "").toBe("");
  });

  it("with_request_body: the Check carries up to max_request_bytes and x-envoy-auth-partial-body; over the limit without allow_partial_message, 413", async () => {
    const post = (g: GatewayHandle, body: string) =>
      fetch(`${Object.values(g.listenerUrls)[0]}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: "Bearer alice-key", "x-envoy-auth-partial-body": "forged" },
        body,
      });
    const partial = await gateway(servicesAddress, servicesAddress, false, {
      with_request_body: { max_request_bytes: 8, allow_partial_message: true },
    });
    expect((await post(partial, "0123456789abcdef")).status).toBe(200);
    expect(lastCheck?.body).toBe("01234567");
    expect(lastCheck?.size).toBe("16");
    expect(lastCheck?.headers["x-envoy-auth-partial-body"]).toBe("true");
    expect((await post(partial, "0123")).status).toBe(200);
    expect(lastCheck?.headers["x-envoy-auth-partial-body"]).toBe("false");

    const whole = await gateway(servicesAddress, servicesAddress, false, {
      with_request_body: { max_request_bytes: 8 },
    });
    lastCheck = undefined;
    const tooLarge = await post(whole, "0123456789abcdef");
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.text()).toBe("Payload Too Large");
    expect(lastCheck).toBeUndefined();
    expect(whole.accessLog.lines.at(-1)).toContain(" 413 - request_payload_too_large ");
  });

  it("answers 413 at once when an authenticated request declares a body over what the gateway holds, and when a chunked body grows over it", async () => {
    hitsByUser.clear();
    const g = await gateway();
    const { port, hostname } = new URL(Object.values(g.listenerUrls)[0] as string);
    const exchange = (head: string, stream: boolean) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), hostname, () => {
          socket.write(head);
          if (!stream) return;
          // A chunked body, 1 MiB per chunk, until the gateway answers (it stops reading past its limit).
          const size = 1024 * 1024;
          const frame = Buffer.concat([
            Buffer.from(`${size.toString(16)}\r\n`),
            Buffer.alloc(size, 97),
            Buffer.from("\r\n"),
          ]);
          const pump = () => {
            while (!socket.destroyed && received === "") if (!socket.write(frame)) break;
          };
          socket.on("drain", pump);
          pump();
        });
        let received = "";
        socket.on("data", (data) => {
          received += data;
        });
        socket.on("close", () => resolve(received));
        socket.on("error", (error: NodeJS.ErrnoException) =>
          ["EPIPE", "ECONNRESET"].includes(error.code ?? "") ? resolve(received) : reject(error),
        );
      });
    const declared = await exchange(
      "POST /v1/chat/completions HTTP/1.1\r\nhost: maas\r\nauthorization: Bearer alice-key\r\ncontent-length: 99999999999\r\n\r\n{",
      false,
    );
    expect(declared).toMatch(/^HTTP\/1\.1 413 /);
    expect(declared).toContain("Payload Too Large");
    const chunked = await exchange(
      "POST /v1/chat/completions HTTP/1.1\r\nhost: maas\r\nauthorization: Bearer alice-key\r\ntransfer-encoding: chunked\r\n\r\n",
      true,
    );
    expect(chunked).toMatch(/^HTTP\/1\.1 413 /);
    expect(g.accessLog.lines.at(-1)).toContain(" 413 - request_payload_too_large ");
  }, 30_000);
});
