// The seed's second door (Step 5, "Way 2"): maas-gateway with Kuadrant's AuthPolicy and
// RateLimitPolicy, configured by the Kuadrant controller through Authorino, Limitador and an
// EnvoyFilter — and, as the seed notes, still without the body-mode fix.
import { eventually } from "@testbed/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatBody, type SeedTestbed, send, startSeedTestbed } from "./seed-testbed.js";

let cluster: SeedTestbed;
let maas = "";

const API_KEY_SECRET = `
apiVersion: v1
kind: Secret
metadata:
  name: alice-api-key
  namespace: tier-free
  labels:
    app: maas
    authorino.kuadrant.io/managed-by: authorino
    maas.opendatahub.io/tier: free
  annotations:
    secret.kuadrant.io/user-id: alice
stringData:
  api_key: alice-free-key-0001
`;

beforeAll(async () => {
  cluster = await startSeedTestbed(204);
  maas = await cluster.gatewayAddress("maas-gateway");
}, 30_000);
afterAll(async () => {
  await cluster?.close();
});

const oc = (stdin: string, ...argv: string[]) => cluster.ocWithStdin(stdin, ...argv);
const call = (method: "GET" | "POST", path: string, key?: string) =>
  send(`https://${maas}/my-first-model/qwen3-0-6b${path}`, {
    method,
    ...(method === "POST" ? { body: chatBody() } : {}),
    ...(key ? { apiKey: key } : {}),
  });

describe("maas-gateway", () => {
  it("has its policies accepted and enforced by the Kuadrant controller", async () => {
    const { out } = await oc(
      "",
      "get",
      "authpolicy,ratelimitpolicy",
      "-n",
      "openshift-ingress",
      "-o",
      'jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Enforced")].status}{"\\n"}{end}',
    );
    expect(out.trim().split("\n").sort()).toEqual(["gateway-rate-limits=True", "maas-gateway-auth-policy=True"]);
  });

  it("answers 401 without an API key, as the seed shows", async () => {
    const response = await call("GET", "/v1/models");
    expect(response.status).toBe(401);
    expect(response.headers["www-authenticate"]).toBe('Bearer realm="api-key-users"');
  });

  it("answers 404 NR to a path no HTTPRoute serves, without asking Authorino (no action set matches it)", async () => {
    const response = await send(`https://${maas}/nowhere/v1/models`, { method: "GET" });
    expect(response.status).toBe(404);
    expect(response.headers["www-authenticate"]).toBeUndefined();
  });

  it("serves a key from a Secret applied with oc, and the POST still fails with Bug 1 (no EnvoyFilter selects maas-gateway)", async () => {
    const applied = await oc(API_KEY_SECRET, "apply", "-f", "-");
    expect(applied.out).toBe("secret/alice-api-key created\n");
    // The Kuadrant controller hands the new Secret to Authorino; the key works once it has.
    await eventually(async () => expect((await call("GET", "/v1/models", "alice-free-key-0001")).status).toBe(200));
    const wrong = await call("GET", "/v1/models", "not-a-key");
    expect(wrong.status).toBe(401);
    const chat = await call("POST", "/v1/chat/completions", "alice-free-key-0001");
    expect(chat.status).toBe(400);
    expect(chat.body).toContain("Field required");
  });

  it("limits the free tier to 5 requests per 2 minutes: the next one is 429", async () => {
    // Two of alice's requests above passed authentication and were counted (the wrong key was not);
    // three more are allowed, then Limitador says no.
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await call("GET", "/v1/models", "alice-free-key-0001")).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});
