// Property: whatever shape a request takes — odd paths (//, /./, %2F, %2e%2e, case changes), absolute-form
// targets, Host games, duplicate or lower-case Authorization headers, odd "Bearer" spellings, a valid key
// in the wrong header — a request that carries no valid API key never reaches a model through
// maas-gateway, with Kuadrant healthy or broken (Limitador down, Authorino down, the generated
// EnvoyFilter or AuthConfigs just deleted).
import { connect } from "node:tls";
import { eventually } from "@testbed/common";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SeedTestbed, send, startSeedTestbed } from "./seed-testbed.js";

let cluster: SeedTestbed;
let maas = "";
let inference = "";

const VALID_KEYS = ["maas-free-alice-0001", "maas-premium-bob-0001", "maas-enterprise-carol-0001"];

beforeAll(async () => {
  cluster = await startSeedTestbed(241);
  maas = await cluster.gatewayAddress("maas-gateway");
  inference = await cluster.gatewayAddress("openshift-ai-inference");
  const { readFile } = await import("node:fs/promises");
  await cluster.ocWithStdin(await readFile("manifests/20-maas-api-keys.yaml", "utf8"), "apply", "-f", "-");
}, 30_000);
afterAll(async () => {
  await cluster?.close();
});

/** One raw HTTP/1.1 request over TLS (curl -k); the status code of the answer, or 0 when the gateway closed without one. */
function rawStatus(head: string): Promise<number> {
  const [host, port] = maas.split(":");
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: Number(port ?? 443), rejectUnauthorized: false }, () => socket.write(head));
    let received = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk) => {
      received += chunk;
    });
    socket.on("close", () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0)));
    socket.on("error", (error: NodeJS.ErrnoException) => (error.code === "ECONNRESET" ? resolve(0) : reject(error)));
  });
}

const MODEL = "/my-first-model/qwen3-0-6b/v1/models";
const paths = fc.constantFrom(
  MODEL,
  `/${MODEL}`,
  "/my-first-model//qwen3-0-6b/v1/models",
  "/./my-first-model/qwen3-0-6b/v1/models",
  "/my-first-model/./qwen3-0-6b/v1/models",
  "/my-first-model%2Fqwen3-0-6b/v1/models",
  "/my-first-model%2fqwen3-0-6b%2fv1%2fmodels",
  "/x/%2e%2e/my-first-model/qwen3-0-6b/v1/models",
  "/x/../my-first-model/qwen3-0-6b/v1/models",
  "/MY-FIRST-MODEL/qwen3-0-6b/v1/models",
  "/my-first-model/QWEN3-0-6B/v1/models",
  "/my-first-model/qwen3-0-6b/v1/models?x=/../",
  "/my-first-model/qwen3-0-6b/v1/chat/completions",
  "*",
);
const targets = fc.oneof(
  paths,
  paths.map((path) => `https://${maas}${path.startsWith("/") ? path : "/"}`),
  paths.map((path) => `http://localhost${path.startsWith("/") ? path : "/"}`),
);
const hosts = fc.constantFrom(
  () => [`host: ${maas}`],
  () => [`host: ${inference}`],
  () => ["host: localhost"],
  () => ["host: "],
  () => [],
  () => [`host: ${maas}`, "host: localhost"],
  () => [`Host: ${maas.toUpperCase()}`],
);
const oddKey = fc.oneof(
  fc.constantFrom(
    "",
    " ",
    "null",
    "undefined",
    "*",
    "maas-free-alice-000",
    "maas-free-alice-00011",
    "MAAS-FREE-ALICE-0001",
  ),
  fc.string({ maxLength: 24 }).filter((key) => !VALID_KEYS.includes(key.trim())),
);
const credentials = fc.oneof(
  fc.constant<string[]>([]),
  oddKey.map((key) => [`authorization: Bearer ${key}`]),
  oddKey.map((key) => [`Authorization: bearer ${key}`]),
  oddKey.map((key) => [`AUTHORIZATION: BEARER ${key}`]),
  oddKey.map((key) => [`authorization: Bearer  ${key}`]),
  oddKey.map((key) => [`authorization: Basic ${Buffer.from(`u:${key}`).toString("base64")}`]),
  oddKey.map((key) => [`authorization: Bearer ${key}`, "authorization: Bearer"]),
  fc.constantFrom(...VALID_KEYS).map((key) => [`x-api-key: ${key}`]),
  fc.constantFrom(...VALID_KEYS).map((key) => [`authorization: Bearer${key}`]),
  fc.constantFrom(...VALID_KEYS).map((key) => [`authorization: APIKEY ${key}`]),
  fc.constantFrom(...VALID_KEYS).map((key) => [`cookie: api_key=${key}`]),
);
const requests = fc.record({
  method: fc.constantFrom("GET", "POST", "HEAD", "OPTIONS", "get"),
  target: targets,
  host: hosts,
  credentials,
});

/** Requests without a valid key, under the current fault: none may be answered 2xx. */
async function neverServed(runs: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(requests, async ({ method, target, host, credentials: auth }) => {
      const body = method.toUpperCase() === "POST" ? '{"model":"Qwen/Qwen3-0.6B","prompt":"Hi","max_tokens":1}' : "";
      const head = [
        `${method} ${target} HTTP/1.1`,
        ...host(),
        ...auth,
        "content-type: application/json",
        `content-length: ${body.length}`,
        "connection: close",
        "",
        body,
      ].join("\r\n");
      const status = await rawStatus(head);
      expect(status < 200 || status >= 300, `${head.split("\r\n").slice(0, -2).join(" | ")} → ${status}`).toBe(true);
    }),
    { numRuns: runs, seed: 20261207 },
  );
}

const scale = (deployment: string, replicas: number) =>
  cluster.oc(
    "patch",
    "deployment",
    deployment,
    "-n",
    "kuadrant-system",
    "--type=merge",
    "-p",
    JSON.stringify({ spec: { replicas } }),
  );

/** The status a valid key gets now, to tell when a fault has reached the gateway. */
const keyed = async () =>
  (await send(`https://${maas}${MODEL}`, { method: "GET", apiKey: "maas-enterprise-carol-0001" })).status;

/** Until no pod of `app` is left in kuadrant-system. */
const gone = (app: string) =>
  eventually(async () => {
    const { out } = await cluster.oc("get", "pods", "-n", "kuadrant-system", "-l", `app=${app}`, "-o", "name");
    expect(out.trim()).toBe("");
  });

describe("maas-gateway never serves a request without a valid key", () => {
  it("with Kuadrant healthy", async () => {
    await eventually(async () => expect(await keyed()).toBe(200));
    await neverServed(80);
  }, 60_000);

  it("with Limitador down", async () => {
    await scale("limitador-limitador", 0);
    await gone("limitador");
    await neverServed(40);
    await scale("limitador-limitador", 1);
    await cluster.testbed.waitUntilReady(20_000);
  }, 60_000);

  it("with Authorino down", async () => {
    await scale("authorino", 0);
    await eventually(async () => expect(await keyed()).toBe(500));
    await neverServed(40);
    await scale("authorino", 1);
    await cluster.testbed.waitUntilReady(20_000);
  }, 60_000);

  it("right after the generated EnvoyFilter and the AuthConfigs are deleted", async () => {
    await cluster.oc("delete", "envoyfilter", "kuadrant-maas-gateway", "-n", "openshift-ingress");
    await cluster.oc("delete", "authconfig", "--all", "-n", "kuadrant-system");
    await neverServed(40);
  }, 60_000);
});
