// The seed's production door end to end: gateway → Authorino (API keys) → Limitador (tier request
// limits and token limits) → vLLM, all over the real protocols.
import { eventually, LogBuffer, silentSink } from "@testbed/common";
import { type GatewayHandle, startGateway } from "@testbed/gateway";
import {
  type AuthorinoHandle,
  type LimitadorHandle,
  parseLimitsFile,
  startAuthorino,
  startLimitador,
} from "@testbed/kuadrant";
import { startVllmSim, type VllmSimHandle } from "@testbed/vllm-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { staticCluster } from "../packages/gateway/test/fixtures/simple-config.js";
import { apiKeySecret, maasAuthConfig, SECRETS } from "../packages/kuadrant/test/fixtures/maas-auth.js";

const LIMITS = `
- {namespace: maas-gateway, max_value: 5, seconds: 120, name: free-requests,
   conditions: ['descriptors[0]["limit.requests"] == "1"', 'descriptors[0]["tier"] == "free"'], variables: ['descriptors[0]["userid"]']}
- {namespace: maas-gateway, max_value: 20, seconds: 120, name: premium-requests,
   conditions: ['descriptors[0]["limit.requests"] == "1"', 'descriptors[0]["tier"] == "premium"'], variables: ['descriptors[0]["userid"]']}
- {namespace: maas-gateway, max_value: 100, seconds: 60, name: free-tokens,
   conditions: ['descriptors[0]["limit.tokens"] == "1"', 'descriptors[0]["tier"] == "free"'], variables: ['descriptors[0]["userid"]']}
`;

const authorinoLog = new LogBuffer();
let pod: VllmSimHandle;
let authorino: AuthorinoHandle;
let limitador: LimitadorHandle;
let gateway: GatewayHandle;

const identity = (key: string) => ({
  metadata: {
    descriptor_key: key,
    metadata_key: { key: "envoy.filters.http.ext_authz", path: [{ key: "identity" }, { key: key }] },
  },
});

