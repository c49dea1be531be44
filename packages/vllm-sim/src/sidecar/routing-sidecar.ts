// llm-d's routing sidecar, which sits in front of vLLM in a decode pod (port 8000 → vLLM on 8001).
// With no `x-prefiller-host-port` header it is a plain reverse proxy. With one (set by the EPP's
// prefill-header-handler) it runs the NIXL v2 exchange: ask the prefill pod for one token with
// `do_remote_decode`, then send the original request to local vLLM with the prefill pod's
// `kv_transfer_params`, so the decode pod pulls the KV instead of computing the prompt.
import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import type { Clock, LogSink } from "@testbed/common";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { Agent, request as httpRequest } from "undici";
import type { HttpsMaterial } from "../http/app.js";
import { buildDecodeBody, buildPrefillBody } from "./nixl-v2.js";
import { type PrefillAllowlist, SSRF_FORBIDDEN_BODY } from "./prefill-allowlist.js";
import { forwardedHeaders, reverseProxy } from "./reverse-proxy.js";

export interface RoutingSidecarOptions {
  host: string;
  port: number;
  /** Local vLLM, e.g. https://127.0.0.1:8001. */
  decoderUrl: string;
  prefillerUseTls: boolean;
  https: HttpsMaterial | undefined;
  log: LogSink;
  /** The `ts` of its log lines. */
  clock: Clock;
  /** --enable-ssrf-protection: prefill targets must be pods of the InferencePool. */
  allowlist?: PrefillAllowlist | undefined;
  /**
   * --data-parallel-size: ranks 1…N-1 get their own listener on port+rank in front of vLLM's
   * port+rank, and `x-data-parallel-host-port` picks a rank's decoder (default 1).
   */
  dataParallelSize?: number | undefined;
  /** POD_IP as the sidecar reads it: the host part of its data-parallel keys ("" when unset). */
  podIp?: string | undefined;
}

export interface RoutingSidecar {
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

export async function startRoutingSidecar(options: RoutingSidecarOptions): Promise<RoutingSidecar> {
  // Pods present certificates for their Service names, not their IPs: the sidecar skips verification,
  // as llm-d's --decoder-tls-insecure-skip-verify / --prefiller-tls-insecure-skip-verify deployments do.
  const dispatcher = new Agent({ connect: { rejectUnauthorized: false }, keepAliveTimeout: 30_000 });
  const ranks = dataParallelRanks(options);
  const servers: ProxyServer[] = [];
  try {
    // Rank 0 consults x-data-parallel-host-port; the other ranks' servers are clones that do not.
    servers.push(await startProxyServer(options, options.port, options.decoderUrl, dispatcher, ranks.targets));
    for (const rank of ranks.extra) {
      servers.push(await startProxyServer(options, rank.port, rank.decoderUrl, dispatcher, undefined));
    }
  } catch (error) {
    await Promise.all(servers.map((server) => server.app.close()));
    await dispatcher.close();
    throw error;
  }
  const first = servers[0] as ProxyServer;
  return {
    url: first.url,
    app: first.app,
    async close() {
      await Promise.all(servers.map((server) => server.app.close()));
      await dispatcher.close();
    },
  };
}

interface ProxyServer {
  url: string;
  app: FastifyInstance;
}

/**
 * startDataParallel: the key `POD_IP:port` serves rank 0's decoder, `POD_IP:port+r` rank r's
 * (vLLM's port+r on the same pod) for r in 1…N-1. Ports 0 (tests) give no extra ranks.
 */
function dataParallelRanks(options: RoutingSidecarOptions) {
  const size = options.port === 0 ? 1 : (options.dataParallelSize ?? 1);
  const podIp = options.podIp ?? "";
  const decoder = new URL(options.decoderUrl);
  const targets = new Map<string, string>([[joinHostPort(podIp, options.port), options.decoderUrl]]);
  const extra: Array<{ port: number; decoderUrl: string }> = [];
  for (let rank = 1; rank < size; rank++) {
    const rankDecoder = new URL(decoder);
    rankDecoder.port = String(Number(decoder.port) + rank);
    const decoderUrl = rankDecoder.origin;
    targets.set(joinHostPort(podIp, options.port + rank), decoderUrl);
    extra.push({ port: options.port + rank, decoderUrl });
  }
  return { targets, extra };
}

/** net.JoinHostPort. */
function joinHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

async function startProxyServer(
  options: RoutingSidecarOptions,
  port: number,
  decoderUrl: string,
  dispatcher: Agent,
  dataParallel: ReadonlyMap<string, string> | undefined,
): Promise<ProxyServer> {
  const app = (options.https
    ? Fastify({ logger: false, https: options.https, forceCloseConnections: true })
    : Fastify({ logger: false, forceCloseConnections: true })) as unknown as FastifyInstance;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string", bodyLimit: 64 * 1024 * 1024 }, (_r, body, done) =>
    done(null, body),
  );

  const log = (level: string, msg: string, fields: Record<string, unknown> = {}) =>
    options.log(
      JSON.stringify({
        level,
        ts: new Date(options.clock.now()).toISOString(),
        logger: "proxy server",
        msg,
        ...fields,
      }),
    );

