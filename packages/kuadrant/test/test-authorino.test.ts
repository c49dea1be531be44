import { SimulatedClock } from "@testbed/common";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readAuthConfig } from "../src/authorino/auth-config.js";
import { AuthorinoEngine } from "../src/authorino/authorino-engine.js";
import { select } from "../src/authorino/selectors.js";
import { apiKeySecret, maasAuthConfig, SECRETS } from "./fixtures/maas-auth.js";

function engine() {
  const authorino = new AuthorinoEngine();
  authorino.setAuthConfigs([maasAuthConfig]);
  authorino.setSecrets(SECRETS);
  return authorino;
}
const request = (headers: Record<string, string>, path = "/my-first-model/qwen3-0-6b/v1/models") => ({
  host: "maas.testbed.local",
  method: "GET",
  path,
  headers,
});

describe("Authorino API-key authentication", () => {
  it("answers a request without a key with 401, WWW-Authenticate naming the rule, and 'credential not found'", () => {
    expect(engine().check(request({}))).toEqual({
      allowed: false,
      status: 401,
      reason: "credential not found",
      headers: { "www-authenticate": 'Bearer realm="api-key-users"', "x-ext-auth-reason": "credential not found" },
    });
  });

  it("answers a wrong key with 401 'the API Key provided is invalid'", () => {
    const decision = engine().check(request({ authorization: "Bearer not-a-key" }));
    expect(decision).toMatchObject({
      allowed: false,
      status: 401,
      headers: { "x-ext-auth-reason": "the API Key provided is invalid" },
    });
  });

  it("accepts a valid key and passes the identity on as a header and as dynamic metadata", () => {
    const decision = engine().check(request({ authorization: "Bearer premium-key-bob-0123456789" }));
    expect(decision).toMatchObject({
      allowed: true,
      headers: { "x-auth-user": "bob" },
      metadata: { identity: { userid: "bob", tier: "premium" } },
    });
  });

  it("answers 403 when an authorization rule fails (a tier MaaS does not know)", () => {
    expect(engine().check(request({ authorization: "Bearer platinum-key-mallory-0123456789" }))).toMatchObject({
      allowed: false,
      status: 403,
    });
  });

  it("selects the AuthConfig by host, and lets requests through when its path condition does not apply", () => {
    const authorino = new AuthorinoEngine();
    authorino.setAuthConfigs([
      readAuthConfig(
        {
          kind: "AuthConfig",
          metadata: { name: "models-only", namespace: "openshift-ingress" },
          spec: {
            hosts: ["maas.testbed.local"],
            when: [{ selector: "request.url_path", operator: "matches", value: "^/my-first-model/" }],
            authentication: {
              keys: {
                apiKey: { selector: { matchLabels: { app: "maas" } }, allNamespaces: true },
                credentials: { customHeader: { name: "X-Api-Key" } },
              },
            },
          },
        },
        "models-only.yaml",
      ),
      readAuthConfig(
        {
          kind: "AuthConfig",
          metadata: { name: "query-keys" },
          spec: {
            hosts: ["other.testbed.local"],
            authentication: {
              keys: {
                apiKey: { selector: { matchLabels: { app: "maas" } }, allNamespaces: true },
                credentials: { queryString: { name: "api_key" } },
              },
            },
          },
        },
        "query-keys.yaml",
      ),
    ]);
    authorino.setSecrets(SECRETS);
    expect(authorino.check(request({}, "/healthz")).allowed).toBe(true);
    expect(authorino.check(request({})).allowed).toBe(false);
    expect(authorino.check(request({ "x-api-key": "free-key-alice-0123456789" })).allowed).toBe(true);
    expect(
      authorino.check({ ...request({}, "/v1/models?api_key=free-key-alice-0123456789"), host: "other.testbed.local" })
        .allowed,
    ).toBe(true);
    expect(authorino.check({ ...request({}), host: "unknown.testbed.local" })).toMatchObject({
      allowed: false,
      status: 404,
    });
  });

  it("refuses AuthConfigs it cannot enforce instead of letting everything through", () => {
    const config = (authorization: unknown) => ({
      kind: "AuthConfig",
      metadata: { name: "x" },
      spec: { hosts: ["*"], authorization },
    });
    expect(() => readAuthConfig(config({ sar: { kubernetesSubjectAccessReview: {} } }), "x.yaml")).toThrow(
      /only patternMatching authorization is modelled/,
    );
    expect(() =>
      readAuthConfig(
        config({ bad: { patternMatching: { patterns: [{ selector: "a", operator: "matches", value: "(" }] } } }),
        "x.yaml",
      ),
    ).toThrow(/invalid regular expression/);
  });

  it("ignores Secrets Authorino does not manage, and keys past their expiry", () => {
    const now = Date.UTC(2026, 10, 27);
    const authorino = new AuthorinoEngine(new SimulatedClock(now));
    authorino.setAuthConfigs([maasAuthConfig]);
    const unmanaged = apiKeySecret("eve", "free", "unmanaged-key-0123456789");
    delete unmanaged.metadata.labels?.["authorino.kuadrant.io/managed-by"];
    const expired = apiKeySecret("frank", "free", "expired-key-0123456789");
    expired.metadata.annotations = {
      ...expired.metadata.annotations,
      "maas.opendatahub.io/expires-at": String(now / 1000 - 1),
    };
    authorino.setSecrets([unmanaged, expired, ...SECRETS]);
    expect(authorino.check(request({ authorization: "Bearer unmanaged-key-0123456789" })).allowed).toBe(false);
    expect(authorino.check(request({ authorization: "Bearer expired-key-0123456789" })).allowed).toBe(false);
    expect(authorino.check(request({ authorization: "Bearer free-key-alice-0123456789" })).allowed).toBe(true);
  });

  it("fails closed on an expiry it cannot read, and reads unix seconds or RFC 3339", () => {
    const now = Date.UTC(2026, 10, 27);
    const authorino = new AuthorinoEngine(new SimulatedClock(now));
    authorino.setAuthConfigs([maasAuthConfig]);
    const withExpiry = (user: string, expiresAt: string) => {
      const secret = apiKeySecret(user, "free", `${user}-key-0123456789`);
      secret.metadata.annotations = { ...secret.metadata.annotations, "maas.opendatahub.io/expires-at": expiresAt };
      return secret;
    };
    authorino.setSecrets([
      withExpiry("garbage", "garbage"),
      withExpiry("nan", "NaN"),
      withExpiry("empty", ""),
      withExpiry("seconds", String(now / 1000 + 60)),
      withExpiry("rfc", "2026-11-27T00:01:00Z"),
      withExpiry("rfcpast", "2026-11-26T23:59:00Z"),
    ]);
    const allowed = (user: string) =>
      authorino.check(request({ authorization: `Bearer ${user}-key-0123456789` })).allowed;
    expect(["garbage", "nan", "empty"].map(allowed)).toEqual([false, false, false]);
    expect(["seconds", "rfc", "rfcpast"].map(allowed)).toEqual([true, true, false]);
  });

  it("reads GJSON selectors with escaped dots", () => {
    expect(select({ a: { "b.c": { d: 1 } } }, "a.b\\.c.d")).toBe(1);
  });

  it("never lets a random header set through without a valid key", () => {
    const authorino = engine();
    const valid = new Set(SECRETS.map((s) => Buffer.from(s.data?.api_key ?? "", "base64").toString()));
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom("authorization", "x-api-key", "cookie", "apikey", "x-forwarded-user", "user-agent"),
          fc.string(),
        ),
        (headers) => {
          const presented = headers.authorization?.startsWith("Bearer ")
            ? headers.authorization.slice(7).trim()
            : undefined;
          fc.pre(presented === undefined || !valid.has(presented));
          expect(authorino.check(request(headers)).allowed).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("gives each valid key its own tier, whatever else the request carries", () => {
    const authorino = engine();
    const keys = SECRETS.filter((s) => s.metadata.labels?.["maas.opendatahub.io/tier"] !== "platinum");
    fc.assert(
      fc.property(
        fc.constantFrom(...keys),
        fc.dictionary(fc.constantFrom("x-tier", "x-user", "cookie"), fc.string()),
        (secret, extra) => {
          const key = Buffer.from(secret.data?.api_key ?? "", "base64").toString();
          const decision = authorino.check(request({ ...extra, authorization: `Bearer ${key}` }));
          expect(decision.allowed && decision.metadata.identity?.tier).toBe(
            secret.metadata.labels?.["maas.opendatahub.io/tier"],
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});
