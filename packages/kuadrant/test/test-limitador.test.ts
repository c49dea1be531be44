import { readFileSync } from "node:fs";
import * as grpc from "@grpc/grpc-js";
import { SimulatedClock, silentSink } from "@testbed/common";
import { rateLimitService } from "@testbed/protocol";
import { describe, expect, it } from "vitest";
import { LimitsFileError, parseLimitsFile } from "../src/limitador/limit-definitions.js";
import { LimitadorEngine } from "../src/limitador/limitador-engine.js";
import { startLimitador } from "../src/limitador/limitador-server.js";

// The MaaS request tiers as Limitador limits: free 5 / 2 min, premium 20 / 2 min, enterprise 50 / 2 min.
const TIERS = readFileSync(new URL("fixtures/maas-tier-limits.yaml", import.meta.url), "utf8");

const free = (user: string) => [
  {
    entries: [
      { key: "limit.free", value: "1" },
      { key: "auth.identity.userid", value: user },
    ],
  },
];
const premium = (user: string) => [
  {
    entries: [
      { key: "limit.premium", value: "1" },
      { key: "auth.identity.userid", value: user },
    ],
  },
];
const enterprise = (user: string) => [
  {
    entries: [
      { key: "tier", value: "enterprise" },
      { key: "userid", value: user },
    ],
  },
];

function engine() {
  const clock = new SimulatedClock(Date.UTC(2026, 10, 27));
  const limitador = new LimitadorEngine(clock);
  limitador.setLimits(parseLimitsFile(TIERS, "limits.yaml"));
  return { clock, limitador };
}

function allowedBeforeLimit(limitador: LimitadorEngine, descriptors: ReturnType<typeof free>): number {
  let allowed = 0;
  while (!limitador.shouldRateLimit("maas-gateway", descriptors, 1).overLimit) allowed++;
  return allowed;
}

