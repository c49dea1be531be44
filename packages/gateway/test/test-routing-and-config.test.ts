import { silentSink } from "@testbed/common";
import { afterAll, describe, expect, it } from "vitest";
import { GatewayConfigError } from "../src/config/config-error.js";
import { readGatewayConfig } from "../src/config/config-reader.js";
import { startGateway } from "../src/gateway.js";
import { rewrittenPath } from "../src/routing/path-rewrite.js";
import { RouteTable } from "../src/routing/route-table.js";
import { startEchoUpstream } from "./echo-upstream.js";
import { simpleConfig } from "./fixtures/simple-config.js";

describe("route matching", () => {
  const table = new RouteTable({
    virtual_hosts: [
      {
        name: "api",
        domains: ["api.example.com"],
        routes: [{ name: "api-all", match: { prefix: "/" }, route: { cluster: "api" } }],
      },
      {
        name: "default",
        domains: ["*"],
        routes: [
          { name: "exact", match: { path: "/health" }, route: { cluster: "a" } },
          { name: "regex", match: { safe_regex: { regex: "/v[0-9]+/models" } }, route: { cluster: "b" } },
          {
            name: "header",
            match: { prefix: "/x", headers: [{ name: "x-canary", string_match: { exact: "yes" } }] },
            route: { cluster: "c" },
          },
          { name: "prefix", match: { prefix: "/x" }, route: { cluster: "d" } },
        ],
      },
    ],
  });
  const name = (path: string, headers: Record<string, string> = {}, authority = "gw") =>
    table.match({ ":path": path, ":authority": authority, ...headers })?.routeName;

  it("matches exact paths, regexes (whole path), header conditions and prefixes, in order", () => {
    expect(name("/health")).toBe("exact");
    expect(name("/health/x")).toBeUndefined();
    expect(name("/v1/models")).toBe("regex");
    expect(name("/v1/models/extra")).toBeUndefined();
    expect(name("/xyz", { "x-canary": "yes" })).toBe("header");
    expect(name("/xyz")).toBe("prefix");
    expect(name("/other")).toBeUndefined();
  });

  it("matches the path without its query or #fragment (Envoy's PathUtil::removeQueryAndFragment)", () => {
    expect(name("/health?verbose=1")).toBe("exact");
    expect(name("/health#status")).toBe("exact");
    expect(name("/v1/models#a?b")).toBe("regex");
    expect(name("/v1/models?x=#y")).toBe("regex");
  });

  it("chooses the virtual host by :authority, with or without a port", () => {
    expect(name("/anything", {}, "api.example.com:443")).toBe("api-all");
  });

  it("rewrites paths as Envoy does: prefix_rewrite swaps the matched prefix only, regex_rewrite keeps the query and fragment", () => {
    const model = "/my-first-model/qwen3-0-6b";
    // Plain prefix_rewrite "/" leaves the slash after the prefix: why Istio emits a regex_rewrite instead.
    expect(rewrittenPath(`${model}/v1/models`, { prefix_rewrite: "/" }, model)).toBe("//v1/models");
    expect(
      rewrittenPath(
        `${model}/v1/chat/completions`,
        { prefix_rewrite: "/v1/chat/completions" },
        `${model}/v1/chat/completions`,
      ),
    ).toBe("/v1/chat/completions");
    const istio = {
      regex_rewrite: { pattern: { regex: "^/my-first-model/qwen3-0-6b(/?)(.*)" }, substitution: "/\\2" },
    };
    expect(rewrittenPath(`${model}/v1/models?x=1`, istio, model)).toBe("/v1/models?x=1");
    expect(rewrittenPath(model, istio, model)).toBe("/");
    const everyX = { regex_rewrite: { pattern: { regex: "x" }, substitution: "y" } };
    expect(rewrittenPath("/ax?x#x", everyX, undefined)).toBe("/ay?x#x");
    expect(rewrittenPath("/ax#x?x", everyX, undefined)).toBe("/ay#x?x");
    expect(rewrittenPath("/a/b", {}, "/a")).toBeUndefined();
  });
});

describe("the route table's virtual hosts per :authority", () => {
  it("answers the same for every authority however many it has seen", () => {
    const table = new RouteTable({
      virtual_hosts: [
        { name: "exact", domains: ["gw.example"], routes: [{ name: "exact-route", match: { prefix: "/" } }] },
        { name: "wild", domains: ["*.example"], routes: [{ name: "wild-route", match: { prefix: "/" } }] },
      ],
    });
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 600; i++) {
        expect(table.match({ ":authority": `h${i}.example:80`, ":path": "/" })?.routeName).toBe("wild-route");
        expect(table.match({ ":authority": `h${i}.other`, ":path": "/" })).toBeUndefined();
        expect(table.match({ ":authority": "GW.example:8080", ":path": "/x?y=1" })?.routeName).toBe("exact-route");
      }
    }
  });
});

