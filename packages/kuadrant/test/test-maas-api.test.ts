import { SimulatedClock } from "@testbed/common";
import { describe, expect, it } from "vitest";
import { readAuthConfig } from "../src/authorino/auth-config.js";
import { AuthorinoEngine } from "../src/authorino/authorino-engine.js";
import { buildMaasApi } from "../src/policies/maas-api.js";
import { maasPolicies } from "../src/policies/maas-defaults.js";
import { translatePolicies } from "../src/policies/translate-policies.js";

describe("maas-api: getting a key", () => {
  const gateway = { name: "maas-gateway", namespace: "openshift-ingress" };
  const clock = new SimulatedClock(Date.UTC(2026, 10, 27));
  const authorino = new AuthorinoEngine(clock);
  authorino.setAuthConfigs(
    translatePolicies(maasPolicies(gateway), gateway).authConfigs.map((c) => readAuthConfig(c, "auth")),
  );
  const app = buildMaasApi({
    models: [{ id: "Qwen/Qwen3-0.6B", url: "https://maas/my-first-model/qwen3-0-6b" }],
    onKey: (s) => authorino.addSecret(s),
    clock,
  });

  it("mints a key for a user and tier that Authorino then accepts with that identity", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/v1/tokens",
      payload: { user: "alice", tier: "premium" },
    });
    expect(response.statusCode).toBe(201);
    const { token, expiration, expiresAt } = response.json();
    expect(expiration).toBe("4h");
    expect(expiresAt).toBe(Date.UTC(2026, 10, 27) / 1000 + 4 * 3600);
    const decision = authorino.check({
      host: "maas",
      method: "GET",
      path: "/",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(decision).toMatchObject({ allowed: true, metadata: { identity: { userid: "alice", tier: "premium" } } });
  });

  it("mints keys that stop working at their expiration", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/v1/tokens",
      payload: { user: "bob", tier: "free", expiration: "1m" },
    });
    const { token } = response.json();
    const check = () =>
      authorino.check({ host: "maas", method: "GET", path: "/", headers: { authorization: `Bearer ${token}` } });
    clock.advance(59_000);
    expect(check().allowed).toBe(true);
    clock.advance(1_000);
    expect(check()).toMatchObject({ allowed: false, status: 401 });
  });

  it("refuses a bad tier or user with 400", async () => {
    expect(
      (await app.inject({ method: "POST", url: "/v1/tokens", payload: { user: "alice", tier: "gold" } })).statusCode,
    ).toBe(400);
    expect(
      (await app.inject({ method: "POST", url: "/v1/tokens", payload: { user: "Not A Name", tier: "free" } }))
        .statusCode,
    ).toBe(400);
  });

  it("lists the models", async () => {
    expect((await app.inject({ method: "GET", url: "/v1/models" })).json().data[0].id).toBe("Qwen/Qwen3-0.6B");
  });
});
