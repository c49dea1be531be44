import { LogBuffer, silentSink } from "@testbed/common";
import type { FastifyInstance } from "fastify";
import { buildAdminApp } from "../src/http/admin-routes.js";
import { buildVllmApp } from "../src/http/app.js";
import { ModelServer } from "../src/model-server.js";
import { resolveOptions, type VllmSimOptions } from "../src/options.js";

/** A simulated pod without a socket, running as fast as possible. */
export function testServer(overrides: Partial<VllmSimOptions> = {}): ModelServer {
  return ModelServer.create(resolveOptions({ log: silentSink, timeScale: 0, ...overrides }));
}

export function testApp(overrides: Partial<VllmSimOptions> = {}): { server: ModelServer; app: FastifyInstance } {
  const server = testServer(overrides);
  return { server, app: buildVllmApp(server) };
}

/** A pod's OpenAI app and its admin app (the admin port), sharing one server. */
export function testAppWithAdmin(overrides: Partial<VllmSimOptions> = {}): {
  server: ModelServer;
  app: FastifyInstance;
  admin: FastifyInstance;
} {
  const server = testServer(overrides);
  return { server, app: buildVllmApp(server), admin: buildAdminApp(server) };
}

export function postJson(app: FastifyInstance, url: string, body: unknown) {
  return app.inject({
    method: "POST",
    url,
    headers: { "content-type": "application/json" },
    payload: typeof body === "string" ? body : JSON.stringify(body),
  });
}

export const hi = { model: "Qwen/Qwen3-0.6B", messages: [{ role: "user", content: "Hi" }] };

export function logCollector(): { lines: string[]; log: (line: string) => void } {
  const buffer = new LogBuffer();
  return { lines: buffer.lines, log: buffer.sink };
}

/** Parse an SSE body into its JSON frames (and the [DONE] marker). */
export function sseFrames(body: string): Array<Record<string, unknown> | "[DONE]"> {
  return body
    .split("\n\n")
    .filter((frame) => frame.startsWith("data: "))
    .map((frame) => frame.slice("data: ".length))
    .map((data) => (data === "[DONE]" ? "[DONE]" : (JSON.parse(data) as Record<string, unknown>)));
}
