import { describe, expect, it } from "vitest";
import { describeTrace } from "../src/describe-trace.js";
import { describeStreamError } from "../src/stream-error-words.js";
import type { RequestTrace, TraceHop } from "../src/trace-types.js";

const time = { wallStartMs: 0, wallMs: 1 };
const trace = (hops: TraceHop[]): RequestTrace => ({ requestId: "r", startedAtMs: 0, sources: ["gateway:gw"], hops });

describe("a trace in words", () => {
  it("names the identity Authorino returned and Limitador's answer per descriptor", () => {
    const text = describeTrace(
      trace([
        {
          kind: "ext_authz",
          component: "gw",
          time,
          cluster: "kuadrant-auth-service",
          result: "allowed",
          identity: { "identity.userid": "alice", "identity.tier": "free" },
          failureModeAllow: false,
        },
        {
          kind: "ratelimit",
          component: "gw",
          time,
          cluster: "kuadrant-ratelimit-service",
          domain: "openshift-ingress/maas-gateway",
          descriptors: [[{ key: "auth.identity.tier", value: "free" }]],
          overallCode: "OVER_LIMIT",
          statuses: [{ code: "OVER_LIMIT", requestsPerUnit: 5, unit: "MINUTE", remaining: 0 }],
        },
        { kind: "response", component: "gw", time, status: 429, responseFlags: "RL", bodyBytes: 18 },
      ]),
    ).join("\n");
    expect(text).toContain(
      "ext_authz (Authorino, kuadrant-auth-service): allowed as identity.userid=alice, identity.tier=free",
    );
    expect(text).toContain("OVER_LIMIT for {auth.identity.tier=free}");
    expect(text).toContain("limit 5 per minute, 0 left (OVER_LIMIT)");
    expect(text).toContain("response to the client: 429");
  });

  it("says which routes did not match and why, or that none did", () => {
    const text = describeTrace(
      trace([
        {
          kind: "route",
          component: "gw",
          time,
          virtualHost: "vh",
          misses: [{ route: "a", reason: "path /x does not match prefix /a" }],
        },
      ]),
    ).join("\n");
    expect(text).toContain("no route matched in virtual host vh: 404 NR");
    expect(text).toContain("not a: path /x does not match prefix /a");
  });

  it("words Node's certificate verification failures as an unknown authority and keeps other errors", () => {
    expect(describeStreamError("self-signed certificate")).toBe(
      "TLS: certificate signed by unknown authority (self-signed certificate)",
    );
    expect(describeStreamError("unable to verify the first certificate")).toMatch(
      /^TLS: certificate signed by unknown/,
    );
    expect(describeStreamError("Cluster not available")).toBe("Cluster not available");
  });
});
