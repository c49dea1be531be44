// Kuadrant owns what it generates, as kuadrant-operator does (it subscribes to EnvoyFilter and
// AuthConfig events): deleting or editing the generated EnvoyFilter or AuthConfig while debugging never
// leaves maas-gateway open or broken — the object comes back, and the policies' Enforced condition says
// "waiting … to sync" until it has.
import { readFileSync } from "node:fs";
import { eventually } from "@testbed/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SeedTestbed, send, startSeedTestbed } from "./seed-testbed.js";

let cluster: SeedTestbed;
let maas = "";

/** A key from the shipped MaaS keys (manifests/20-maas-api-keys.yaml); enterprise, so retries stay under its limit. */
const KEY = "maas-enterprise-carol-0001";

beforeAll(async () => {
  cluster = await startSeedTestbed(208);
  maas = await cluster.gatewayAddress("maas-gateway");
  await cluster.ocWithStdin(readFileSync("manifests/20-maas-api-keys.yaml", "utf8"), "apply", "-f", "-");
}, 30_000);
afterAll(async () => {
  await cluster?.close();
});

const oc = (...argv: string[]) => cluster.ocWithStdin("", ...argv);
const models = (key?: string) =>
  send(`https://${maas}/my-first-model/qwen3-0-6b/v1/models`, { method: "GET", ...(key ? { apiKey: key } : {}) });
const uid = async (kind: string, namespace: string, name: string) =>
  (await oc("get", kind, name, "-n", namespace, "-o", "jsonpath={.metadata.uid}")).out;

describe("Kuadrant's generated objects", () => {
  it("recreates a deleted EnvoyFilter, and maas-gateway keeps refusing requests without a key", async () => {
    await eventually(async () => expect((await models(KEY)).status).toBe(200));
    const before = await uid("envoyfilter", "openshift-ingress", "kuadrant-maas-gateway");
    const deleted = await oc("delete", "envoyfilter", "kuadrant-maas-gateway", "-n", "openshift-ingress");
    expect(deleted.out).toContain("deleted");
    await eventually(async () => {
      const after = await uid("envoyfilter", "openshift-ingress", "kuadrant-maas-gateway");
      expect(after).not.toBe("");
      expect(after).not.toBe(before);
    });
    for (let i = 0; i < 5; i++) expect((await models()).status).toBe(401);
    expect((await models(KEY)).status).toBe(200);
  });

  it("recreates a deleted AuthConfig, so valid keys work again without touching the policy", async () => {
    const { out } = await oc("get", "authconfig", "-n", "kuadrant-system", "-o", "name");
    const names = out.trim().split("\n").filter(Boolean);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) await oc("delete", name, "-n", "kuadrant-system");
    await eventually(async () => {
      const again = await oc("get", "authconfig", "-n", "kuadrant-system", "-o", "name");
      expect(again.out.trim().split("\n").sort()).toEqual([...names].sort());
    });
    await eventually(async () => expect((await models(KEY)).status).toBe(200));
    expect((await models()).status).toBe(401);
  });

  it("sets an edited EnvoyFilter back to what the policies ask for", async () => {
    const spec = async () =>
      (await oc("get", "envoyfilter", "kuadrant-maas-gateway", "-n", "openshift-ingress", "-o", "jsonpath={.spec}"))
        .out;
    const desired = await spec();
    const patched = await oc(
      "patch",
      "envoyfilter",
      "kuadrant-maas-gateway",
      "-n",
      "openshift-ingress",
      "--type=merge",
      "-p",
      '{"spec":{"configPatches":[]}}',
    );
    expect(patched.code).toBe(0);
    await eventually(async () => expect(await spec()).toBe(desired));
    expect((await models()).status).toBe(401);
  });

  it("says a policy whose target does not exist is not Accepted, with kuadrant-operator's reason", async () => {
    const policy = `
apiVersion: kuadrant.io/v1
kind: RateLimitPolicy
metadata:
  name: orphan-limits
  namespace: openshift-ingress
spec:
  targetRef: { group: gateway.networking.k8s.io, kind: Gateway, name: no-such-gateway }
  limits:
    everyone: { rates: [{ limit: 1, window: 1m }] }
`;
    await cluster.ocWithStdin(policy, "apply", "-f", "-");
    const condition = async () =>
      (
        await oc(
          "get",
          "ratelimitpolicy",
          "orphan-limits",
          "-n",
          "openshift-ingress",
          "-o",
          'jsonpath={.status.conditions[?(@.type=="Accepted")].reason}: {.status.conditions[?(@.type=="Accepted")].message}',
        )
      ).out;
    await eventually(async () =>
      expect(await condition()).toBe("TargetNotFound: RateLimitPolicy target no-such-gateway was not found"),
    );
  });

  it("reports the AuthPolicy not Enforced while Authorino is down, naming it, and Enforced again once it is back", async () => {
    const enforced = async () =>
      (
        await oc(
          "get",
          "authpolicy",
          "maas-gateway-auth-policy",
          "-n",
          "openshift-ingress",
          "-o",
          'jsonpath={.status.conditions[?(@.type=="Enforced")].status} {.status.conditions[?(@.type=="Enforced")].message}',
        )
      ).out;
    await eventually(async () => expect(await enforced()).toBe("True AuthPolicy has been successfully enforced"));
    const scale = (replicas: number) =>
      oc(
        "patch",
        "deployment",
        "authorino",
        "-n",
        "kuadrant-system",
        "--type=merge",
        "-p",
        `{"spec":{"replicas":${replicas}}}`,
      );
    expect((await scale(0)).code).toBe(0);
    await eventually(async () =>
      expect(await enforced()).toBe("False AuthPolicy waiting for the following components to sync: [Authorino]"),
    );
    expect((await scale(1)).code).toBe(0);
    await eventually(async () => expect(await enforced()).toBe("True AuthPolicy has been successfully enforced"));
  });
});