  /**
   * The decoder proxy. Its ErrorHandler (proxy.go createRoutes) logs a refused connection as
   * "waiting for vLLM to be ready", anything else as "http: proxy error", and answers 502 with no body.
   */
  const forward = (request: FastifyRequest, reply: FastifyReply, body: string | undefined, target = decoderUrl) =>
    reverseProxy(dispatcher, target, request, reply, body).catch((error: NodeJS.ErrnoException) => {
      const refused = error.code === "ECONNREFUSED";
      log("error", refused ? "waiting for vLLM to be ready" : "http: proxy error", { error: error.message });
      return reply.code(502).send();
    });

  /**
   * The decode leg: dataParallelHandler first (rank 0 only) — a known `x-data-parallel-host-port`
   * goes to that rank's decoder, an unknown one is answered 400 with no body — else the local decoder.
   */
  const decode = async (request: FastifyRequest, reply: FastifyReply, body: string | undefined) => {
    const hostPort = dataParallel ? firstHeader(request, "x-data-parallel-host-port") : undefined;
    if (!dataParallel || !hostPort) return forward(request, reply, body);
    const target = dataParallel.get(hostPort);
    if (!target) return reply.code(400).send();
    return forward(request, reply, body, target);
  };

  const disaggregated = async (request: FastifyRequest, reply: FastifyReply) => {
    const prefiller = prefillerTarget(request);
    const raw = typeof request.body === "string" ? request.body : "";
    if (!prefiller) return decode(request, reply, raw);
    if (options.allowlist && !options.allowlist.isAllowed(prefiller)) {
      log("error", "SSRF protection: prefill target not in allowlist", {
        target: prefiller,
        clientIP: `${request.ip}:${request.socket.remotePort}`,
        userAgent: request.headers["user-agent"] ?? "",
        requestPath: request.url,
      });
      return reply
        .code(403)
        .header("content-type", "text/plain; charset=utf-8")
        .header("x-content-type-options", "nosniff")
        .send(SSRF_FORBIDDEN_BODY);
    }
    let original: Record<string, unknown>;
    try {
      original = JSON.parse(raw) as Record<string, unknown>;
    } catch (error) {
      return reply
        .code(400)
        .send({ object: "error", message: String(error), type: "BadRequestError", param: "", code: 400 });
    }
    // The client's (or the gateway's) x-request-id carries through to both pods; else a new one.
    const incoming = request.headers["x-request-id"];
    const requestId = typeof incoming === "string" && incoming !== "" ? incoming : randomUUID();
    log("info", "running NIXL protocol V2", { url: prefiller, "x-request-id": requestId });
    const scheme = options.prefillerUseTls ? "https" : "http";
    let prefill: Awaited<ReturnType<typeof httpRequest>>;
    try {
      prefill = await httpRequest(`${scheme}://${prefiller}${request.url}`, {
        method: "POST",
        headers: { ...forwardedHeaders(request), "content-type": "application/json", "x-request-id": requestId },
        body: JSON.stringify(buildPrefillBody(original)),
        dispatcher,
      });
    } catch (error) {
      log("error", "failed to reach prefiller", { url: prefiller, error: String(error) });
      return reply
        .code(502)
        .send({ object: "error", message: String(error), type: "BadGateway", param: "", code: 502 });
    }
    const prefillText = await prefill.body.text();
    if (prefill.statusCode < 200 || prefill.statusCode > 299) {
      log("error", "prefill request failed", { code: prefill.statusCode });
      return reply.code(prefill.statusCode).send();
    }
    let kvTransferParams: unknown;
    try {
      kvTransferParams = (JSON.parse(prefillText) as { kv_transfer_params?: unknown }).kv_transfer_params;
    } catch {
      kvTransferParams = undefined;
    }
    if (kvTransferParams === undefined)
      log("info", "warning: missing 'kv_transfer_params' field in prefiller response");
    request.headers["x-request-id"] = requestId;
    return decode(request, reply, JSON.stringify(buildDecodeBody(original, kvTransferParams)));
  };

  app.get("/health", async (_request, reply) => reply.code(200).send());
  app.post("/v1/chat/completions", disaggregated);
  app.post("/v1/completions", disaggregated);
  app.all("/*", async (request, reply) =>
    forward(request, reply, typeof request.body === "string" ? request.body : undefined),
  );
  app.setErrorHandler((error: Error, _request, reply) => {
    log("error", "proxy error", { error: error.message });
    return reply.code(502).send({ object: "error", message: error.message, type: "BadGateway", param: "", code: 502 });
  });

  await app.listen({ host: options.host, port });
  const scheme = options.https ? "https" : "http";
  const url = `${scheme}://${options.host}:${(app.server.address() as AddressInfo).port}`;
  log("info", "starting proxy server", { addr: url, decoder: decoderUrl, connector: "nixlv2" });
  return { url, app };
}

/** Go's Header.Get: the first line of a header as sent (Node joins repeated lines with ", "). */
function firstHeader(request: FastifyRequest, name: string): string | undefined {
  const raw = request.raw.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]?.toLowerCase() === name) return raw[i + 1];
  return undefined;
}

/**
 * `x-prefiller-host-port` (several values — repeated headers, which Node joins with ", " — mean
 * several candidates; the first is used), or the older `x-prefiller-url` with its scheme stripped.
 */
function prefillerTarget(request: FastifyRequest): string | undefined {
  const hostPort = request.headers["x-prefiller-host-port"];
  const first = typeof hostPort === "string" ? hostPort.split(",")[0]?.trim() : undefined;
  if (first) return first;
  const url = request.headers["x-prefiller-url"];
  if (typeof url === "string" && url !== "") return url.replace(/^https?:\/\//, "");
  return undefined;
}