describe("Envoy config reading", () => {
  it("warns about every field it does not model, naming its path", () => {
    const config = simpleConfig({ upstream: ["127.0.0.1:1"] }) as {
      static_resources: { clusters: Array<Record<string, unknown>> };
    };
    (config.static_resources.clusters[0] as Record<string, unknown>).outlier_detection = { consecutive_5xx: 5 };
    const { warnings } = readGatewayConfig(config);
    expect(warnings).toContain(
      "static_resources.clusters[0].outlier_detection: not modelled by the testbed gateway, ignored",
    );
  });

  it("refuses an invalid value, naming its path", () => {
    const config = simpleConfig({ upstream: ["127.0.0.1:1"], clusterType: "MAGIC" });
    expect(() => readGatewayConfig(config)).toThrow(
      new GatewayConfigError(
        "static_resources.clusters[0].type",
        "must be one of STATIC, STRICT_DNS, LOGICAL_DNS, EDS, ORIGINAL_DST, got MAGIC",
      ),
    );
    expect(() => readGatewayConfig("static_resources:\n  listeners: [\n")).toThrow(/invalid YAML/);
  });

  it("reads circuit_breakers thresholds per priority over Envoy's defaults, and refuses a limit that is not a uint32", () => {
    const config = simpleConfig({ upstream: ["127.0.0.1:1"] }) as {
      static_resources: { clusters: Array<Record<string, unknown>> };
    };
    const cluster = config.static_resources.clusters[0] as Record<string, unknown>;
    cluster.circuit_breakers = {
      thresholds: [
        { max_connections: 8, max_pending_requests: "0", track_remaining: true },
        { priority: "HIGH", max_retries: 4294967295 },
        // A second entry for a priority is ignored: Envoy takes the first.
        { priority: "DEFAULT", max_requests: 1 },
      ],
    };
    const read = readGatewayConfig(config);
    expect(read.config.clusters[0]?.circuit_breakers).toEqual({
      default: {
        max_connections: 8,
        max_pending_requests: 0,
        max_requests: 1024,
        max_retries: 3,
        track_remaining: true,
      },
      high: {
        max_connections: 1024,
        max_pending_requests: 1024,
        max_requests: 1024,
        max_retries: 4294967295,
        track_remaining: false,
      },
    });
    expect(read.warnings).toEqual([]);
    cluster.circuit_breakers = { thresholds: [{ max_requests: -1 }] };
    expect(() => readGatewayConfig(config)).toThrow(
      new GatewayConfigError(
        "static_resources.clusters[0].circuit_breakers.thresholds[0].max_requests",
        "must be an integer from 0 to 4294967295, got -1",
      ),
    );
    cluster.circuit_breakers = { thresholds: [{ priority: "LOW" }] };
    expect(() => readGatewayConfig(config)).toThrow(/thresholds\[0\]\.priority: must be DEFAULT or HIGH, got LOW/);
    cluster.circuit_breakers = { thresholds: [{ retry_budget: { budget_percent: { value: 20 } } }] };
    expect(readGatewayConfig(config).warnings).toEqual([
      "static_resources.clusters[0].circuit_breakers.thresholds[0].retry_budget: not modelled by the testbed gateway, ignored",
    ]);
  });

  it("reads durations in Envoy's forms", () => {
    const config = simpleConfig({ upstream: ["127.0.0.1:1"], routeTimeout: "0.5s" });
    const route =
      readGatewayConfig(config).config.listeners[0]?.http_connection_manager.route_config.virtual_hosts[0]?.routes[1];
    expect(route?.route?.timeout).toBe(0.5);
  });
});

describe("live config updates", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  it("switches new requests to the new config without dropping the gateway", async () => {
    const first = await startEchoUpstream();
    const second = await startEchoUpstream();
    const g = await startGateway(simpleConfig({ upstream: [first.hostPort] }), {
      accessLogSink: silentSink,
      log: silentSink,
    });
    cleanups.push(
      () => g.close(),
      () => first.close(),
      () => second.close(),
    );
    const base = Object.values(g.listenerUrls)[0];
    await fetch(`${base}/one`).then((r) => r.text());
    await g.update(simpleConfig({ upstream: [second.hostPort] }));
    await fetch(`${base}/two`).then((r) => r.text());
    expect(first.requests.map((r) => r.path)).toEqual(["/one"]);
    expect(second.requests.map((r) => r.path)).toEqual(["/two"]);
    expect(await fetch(`${base}/direct`).then((r) => r.text())).toBe("direct ok");
  });

  it("lets a streaming request that started before the update finish on the old config", async () => {
    const { startVllmSim } = await import("@testbed/vllm-sim");
    const pod = await startVllmSim({ port: 0, timeScale: 1, log: silentSink });
    const other = await startEchoUpstream();
    const g = await startGateway(simpleConfig({ upstream: [pod.url.replace("http://", "")] }), {
      accessLogSink: silentSink,
      log: silentSink,
    });
    cleanups.push(
      () => g.close(),
      () => pod.close(),
      () => other.close(),
    );
    const base = Object.values(g.listenerUrls)[0];
    const streaming = fetch(`${base}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "Qwen/Qwen3-0.6B",
        messages: [{ role: "user", content: "Hi" }],
        max_tokens: 40,
        ignore_eos: true,
        stream: true,
      }),
    });
    const response = await streaming;
    await g.update(simpleConfig({ upstream: [other.hostPort] }));
    const text = await response.text();
    expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true);
    expect((text.match(/"delta":\{"content"/g) ?? []).length).toBe(40);
    await fetch(`${base}/after`).then((r) => r.text());
    expect(other.requests.map((r) => r.path)).toEqual(["/after"]);
  });

  it("answers 404 NR when no route matches", async () => {
    const upstream = await startEchoUpstream();
    const config = simpleConfig({ upstream: [upstream.hostPort] }) as {
      static_resources: { listeners: Array<Record<string, unknown>> };
    };
    const text = JSON.stringify(config).replace('"match":{"prefix":"/"}', '"match":{"prefix":"/only"}');
    const g = await startGateway(JSON.parse(text), { accessLogSink: silentSink, log: silentSink });
    cleanups.push(
      () => g.close(),
      () => upstream.close(),
    );
    const response = await fetch(`${Object.values(g.listenerUrls)[0]}/elsewhere`);
    expect(response.status).toBe(404);
    expect(g.accessLog.lines.at(-1)).toContain(" 404 NR route_not_found ");
  });
});
