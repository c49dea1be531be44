import * as protoLoader from "@grpc/proto-loader";
import { describe, expect, it } from "vitest";
import { authorizationService, LOADER_OPTIONS, rateLimitService } from "../src/index.js";

const tag = (field: number, wireType: number) => (field << 3) | wireType;
function method(file: string, service: string, name: string) {
  const definition = protoLoader.loadSync(file, LOADER_OPTIONS);
  return (definition[service] as Record<string, protoLoader.MethodDefinition<object, object>>)[
    name
  ] as protoLoader.MethodDefinition<object, object>;
}

describe("ext_authz and ratelimit wire format", () => {
  const check = method("envoy/service/auth/v3/external_auth.proto", "envoy.service.auth.v3.Authorization", "Check");
  const shouldRateLimit = method(
    "envoy/service/ratelimit/v3/rls.proto",
    "envoy.service.ratelimit.v3.RateLimitService",
    "ShouldRateLimit",
  );

  it("puts a denial at CheckResponse.denied_response (2) with status (1), headers (2) and body (3)", () => {
    const bytes = check.responseSerialize({ denied_response: { status: { code: 401 }, body: "x" } });
    expect([...bytes]).toEqual([tag(2, 2), 8, tag(1, 2), 3, tag(1, 0), 0x91, 0x03, tag(3, 2), 1, 120]);
  });

  it("reads the request's headers from attributes.request.http.headers (1 → 4 → 2 → 3)", () => {
    const request = {
      attributes: { request: { http: { headers: { authorization: "Bearer k" }, path: "/v1/models" } } },
    };
    const decoded = check.requestDeserialize(check.requestSerialize(request)) as typeof request;
    expect(decoded.attributes.request.http.headers.authorization).toBe("Bearer k");
    expect(check.requestSerialize(request)[0]).toBe(tag(1, 2));
  });

  it("encodes a rate limit request: domain (1), descriptors (2) with entries, hits_addend (3)", () => {
    const bytes = shouldRateLimit.requestSerialize({
      domain: "d",
      descriptors: [{ entries: [{ key: "k", value: "v" }] }],
      hits_addend: 5,
    });
    expect([...bytes]).toEqual([
      tag(1, 2),
      1,
      100,
      tag(2, 2),
      8,
      tag(1, 2),
      6,
      tag(1, 2),
      1,
      107,
      tag(2, 2),
      1,
      118,
      tag(3, 0),
      5,
    ]);
  });

  it("answers OVER_LIMIT as overall_code 2 with per-descriptor statuses", () => {
    const response = {
      overall_code: "OVER_LIMIT",
      statuses: [{ code: "OVER_LIMIT", current_limit: { requests_per_unit: 5, unit: "MINUTE" }, limit_remaining: 0 }],
    };
    const bytes = shouldRateLimit.responseSerialize(response);
    expect([...bytes.subarray(0, 2)]).toEqual([tag(1, 0), 2]);
    expect(shouldRateLimit.responseDeserialize(bytes)).toMatchObject({
      overall_code: "OVER_LIMIT",
      statuses: [{ current_limit: { unit: "MINUTE" } }],
    });
  });

  it("exposes both services for grpc-js servers and clients", () => {
    expect(Object.keys(authorizationService().definition)).toEqual(["Check"]);
    expect(Object.keys(rateLimitService().definition)).toEqual(["ShouldRateLimit"]);
  });
});
