// The MaaS policies as RHOAI 3.2 ships them, translated and run through both engines the way the
// gateway drives them: ext_authz metadata → rate_limits descriptors → Limitador.
import { SimulatedClock } from "@testbed/common";
import { describe, expect, it } from "vitest";
import { readAuthConfig } from "../src/authorino/auth-config.js";
import { AuthorinoEngine } from "../src/authorino/authorino-engine.js";
import { type Descriptor, LimitadorEngine } from "../src/limitador/limitador-engine.js";
import { MAAS_TIERS, type MaasTier, maasPolicies, mintApiKey } from "../src/policies/maas-defaults.js";
import { translatePolicies, windowSeconds } from "../src/policies/translate-policies.js";

const gateway = { name: "maas-gateway", namespace: "openshift-ingress" };
const translated = translatePolicies(maasPolicies(gateway), gateway);

function setup() {
  const clock = new SimulatedClock(Date.UTC(2026, 10, 27));
  const limitador = new LimitadorEngine(clock);
  limitador.setLimits(translated.limits);
  const authorino = new AuthorinoEngine();
  authorino.setAuthConfigs(translated.authConfigs.map((c, i) => readAuthConfig(c, `authconfig[${i}]`)));
  const keys = Object.fromEntries(MAAS_TIERS.map((tier) => [tier, mintApiKey(`${tier}-user`, tier)])) as Record<
    MaasTier,
    ReturnType<typeof mintApiKey>
  >;
  authorino.setSecrets(Object.values(keys).map((k) => k.secret));
  return { clock, limitador, authorino, keys };
}

interface RateLimitAction {
  generic_key?: { descriptor_key: string; descriptor_value: string };
  metadata: { descriptor_key: string; metadata_key: { key: string; path: Array<{ key: string }> } };
}

/** What the gateway's ratelimit filter would send: one descriptor per rate_limits entry. */
function descriptorsFor(metadata: Record<string, Record<string, unknown>>, tokens: boolean): Descriptor[] {
  return translated.rateLimits
    .filter((entry) => (entry.apply_on_stream_done === true) === tokens)
    .map((entry) => ({
      entries: (entry.actions as RateLimitAction[]).map((action) => {
        if (action.generic_key)
          return { key: action.generic_key.descriptor_key, value: action.generic_key.descriptor_value };
        const path = action.metadata.metadata_key.path.map((p) => p.key);
        let value: unknown = metadata[action.metadata.metadata_key.key];
        for (const key of path) value = (value as Record<string, unknown>)[key];
        return { key: action.metadata.descriptor_key, value: String(value) };
      }),
    }));
}

function requestsAllowed(tier: MaasTier, s: ReturnType<typeof setup>): number {
  const decision = s.authorino.check({
    host: "maas.local",
    method: "POST",
    path: "/v1/chat/completions",
    headers: { authorization: `Bearer ${s.keys[tier].key}` },
  });
  if (!decision.allowed) throw new Error("key refused");
  const descriptors = descriptorsFor({ "envoy.filters.http.ext_authz": decision.metadata }, false);
  let allowed = 0;
  while (!s.limitador.shouldRateLimit(translated.domain, descriptors, 0).overLimit) allowed++;
  return allowed;
}

describe("Kuadrant policy translation (MaaS defaults)", () => {
  it("gives each tier exactly its request limit per 2-minute window: 5 / 20 / 50", () => {
    const s = setup();
    expect(MAAS_TIERS.map((tier) => requestsAllowed(tier, s))).toEqual([5, 20, 50]);
  });

  it("resets a tier's window after 2 minutes (simulated clock, no sleeping)", () => {
    const s = setup();
    expect(requestsAllowed("free", s)).toBe(5);
    s.clock.advance(119_999);
    expect(requestsAllowed("free", s)).toBe(0);
    s.clock.advance(1);
    expect(requestsAllowed("free", s)).toBe(5);
  });

  it("translates token limits per tier (free 100 / min) charged by reports after responses", () => {
    const s = setup();
    const decision = s.authorino.check({
      host: "maas.local",
      method: "POST",
      path: "/",
      headers: { authorization: `Bearer ${s.keys.free.key}` },
    });
    if (!decision.allowed) throw new Error("key refused");
    const tokens = descriptorsFor({ "envoy.filters.http.ext_authz": decision.metadata }, true);
    expect(s.limitador.shouldRateLimit(translated.domain, tokens, 0).overLimit).toBe(false);
    s.limitador.report(translated.domain, tokens, 99);
    expect(s.limitador.shouldRateLimit(translated.domain, tokens, 0).overLimit).toBe(true);
    s.clock.advance(60_000);
    expect(s.limitador.shouldRateLimit(translated.domain, tokens, 0).overLimit).toBe(false);
    expect(translated.limits.filter((l) => l.seconds === 60).map((l) => l.maxValue)).toEqual([100, 50_000, 100_000]);
  });

  it("refuses a key whose tier MaaS does not know (403), so it cannot escape every limit", () => {
    const s = setup();
    const { key, secret } = mintApiKey("mallory", "free");
    secret.metadata.labels = { ...secret.metadata.labels, "maas.opendatahub.io/tier": "platinum" };
    s.authorino.addSecret(secret);
    expect(
      s.authorino.check({ host: "maas.local", method: "GET", path: "/", headers: { authorization: `Bearer ${key}` } }),
    ).toMatchObject({
      allowed: false,
      status: 403,
    });
  });

  it("one tier's key never gets another tier's limits", () => {
    const s = setup();
    expect(requestsAllowed("premium", s)).toBe(20);
    expect(requestsAllowed("free", s)).toBe(5);
  });

  it("produces an AuthConfig demanding Bearer API keys and descriptors read from the ext_authz identity", () => {
    expect(translated.authConfigs[0]).toMatchObject({
      kind: "AuthConfig",
      metadata: { name: "openshift-ingress-maas-gateway-auth-policy" },
    });
    expect(translated.domain).toBe("openshift-ingress/maas-gateway");
    expect(translated.rateLimits[0]).toMatchObject({
      actions: [
        { generic_key: { descriptor_value: "1" } },
        {
          metadata: {
            descriptor_key: "auth.identity.userid",
            metadata_key: { key: "envoy.filters.http.ext_authz", path: [{ key: "identity" }, { key: "userid" }] },
          },
        },
        { metadata: { descriptor_key: "auth.identity.tier" } },
      ],
    });
  });

  it("reads Kuadrant windows and refuses predicates it cannot translate", () => {
    expect(windowSeconds("2m", "w")).toBe(120);
    expect(() =>
      translatePolicies(
        [
          {
            kind: "RateLimitPolicy",
            metadata: { name: "x" },
            spec: {
              limits: {
                l: { rates: [{ limit: 1, window: "1m" }], when: [{ predicate: "size(auth.identity.groups) > 2" }] },
              },
            },
          },
        ],
        gateway,
      ),
    ).toThrow(/cannot translate predicate/);
  });
});
