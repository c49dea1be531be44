// The Kubernetes-style REST API over the object store, on loopback: core and group paths,
// namespaced and cluster-scoped resources, the status subresource, patches, discovery, /version,
// and pod logs/exec through the kubelet. Every failure is answered with a Status; nothing a client
// sends can take the server down.
import { PassThrough } from "node:stream";
import { ApiError, kubeTime } from "@testbed/apimachinery";
import { type Clock, systemClock } from "@testbed/common";
import Fastify, { type FastifyReply, type FastifyRequest } from "fastify";
import type { ObjectStore } from "../store/object-store.js";
import { reviewSelfAccess } from "./access-review.js";
import type { ApiServingCert } from "./api-serving-cert.js";
import { isAuthorized, unauthorized } from "./bearer-auth.js";
import { coreVersions, groupList, KUBERNETES_VERSION, resourceList } from "./discovery.js";
import { healthCheck } from "./health.js";
import { parseLogTimeOptions, rfc3339Nano } from "./log-options.js";
import { registerOpenApi } from "./openapi-routes.js";
import type { PodAccess } from "./pod-access.js";
import {
  limitBytes,
  parseExecRequest,
  parseLimitBytes,
  parseTailLines,
  requirePodAccess,
  resolveContainer,
} from "./pod-handlers.js";
import { podStreamUpgrades } from "./pod-stream-upgrade.js";
import { parseApiPath, type ResourcePath } from "./resource-path.js";
import { type ResourceContext, serveResource } from "./resource-requests.js";
import { WatchCache } from "./watch.js";

export interface ApiServerOptions {
  store: ObjectStore;
  /** Loopback only (default 127.0.0.1). */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  podAccess?: PodAccess;
  /** For AGE columns and watch timeouts (the testbed's clock). */
  clock?: Clock;
  /** How many recent changes a watch can start from (older versions get 410 Expired). */
  watchWindow?: number;
  /** The bearer token every request must carry (bearer-auth.ts); none: the API is open (tests). */
  token?: string;
  /** Serve HTTPS with this certificate (clients send a bearer token only over TLS); none: plain HTTP. */
  tls?: ApiServingCert;
}

export interface ApiServerHandle {
  url: string;
  /** The CA clients trust, when the server serves HTTPS. */
  ca?: string;
  close(): Promise<void>;
}

type Query = Record<string, string | undefined>;

export async function startApiServer(options: ApiServerOptions): Promise<ApiServerHandle> {
  // forceCloseConnections: `oc logs -f` streams and keep-alive sockets must not hold up shutdown.
  const app = Fastify({
    ...(options.tls ? { https: { cert: options.tls.cert, key: options.tls.key } } : {}),
    logger: false,
    // The real server's limit for a write's body (3 MiB); etcd refuses objects over 1.5 MiB (object-store.ts).
    bodyLimit: 3 * 1024 * 1024,
    forceCloseConnections: true,
    // Fastify answers a malformed URL (`%E0%A4%A`) itself; it too must be a Kubernetes Status.
    frameworkErrors: (error, _request, reply) => sendError(reply, error),
  });
  // Bodies are parsed by the handlers so malformed JSON becomes a Kubernetes Status.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (_request, body, done) => done(null, body));
  app.addContentTypeParser("application/vnd.kubernetes.protobuf", { parseAs: "buffer" }, (_request, body, done) =>
    done(null, body),
  );
  app.setErrorHandler((error, _request, reply) => sendError(reply, error));
  app.setNotFoundHandler((_request, reply) => sendError(reply, notFoundPath()));
  app.addHook("onRequest", async (request, reply) => {
    if (!isAuthorized(options.token, request.url, request.headers)) return sendError(reply, unauthorized());
  });
  app.get("/version", async () => KUBERNETES_VERSION);
  app.get("/api", async () => coreVersions());
  app.get("/apis", async () => groupList());
  for (const check of ["/healthz", "/livez", "/readyz"]) {
    app.get(check, async (request, reply) => reply.type("text/plain").send(healthCheck(check, request.query)));
  }
  app.post("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", async (request, reply) =>
    reply.code(201).send(reviewSelfAccess(request.headers["content-type"], request.body as string | undefined)),
  );
  const clock = options.clock ?? systemClock;
  const watches = new WatchCache(options.store, options.watchWindow);
  const context: ResourceContext = { store: options.store, watches, clock, startedAt: kubeTime(clock.now()) };
  registerOpenApi(app);
  app.route({
    method: ["GET", "POST", "PUT", "PATCH", "DELETE"],
    url: "/*",
    handler: (request, reply) => route(options, context, request, reply),
  });
  const streams = podStreamUpgrades(options);
  app.server.on("upgrade", streams.onUpgrade);
  app.addHook("preClose", async () => streams.close());
  const address = await app.listen({ host: options.host ?? "127.0.0.1", port: options.port ?? 0 });
  return {
    url: address,
    ca: options.tls?.ca,
    close: async () => {
      watches.close();
      await app.close();
    },
  };
}

