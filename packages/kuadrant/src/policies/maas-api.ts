// A maas-api-like service so a workshop participant can get a key: `POST /v1/tokens` with
// `{user, tier, expiration?}` mints an API key (default lifetime 4h, as maas-api's tokens) and
// hands its Secret to Authorino; `GET /v1/models` lists the models behind the MaaS gateway.
import type { AddressInfo } from "node:net";
import type { Clock } from "@testbed/common";
import Fastify, { type FastifyInstance } from "fastify";
import type { KubernetesSecret } from "../authorino/api-key-secrets.js";
import { MAAS_TIERS, type MaasTier, mintApiKey } from "./maas-defaults.js";

export interface MaasApiOptions {
  host: string;
  port: number;
  models: Array<{ id: string; url: string }>;
  /** Where minted keys go (Authorino's Secret store, or the cluster's API). */
  onKey: (secret: KubernetesSecret) => void;
  clock: Clock;
}

export function buildMaasApi(options: Omit<MaasApiOptions, "host" | "port">): FastifyInstance {
  const app = Fastify({ logger: false });
  app.post("/v1/tokens", async (request, reply) => {
    const body = (request.body ?? {}) as { user?: unknown; tier?: unknown; expiration?: unknown };
    if (typeof body.user !== "string" || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(body.user)) {
      return reply.code(400).send({ error: "user is required: a lower-case DNS label, e.g. alice" });
    }
    if (!MAAS_TIERS.includes(body.tier as MaasTier)) {
      return reply.code(400).send({ error: `tier must be one of ${MAAS_TIERS.join(", ")}` });
    }
    const expiration = typeof body.expiration === "string" ? body.expiration : "4h";
    const seconds = durationSeconds(expiration);
    if (seconds === undefined)
      return reply.code(400).send({ error: `expiration ${JSON.stringify(expiration)} is not a duration such as 4h` });
    const expiresAt = Math.floor(options.clock.now() / 1000) + seconds;
    const { key, secret } = mintApiKey(body.user, body.tier as MaasTier, { expiresAt });
    options.onKey(secret);
    return reply.code(201).send({ token: key, expiration, expiresAt });
  });
  app.get("/v1/models", async () => ({
    object: "list",
    data: options.models.map((model) => ({
      id: model.id,
      object: "model",
      created: 0,
      owned_by: "model-namespace",
      url: model.url,
      ready: true,
    })),
  }));
  return app;
}

export async function startMaasApi(options: MaasApiOptions): Promise<{ url: string; close(): Promise<void> }> {
  const app = buildMaasApi(options);
  await app.listen({ host: options.host, port: options.port });
  return { url: `http://${options.host}:${(app.server.address() as AddressInfo).port}`, close: () => app.close() };
}

function durationSeconds(text: string): number | undefined {
  const match = /^(\d+)(s|m|h)$/.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * { s: 1, m: 60, h: 3600 }[match[2] as "s" | "m" | "h"];
}