function config(): Record<string, unknown> {
  return {
    static_resources: {
      listeners: [
        {
          name: "maas-gateway",
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
                          name: "maas",
                          domains: ["*"],
                          routes: [
                            {
                              name: "model",
                              match: { prefix: "/my-first-model/qwen3-0-6b" },
                              route: {
                                cluster: "model",
                                // Istio's form of ReplacePrefixMatch "/" (a prefix_rewrite "/" would leave "//v1/…" in Envoy).
                                regex_rewrite: {
                                  pattern: { regex: "^/my-first-model/qwen3-0-6b(/?)(.*)" },
                                  substitution: "/\\2",
                                },
                                timeout: "0s",
                                rate_limits: [
                                  {
                                    actions: [
                                      { generic_key: { descriptor_key: "limit.requests", descriptor_value: "1" } },
                                      identity("tier"),
                                      identity("userid"),
                                    ],
                                  },
                                  {
                                    apply_on_stream_done: true,
                                    actions: [
                                      { generic_key: { descriptor_key: "limit.tokens", descriptor_value: "1" } },
                                      identity("tier"),
                                      identity("userid"),
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
                        typed_config: { grpc_service: { envoy_grpc: { cluster_name: "authorino" }, timeout: "1s" } },
                      },
                      {
                        name: "envoy.filters.http.ratelimit",
                        typed_config: {
                          domain: "maas-gateway",
                          timeout: "1s",
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
        staticCluster("model", pod.url.replace("http://", ""), false),
        staticCluster("authorino", authorino.address, true),
        staticCluster("limitador", limitador.address, true),
      ],
    },
  };
}

beforeAll(async () => {
  pod = await startVllmSim({ port: 0, timeScale: 0, log: silentSink });
  authorino = await startAuthorino({
    port: 0,
    authConfigs: [maasAuthConfig],
    secrets: SECRETS,
    log: authorinoLog.sink,
  });
  limitador = await startLimitador({
    port: 0,
    limits: parseLimitsFile(LIMITS, "limits.yaml"),
    rateLimitHeaders: "DRAFT_VERSION_03",
    log: silentSink,
  });
  gateway = await startGateway(config(), { accessLogSink: silentSink, log: silentSink });
});
afterAll(async () => {
  await gateway.close();
  await Promise.all([authorino.close(), limitador.close(), pod.close()]);
});

const base = () => Object.values(gateway.listenerUrls)[0] ?? "";
const chat = (key: string | undefined, maxTokens = 5) =>
  fetch(`${base()}/my-first-model/qwen3-0-6b/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({
      model: "Qwen/Qwen3-0.6B",
      messages: [{ role: "user", content: "Hi" }],
      max_tokens: maxTokens,
      ignore_eos: true,
    }),
  });

describe("maas-gateway: API keys, tier limits and token limits", () => {
  it("401 without a key, with Authorino's headers; UAEX in the access log", async () => {
    const response = await chat(undefined);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe('Bearer realm="api-key-users"');
    expect(response.headers.get("x-ext-auth-reason")).toBe("credential not found");
    expect(gateway.accessLog.lines.at(-1)).toContain(" 401 UAEX ");
  });

  it("premium: 20 requests then 429 RL, with X-RateLimit headers on the way", async () => {
    const statuses: number[] = [];
    let remaining: string | null = null;
    for (let i = 0; i < 21; i++) {
      const response = await chat("premium-key-bob-0123456789", 1);
      statuses.push(response.status);
      if (i === 0) remaining = response.headers.get("x-ratelimit-remaining");
      await response.text();
    }
    expect(statuses.slice(0, 20).every((s) => s === 200)).toBe(true);
    expect(statuses[20]).toBe(429);
    const limited = await chat("premium-key-bob-0123456789", 1);
    expect(await limited.text()).toBe("Too Many Requests\n");
    expect(limited.headers.get("x-envoy-ratelimited")).toBe("true");
    expect(remaining).toBe("19");
    expect(gateway.accessLog.lines.at(-1)).toContain(" 429 RL request_rate_limited ");
  });

  it("free: the token budget (100 / min) is spent by usage.total_tokens, and the next request gets 429", async () => {
    const descriptors = [
      {
        entries: [
          { key: "limit.tokens", value: "1" },
          { key: "tier", value: "free" },
          { key: "userid", value: "alice" },
        ],
      },
    ];
    // Usage is reported to Limitador after the response: wait until it has been charged.
    const charged = (atLeast: number) =>
      eventually(() => {
        const used = 100 - (limitador.engine.peek("maas-gateway", descriptors)[0]?.remaining ?? 100);
        return used >= atLeast && used;
      });
    // Each request: 9 prompt + 30 completion = 39 tokens, plus 1 for the pre-check.
    expect((await chat("free-key-alice-0123456789", 30)).status).toBe(200);
    expect(await charged(40)).toBe(40);
    expect((await chat("free-key-alice-0123456789", 30)).status).toBe(200);
    expect(await charged(80)).toBe(80);
    expect((await chat("free-key-alice-0123456789", 30)).status).toBe(200);
    // 81 + 39 = 120: reported usage counts even past the budget, which is now spent.
    expect(await charged(100)).toBe(100);
    expect(limitador.engine.peek("maas-gateway", descriptors)[0]?.used).toBe(120);
    expect((await chat("free-key-alice-0123456789", 30)).status).toBe(429);
  });

  /** A free user's streamed chat (50 tokens, with or without include_usage) and its body. */
  async function streamAs(user: string, includeUsage: boolean): Promise<{ status: number; body: string }> {
    authorino.engine.addSecret(apiKeySecret(user, "free", `free-key-${user}-0123456789`));
    const response = await fetch(`${base()}/my-first-model/qwen3-0-6b/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer free-key-${user}-0123456789` },
      body: JSON.stringify({
        model: "Qwen/Qwen3-0.6B",
        messages: [{ role: "user", content: "Hi" }],
        max_tokens: 50,
        ignore_eos: true,
        stream: true,
        ...(includeUsage ? { stream_options: { include_usage: true } } : {}),
      }),
    });
    return { status: response.status, body: await response.text() };
  }

  /** The tokens charged to a free user's budget, once at least `atLeast` are (usage is reported after the response). */
  function tokensCharged(user: string, atLeast: number): Promise<number> {
    const descriptors = [
      {
        entries: [
          { key: "limit.tokens", value: "1" },
          { key: "tier", value: "free" },
          { key: "userid", value: user },
        ],
      },
    ];
    return eventually(() => {
      const charged = 100 - (limitador.engine.peek("maas-gateway", descriptors)[0]?.remaining ?? 100);
      return charged >= atLeast && charged;
    });
  }

  it("charges a streamed response's usage chunk against the token budget", async () => {
    const response = await streamAs("dave", true);
    expect(response.status).toBe(200);
    expect(response.body).toContain('"total_tokens":59');
    // 1 for the check before the request, 59 reported from the stream's usage chunk.
    expect(await tokensCharged("dave", 60)).toBe(60);
  });

  it("charges a stream without usage as one request (Kuadrant's request-counting fallback), never as free", async () => {
    const response = await streamAs("erin", false);
    expect(response.status).toBe(200);
    expect(response.body).not.toContain("total_tokens");
    // 1 for the check before the request, 1 for the response whose usage could not be read.
    expect(await tokensCharged("erin", 2)).toBe(2);
  });

  it("never writes a key to the gateway's or Authorino's logs", async () => {
    await chat("premium-key-bob-0123456789-but-wrong");
    const logs = [...gateway.accessLog.lines, ...authorinoLog.lines].join("\n");
    expect(logs).toContain(" 401 UAEX ");
    expect(authorinoLog.lines.some((line) => line.includes("the API Key provided is invalid"))).toBe(true);
    expect(logs).not.toContain("key-bob");
    expect(logs).not.toContain("key-alice");
  });

  it("keeps serving when Limitador is down (the ratelimit filter fails open)", async () => {
    await limitador.close();
    expect((await chat("free-key-alice-0123456789", 1)).status).toBe(200);
  });
});