describe("Limitador", () => {
  it("limits each tier at exactly 5, 20 and 50 requests per user within a window", () => {
    const { limitador } = engine();
    expect(allowedBeforeLimit(limitador, free("alice"))).toBe(5);
    expect(allowedBeforeLimit(limitador, premium("bob"))).toBe(20);
    expect(allowedBeforeLimit(limitador, enterprise("carol"))).toBe(50);
    expect(limitador.shouldRateLimit("maas-gateway", free("dave"), 1).overLimit).toBe(false);
  });

  it("anchors the window at the counter's first hit and resets it after the window, without sleeping", () => {
    const { clock, limitador } = engine();
    limitador.shouldRateLimit("maas-gateway", free("alice"), 1);
    clock.advance(60_000);
    for (let i = 0; i < 4; i++) limitador.shouldRateLimit("maas-gateway", free("alice"), 1);
    expect(limitador.shouldRateLimit("maas-gateway", free("alice"), 1).overLimit).toBe(true);
    clock.advance(59_999);
    expect(limitador.shouldRateLimit("maas-gateway", free("alice"), 1).overLimit).toBe(true);
    clock.advance(1);
    expect(limitador.shouldRateLimit("maas-gateway", free("alice"), 1).overLimit).toBe(false);
  });

  it("counts hits_addend (0 counts as 1) — how token limits spend a budget", () => {
    const clock = new SimulatedClock();
    const limitador = new LimitadorEngine(clock);
    limitador.setLimits(
      parseLimitsFile(
        `- {namespace: t, max_value: 100, seconds: 60, conditions: [], variables: ['descriptors[0]["userid"]']}`,
        "t.yaml",
      ),
    );
    const user = [{ entries: [{ key: "userid", value: "u" }] }];
    expect(limitador.shouldRateLimit("t", user, 60).overLimit).toBe(false);
    expect(limitador.shouldRateLimit("t", user, 0).statuses[0]?.remaining).toBe(39);
    expect(limitador.shouldRateLimit("t", user, 40).overLimit).toBe(true);
    expect(limitador.shouldRateLimit("t", user, 39).overLimit).toBe(false);
  });

  it("counts reported usage even past the limit, so the next check is refused", () => {
    const limitador = new LimitadorEngine(new SimulatedClock());
    limitador.setLimits(
      parseLimitsFile(`- {namespace: t, max_value: 100, seconds: 60, conditions: [], variables: []}`, "t.yaml"),
    );
    const any = [{ entries: [{ key: "k", value: "v" }] }];
    expect(limitador.shouldRateLimit("t", any, 0).overLimit).toBe(false);
    expect(limitador.report("t", any, 150).overLimit).toBe(false);
    expect(limitador.peek("t", any)[0]?.remaining).toBe(0);
    expect(limitador.shouldRateLimit("t", any, 0).overLimit).toBe(true);
  });

  it("increments every matching limit, so the most restrictive one applies, and reports draft-03 headers", () => {
    const clock = new SimulatedClock();
    const limitador = new LimitadorEngine(clock);
    limitador.setLimits(
      parseLimitsFile(
        `
- {namespace: n, max_value: 10, seconds: 60, conditions: [], variables: []}
- {namespace: n, max_value: 3, seconds: 10, conditions: [], variables: []}
`,
        "n.yaml",
      ),
    );
    const any = [{ entries: [{ key: "k", value: "v" }] }];
    const first = limitador.shouldRateLimit("n", any, 1);
    expect(first.headers).toEqual({
      "X-RateLimit-Limit": "3, 3;w=10, 10;w=60",
      "X-RateLimit-Remaining": "2",
      "X-RateLimit-Reset": "10",
    });
    limitador.shouldRateLimit("n", any, 1);
    limitador.shouldRateLimit("n", any, 1);
    expect(limitador.shouldRateLimit("n", any, 1).overLimit).toBe(true);
    clock.advance(10_000);
    expect(limitador.shouldRateLimit("n", any, 1).statuses.map((s) => s.remaining)).toEqual([2, 6]);
  });

  it("names the file and entry of a bad limit", () => {
    expect(() => parseLimitsFile("- {namespace: n, max_value: 1, seconds: 0}", "bad.yaml")).toThrow(
      new LimitsFileError("bad.yaml: [0].seconds: must be a positive integer"),
    );
    expect(() =>
      parseLimitsFile("- {namespace: n, max_value: 1, seconds: 1, conditions: ['tier = free']}", "bad.yaml"),
    ).toThrow(/conditions\[0\]: cannot read/);
  });

  it("answers ShouldRateLimit over gRPC with OVER_LIMIT and the headers", async () => {
    const limitador = await startLimitador({
      port: 0,
      limits: parseLimitsFile(TIERS, "limits.yaml"),
      rateLimitHeaders: "DRAFT_VERSION_03",
      log: silentSink,
    });
    const { Client } = rateLimitService();
    const client = new Client(limitador.address, grpc.credentials.createInsecure()) as unknown as {
      ShouldRateLimit(
        r: unknown,
        cb: (
          e: Error | null,
          v: { overall_code: string; response_headers_to_add?: Array<{ key: string; value: string }> },
        ) => void,
      ): void;
      close(): void;
    };
    const ask = () =>
      new Promise<{ overall_code: string; response_headers_to_add?: Array<{ key: string; value: string }> }>(
        (resolve, reject) =>
          client.ShouldRateLimit({ domain: "maas-gateway", descriptors: free("erin") }, (e, v) =>
            e ? reject(e) : resolve(v),
          ),
      );
    const codes = [];
    for (let i = 0; i < 6; i++) codes.push((await ask()).overall_code);
    expect(codes).toEqual(["OK", "OK", "OK", "OK", "OK", "OVER_LIMIT"]);
    expect((await ask()).response_headers_to_add?.find((h) => h.key === "X-RateLimit-Remaining")?.value).toBe("0");
    client.close();
    await limitador.close();
  });
});
