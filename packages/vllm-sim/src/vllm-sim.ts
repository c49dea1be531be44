import { readFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { buildAdminApp } from "./http/admin-routes.js";
import { buildVllmApp, type HttpsMaterial } from "./http/app.js";
import { ModelServer, StartupError } from "./model-server.js";
import { resolveOptions, type VllmSimOptions } from "./options.js";
import { PrefillAllowlist, ssrfConfigurationError } from "./sidecar/prefill-allowlist.js";
import { type RoutingSidecar, startRoutingSidecar } from "./sidecar/routing-sidecar.js";

export interface VllmSimHandle {
  /** Where vLLM listens, e.g. https://127.0.0.1:8001. */
  url: string;
  /** Where the routing sidecar listens (the pod's port 8000 in the topology), if enabled. */
  sidecarUrl: string | undefined;
  /** The pod's front door: the sidecar when there is one, else vLLM itself. */
  podUrl: string;
  /** The simulator's admin API (faults, forced metrics), when `adminPort` is set: plain HTTP, never behind a Service. */
  adminUrl: string | undefined;
  server: ModelServer;
  app: FastifyInstance;
  close(): Promise<void>;
}

/** Start one simulated vLLM pod (and its routing sidecar when `sidecarPort` is set). */
export async function startVllmSim(options: Partial<VllmSimOptions> = {}): Promise<VllmSimHandle> {
  const resolved = resolveOptions(options);
  // Refused before anything listens, as the sidecar refuses an incomplete SSRF configuration.
  const allowlist = resolved.sidecarPort === undefined ? undefined : prefillAllowlist(resolved);
  const https = await loadHttpsMaterial(resolved);
  const server = ModelServer.create(resolved);
  server.logStartup();
  const app = buildVllmApp(server, https);
  await app.listen({ host: resolved.host, port: resolved.port });
  const scheme = https ? "https" : "http";
  const url = `${scheme}://${formatHost(resolved.host)}:${(app.server.address() as AddressInfo).port}`;
  server.listeningOn(url);
  server.log.info("api_server.py:1912", `Starting vLLM API server 0 on ${url}`);

  let admin: FastifyInstance | undefined;
  let adminUrl: string | undefined;
  if (resolved.adminPort !== undefined) {
    admin = buildAdminApp(server);
    await admin.listen({ host: resolved.host, port: resolved.adminPort });
    adminUrl = `http://${formatHost(resolved.host)}:${(admin.server.address() as AddressInfo).port}`;
  }

  let sidecar: RoutingSidecar | undefined;
  if (resolved.sidecarPort !== undefined) {
    sidecar = await startRoutingSidecar({
      host: resolved.host,
      port: resolved.sidecarPort,
      decoderUrl: url,
      prefillerUseTls: resolved.prefillerUseTls,
      https,
      log: resolved.log,
      clock: resolved.clock,
      allowlist,
    });
  }
  return {
    url,
    sidecarUrl: sidecar?.url,
    podUrl: sidecar?.url ?? url,
    adminUrl,
    server,
    app,
    async close() {
      await sidecar?.close();
      await admin?.close();
      await app.close();
      server.close();
    },
  };
}

/** The sidecar's SSRF allow-list, refused as its Options.Validate refuses an incomplete configuration. */
function prefillAllowlist(options: VllmSimOptions): PrefillAllowlist | undefined {
  if (!options.enableSsrfProtection) return undefined;
  const problem = ssrfConfigurationError(options.inferencePoolNamespace, options.inferencePoolName);
  if (problem) throw new StartupError(problem);
  return new PrefillAllowlist(options.inferencePoolMembers ?? (() => []));
}

async function loadHttpsMaterial(options: VllmSimOptions): Promise<HttpsMaterial | undefined> {
  if (!options.sslCertfile && !options.sslKeyfile) return undefined;
  if (!options.sslCertfile || !options.sslKeyfile) {
    throw new Error("--ssl-certfile and --ssl-keyfile must be given together");
  }
  const [cert, key] = await Promise.all([readFile(options.sslCertfile), readFile(options.sslKeyfile)]);
  return { cert, key };
}

function formatHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}
