import { readFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { type AdminListener, listenAdmin } from "./http/admin-listener.js";
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
  // llm-d-inference-sim's Configuration.validate.
  if (!(resolved.dataParallelSize >= 1 && resolved.dataParallelSize <= 8)) {
    throw new StartupError("data parallel size must be between 1 and 8");
  }
  // Refused before anything listens, as the sidecar refuses an incomplete SSRF configuration.
  const allowlist = resolved.sidecarPort === undefined ? undefined : prefillAllowlist(resolved);
  const https = await loadHttpsMaterial(resolved);
  // Rank 0 first, then the data-parallel ranks: whatever started is closed again if a later part fails.
  const apiServers: ApiServer[] = [];
  let admin: AdminListener | undefined;
  let sidecar: RoutingSidecar | undefined;
  const close = async () => {
    await sidecar?.close();
    await admin?.close();
    await closeApiServers(apiServers);
  };
  try {
    apiServers.push(await startApiServer(resolved, https, 0));
    const { server, app, url } = apiServers[0] as ApiServer;
    await startDataParallelRanks(resolved, https, (app.server.address() as AddressInfo).port, apiServers);
    if (resolved.adminPort !== undefined) admin = await listenAdmin(server, resolved.host, resolved.adminPort);
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
        dataParallelSize: resolved.dataParallelSize,
        podIp: resolved.host,
      });
    }
    return {
      url,
      sidecarUrl: sidecar?.url,
      podUrl: sidecar?.url ?? url,
      adminUrl: admin && `http://${formatHost(resolved.host)}:${admin.address.port}`,
      server,
      app,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

interface ApiServer {
  server: ModelServer;
  app: FastifyInstance;
  url: string;
}

/** One API server; `index` is the number its start-up line gives it (vLLM's _api_process_rank). */
async function startApiServer(
  options: VllmSimOptions,
  https: HttpsMaterial | undefined,
  index: number,
): Promise<ApiServer> {
  const server = ModelServer.create(options);
  server.logStartup();
  const app = buildVllmApp(server, https);
  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (error) {
    server.close();
    throw error;
  }
  const scheme = https ? "https" : "http";
  const url = `${scheme}://${formatHost(options.host)}:${(app.server.address() as AddressInfo).port}`;
  server.listeningOn(url);
  server.log.info("api_server.py:1912", `Starting vLLM API server ${index} on ${url}`);
  return { server, app, url };
}

/**
 * llm-d-inference-sim's data parallelism: data-parallel-size - 1 further simulators on port+rank,
 * each its own engine (own KV cache, queue and metrics) and its own seed, added to `apiServers`.
 */
async function startDataParallelRanks(
  options: VllmSimOptions,
  https: HttpsMaterial | undefined,
  basePort: number,
  apiServers: ApiServer[],
): Promise<void> {
  for (let rank = 1; rank < options.dataParallelSize; rank++) {
    apiServers.push(
      await startApiServer({ ...options, port: basePort + rank, seed: options.seed + rank }, https, rank),
    );
  }
}

/** Close the API servers, the last started first. */
async function closeApiServers(apiServers: readonly ApiServer[]): Promise<void> {
  for (const { app, server } of [...apiServers].reverse()) {
    await app.close();
    server.close();
  }
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