async function route(
  options: ApiServerOptions,
  context: ResourceContext,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<unknown> {
  // Not `new URL(...)`: it would resolve `..` and `%2E%2E` segments, turning
  // `/namespaces/x/configmaps/..` into the namespace itself; segments are checked one by one instead.
  const pathname = request.url.split("?")[0] ?? "";
  const target = parseApiPath(pathname);
  if (target.type === "group") {
    const list = resourceList(target.group, target.version);
    if (!list || request.method !== "GET") return sendError(reply, notFoundPath());
    return reply.send(list);
  }
  if (target.type === "unknown") return sendError(reply, notFoundPath());
  const path = target.path;
  const query = request.query as Query;
  if (path.info.kind === "Pod" && path.subresource === "log" && request.method === "GET") {
    return streamLogs(options, path, query, reply);
  }
  if (path.info.kind === "Pod" && path.subresource === "exec" && request.method === "POST") {
    return execInPod(options, path, request, reply);
  }
  return serveResource(context, path, request, reply);
}

async function streamLogs(
  options: ApiServerOptions,
  path: ResourcePath,
  query: Query,
  reply: FastifyReply,
): Promise<unknown> {
  const namespace = path.namespace as string;
  const pod = path.name as string;
  const container = resolveContainer(options.store, namespace, pod, query.container);
  const access = requirePodAccess(options.podAccess);
  // The store's clock is the cluster's (the kubelet stamps lines with the same one).
  const now = () => Date.parse(options.store.now());
  const timeOptions = parseLogTimeOptions(query, now());
  const lines = await access.logs(namespace, pod, container, {
    ...timeOptions,
    tailLines: parseTailLines(query.tailLines),
  });
  const text = lines.map((line) => `${line}\n`).join("");
  reply.type("text/plain; charset=utf-8");
  if (query.follow !== "true") return reply.send(limitBytes(text, parseLimitBytes(query.limitBytes)));
  const stream = new PassThrough();
  stream.write(text);
  const stamp = () => (timeOptions.timestamps ? `${rfc3339Nano(now())} ` : "");
  const unsubscribe = access.followLogs(namespace, pod, container, (line) => stream.write(`${stamp()}${line}\n`));
  // The client hanging up (Ctrl-C on `oc logs -f`) ends the subscription.
  reply.raw.on("close", () => {
    unsubscribe();
    stream.end();
  });
  reply.send(stream);
  // `logs -f` of a quiet container: the status line and headers now, not with the first line.
  reply.raw.flushHeaders();
  return reply;
}

async function execInPod(
  options: ApiServerOptions,
  path: ResourcePath,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<unknown> {
  const exec = parseExecRequest(request.body as string | undefined);
  const namespace = path.namespace as string;
  const pod = path.name as string;
  const container = resolveContainer(options.store, namespace, pod, exec.container);
  const result = await requirePodAccess(options.podAccess).exec(namespace, pod, container, exec.command);
  return reply.send(result);
}

function notFoundPath(): ApiError {
  return new ApiError("NotFound", "the server could not find the requested resource");
}

function sendError(reply: FastifyReply, error: unknown): FastifyReply {
  const apiError = toApiError(error);
  return reply.code(apiError.code).type("application/json").send(apiError.toStatus());
}

function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const failure = error as { statusCode?: number; message?: string; code?: string };
  if (failure.statusCode === 413)
    return new ApiError("RequestEntityTooLarge", "Request entity too large: limit is 3145728");
  if (failure.statusCode === 415)
    return new ApiError("UnsupportedMediaType", failure.message ?? "unsupported media type");
  if (failure.statusCode !== undefined && failure.statusCode >= 400 && failure.statusCode < 500) {
    return new ApiError("BadRequest", failure.message ?? "bad request");
  }
  return new ApiError("InternalError", `Internal error occurred: ${failure.message ?? String(error)}`);
}
