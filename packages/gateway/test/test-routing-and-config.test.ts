import { silentSink } from "@testbed/common";
import { afterAll, describe, expect, it } from "vitest";
import { GatewayConfigError } from "../src/config/config-error.js";
import { readGatewayConfig } from "../src/config/config-reader.js";
import { startGateway } from "../src/gateway.js";
import { RouteTable, rewritePath } from "../src/routing/route-table.js";
import { startEchoUpstream } from "./echo-upstream.js";
import { simpleConfig } from "./simple-config.js";

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

  it("chooses the virtual host by :authority, with or without a port", () => {
    expect(name("/anything", {}, "api.example.com:443")).toBe("api-all");
  });

  it("rewrites prefixes the way Gateway API ReplacePrefixMatch does", () => {
    expect(rewritePath("/my-first-model/qwen3-0-6b/v1/models", "/my-first-model/qwen3-0-6b", "/")).toBe("/v1/models");
    expect(rewritePath("/my-first-model/qwen3-0-6b", "/my-first-model/qwen3-0-6b", "/")).toBe("/");
    expect(
      rewritePath(
        "/my-first-model/qwen3-0-6b/v1/chat/completions",
        "/my-first-model/qwen3-0-6b/v1/chat/completions",
        "/v1/chat/completions",
      ),
    ).toBe("/v1/chat/completions");
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
});
