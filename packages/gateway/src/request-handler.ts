// One downstream request through the gateway, in Envoy's order: route, HTTP filters (ext_authz,
// ratelimit, ext_proc) on the request, re-route if a filter cleared the route cache, pick a host
// (override host / round robin / original destination), send upstream with retries, then the response
// back through the filters, streamed to the client. Writes one access log line at the end.
import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { TLSSocket } from "node:tls";
import { type Clock, HOP_BY_HOP_HEADERS, type TimerHandle } from "@testbed/common";
import { type HopStart, hopStart, type PartRecorder, type TraceRing } from "@testbed/trace";
import { type AccessLogEntry, downstreamProtocol } from "./access-log.js";
import { type CancelSignal, ClientGone } from "./client-gone.js";
import type { Route, RouteAction } from "./config/envoy-types.js";
import type { DownstreamRequest, DownstreamResponse } from "./downstream-server.js";
import {
  CONTINUE,
  type FilterRun,
  type LocalReply,
  type PhaseOutcome,
  type RequestState,
  UpstreamResetError,
} from "./filters/http-filter.js";
import type { ClusterEntry, GatewayRuntime, ListenerRuntime } from "./gateway-runtime.js";
import { rewrittenPath } from "./routing/path-rewrite.js";
import { RouteRetryPolicy } from "./routing/retry-policy.js";
import type { RouteMatchResult } from "./routing/route-table.js";
import { describeMatch } from "./routing/route-table.js";
import { routeCluster } from "./routing/weighted-clusters.js";
import { lbDecision, recordListener, recordResponse, recordRoute, recordUpstream } from "./trace/gateway-trace.js";
import type { UpstreamAttempt, UpstreamRequest, UpstreamResponse } from "./upstream/http-upstream.js";
import { failureBody, failureDetails, type UpstreamFailure } from "./upstream/upstream-failure.js";

/** What the handler of one listener's requests works with. */
export interface HandlerContext {
  runtime: GatewayRuntime;
  listener: ListenerRuntime;
  accessLog: (entry: AccessLogEntry) => void;
  /** The access log's start time and durations, the route timeout's body deadline, retry back-offs. */
  clock: Clock;
  /** Draws in [0, 1) for the retry back-off's jitter (default Math.random). */
  random?: () => number;
  /** The gateway's routing trace ring (off: no recording at all). */
  traces?: TraceRing | undefined;
}

/** Istio's gateways name themselves in local replies and upstream responses. */
const SERVER = "istio-envoy";

/** What the filters see when no route matched: no per-filter config, so each runs on its base config. */
const NO_ROUTE: Route = { match: {} };

export function handleRequest(
  context: HandlerContext,
  request: DownstreamRequest,
  response: DownstreamResponse,
): Promise<void> {
  return new DownstreamExchange(context, request, response).run();
}

/**
 * One request's way through the gateway. Its state lives in fields and its steps are methods, so a
 * request makes no closures of its own beyond the few a listener or a filter must be handed.
 */
class DownstreamExchange {
  private readonly started: number;
  private readonly tls: boolean;
  private readonly log: AccessLogEntry;
  private readonly state: RequestState;
  /** The client may leave at any time before its response is complete: the upstream side stops then. */
  private readonly clientGone = new ClientGone();
  private filters: FilterRun[] = [];
  private readonly trace: PartRecorder | undefined;
  private readonly traceStart: HopStart | undefined;
  /** The body was read (or is being read): a filter or the router needed it. */
  private bodyRead = false;
  /** The route timeout's deadline for the response body, while it streams. */
  private bodyDeadline: TimerHandle | undefined;

  constructor(
    private readonly context: HandlerContext,
    private readonly request: DownstreamRequest,
    private readonly response: DownstreamResponse,
  ) {
    const started = context.clock.now();
    this.started = started;
    const tls = (request.socket as TLSSocket).encrypted === true;
    this.tls = tls;
    const headers = requestHeaders(request, tls);
    this.state = { headers, body: EMPTY_BODY, metadata: {}, clearRouteCache: false };
    this.log = {
      startTime: new Date(started),
      method: request.method ?? "GET",
      path: headers[":path"] ?? "/",
      protocol: downstreamProtocol(request.httpVersion),
      responseCode: 0,
      responseFlags: [],
      responseCodeDetails: "",
      bytesReceived: 0,
      bytesSent: 0,
      durationMs: 0,
      forwardedFor: headers["x-forwarded-for"],
      userAgent: headers["user-agent"],
      requestId: headers["x-request-id"],
      authority: headers[":authority"],
      downstreamLocalAddress: `${request.socket.localAddress}:${request.socket.localPort}`,
      downstreamRemoteAddress: `${request.socket.remoteAddress}:${request.socket.remotePort}`,
      requestedServerName: tls ? sniOf(request.socket as TLSSocket) : undefined,
    };
    response.once("close", () => this.closed());
    this.trace = context.traces?.begin(headers["x-request-id"] ?? "", started);
    this.traceStart = this.trace && hopStart(context.clock);
    if (this.trace)
      recordListener(this.trace, this.trace.component, started, traceFacts(context, this.log, tls, headers));
  }

  async run(): Promise<void> {
    const { context, request, response, log, state } = this;
    try {
      // Like Envoy, route and run the filters on the headers; the body is read only once a filter (or the
      // router) needs it, so a request refused on its headers (401, 429, 404) is refused before its body.
      // (A direct_response is the router's: it answers after the filters, below.)
      // A request no route matches still goes through the filters (with their base config, as no
      // route carries a per-filter override); the router then answers 404 NR.
      const headers = state.headers;
      let match = context.listener.routes.match(headers);
      log.routeName = match?.routeName;
      const trace = this.trace;
      if (trace && this.traceStart)
        recordRoute(trace, context.clock, this.traceStart, trace.component, routeFacts(context, match, headers));

      const downstream = {
        remoteAddress: request.socket.remoteAddress ?? "",
        localAddress: log.downstreamLocalAddress,
        tls: this.tls,
      };
      const route = match?.route ?? NO_ROUTE;
      const routeName = match?.routeName ?? "-";
      const filters: FilterRun[] = [];
      for (const factory of context.listener.filters) {
        const run = factory.create(context.runtime.filterContext(route, routeName, downstream, trace));
        if (run !== undefined) filters.push(run);
      }
      this.filters = filters;
      for (const filter of this.filters) {
        if (filter.needsRequestBody !== false && !(await this.readRequestBody())) return this.tooLarge();
        const outcome = await filter.requestPhase(state);
        if (outcome.action === "reply") return this.replyEarly(outcome.reply, outcome.reply.flags ?? []);
      }
      if (state.clearRouteCache) {
        match = context.listener.routes.match(state.headers) ?? match;
        log.routeName = match?.routeName;
      }
      if (!match) return this.replyEarly({ status: 404, body: "", details: "route_not_found" }, ["NR"]);
      if (!(await this.readRequestBody())) return this.tooLarge();
      // The router answers a direct_response route, after the filters before it have run (as it does in Envoy).
      if (match.route.direct_response) {
        const direct = match.route.direct_response;
        return this.localReply(
          { status: direct.status, body: direct.body?.inline_string ?? "", details: "direct_response" },
          [],
        );
      }
      await this.forward(match);
    } catch (error) {
      if (!response.headersSent) {
        this.localReply(
          { status: 500, body: "", details: `gateway_error{${(error as Error).message.replace(/\s/g, "_")}}` },
          [],
        );
      } else {
        response.destroy();
        this.finish();
      }
    }
  }

  /** The response closed: before it was complete, the client left. The body deadline is over either way. */
  private closed(): void {
    if (!this.response.writableFinished) this.clientGone.abort();
    this.stopBodyDeadline();
  }

  /**
   * The request is over: the filters complete, the access log line is written, and the body deadline
   * stops (a client that left before it was set had closed the response already).
   */
  private finish(): void {
    this.stopBodyDeadline();
    const { log, trace, traceStart, context } = this;
    for (const filter of this.filters) filter.complete?.({ status: log.responseCode });
    log.durationMs = context.clock.now() - this.started;
    context.accessLog(log);
    if (trace && traceStart) recordResponse(trace, context.clock, traceStart, trace.component, responseFacts(log));
  }

  private stopBodyDeadline(): void {
    if (this.bodyDeadline) this.context.clock.clearTimeout(this.bodyDeadline);
    this.bodyDeadline = undefined;
  }

  /** Read (and hold) the body; false when it is over the gateway's limit, which is then answered 413. */
  private async readRequestBody(): Promise<boolean> {
    if (this.bodyRead) return true;
    this.bodyRead = true;
    const body = await readHeldBody(this.request, MAX_HELD_BODY_BYTES);
    if (!body) return false;
    this.state.body = body;
    this.log.bytesReceived = body.length;
    return true;
  }

  private replyEarly(reply: LocalReply, flags: string[]): void {
    if (!this.request.complete && !this.bodyRead) closeAfterReply(this.request, this.response);
    this.localReply(reply, flags);
  }

  private tooLarge(): void {
    closeAfterReply(this.request, this.response);
    this.localReply(PAYLOAD_TOO_LARGE, []);
  }

  private localReply(reply: LocalReply, flags: string[]): void {
    const { log, response } = this;
    log.responseCode = reply.status;
    log.responseFlags.push(...flags);
    log.responseCodeDetails = reply.details;
    const body = Buffer.from(reply.body, "utf8");
    log.bytesSent = body.length;
    if (!response.headersSent) {
      response.writeHead(reply.status, {
        ...(body.length > 0 ? { "content-type": "text/plain" } : {}),
        ...reply.headers,
        "content-length": String(body.length),
        server: SERVER,
      });
    }
    response.end(body);
    this.finish();
  }

  private async forward(match: RouteMatchResult): Promise<void> {
    const { context, state, log, trace } = this;
    const action = match.route.route;
    const clusterName = routeCluster(action, Math.random());
    const entry = context.runtime.clusters.get(clusterName);
    log.upstreamCluster = clusterName;
    if (!entry)
      return this.localReply({ status: 503, body: "no healthy upstream", details: "cluster_not_found" }, ["NC"]);

    const path = state.headers[":path"] ?? "/";
    const rewritten = rewrittenPath(path, action, match.matchedPrefix);
    const upstreamPath = rewritten ?? path;
    if (rewritten !== undefined) state.headers["x-envoy-original-path"] = path;
    const upstreamHeaders = outgoingHeaders(state.headers, state.body);
    const retryPolicy = retryPolicyOf(action);
    // Envoy's route timeout (15 s unless the route says otherwise; 0 disables — Istio's choice) covers
    // the whole upstream response.
    const timeoutMs = (action?.timeout ?? 15) * 1000;

    const sentAt = context.clock.now();
    const upstreamStart = trace && hopStart(context.clock);
    const upstreamRequest = {
      method: state.headers[":method"] ?? "GET",
      path: upstreamPath,
      headers: upstreamHeaders,
      body: state.body,
    };
    const outcome = await sendWithRetries(entry, state, upstreamRequest, {
      retryPolicy,
      timeoutMs,
      sentAt,
      log,
      context,
      clientGone: this.clientGone,
    });
    const { attempt } = outcome;
    if (trace && upstreamStart) {
      const status = attempt?.ok ? attempt.response.statusCode : undefined;
      recordUpstream(trace, context.clock, upstreamStart, trace.component, {
        cluster: entry.runtime,
        lbDecision: lbDecision(entry.runtime, state.metadata, state.headers),
        tried: outcome.tried,
        tries: outcome.tries,
        host: log.upstreamHost,
        status,
        failure: attempt?.ok ? undefined : (outcome.lastFailure ?? { status: 503, flag: "UH" }),
        requestBodyBytes: state.body?.length ?? 0,
      });
    }
    if (!attempt?.ok) {
      const failure = outcome.lastFailure ?? { status: 503, flag: "UH", resetReason: "" };
      if (failure.flag === "DC") {
        log.responseFlags.push("DC");
        log.responseCodeDetails = failureDetails(failure);
        return this.finish();
      }
      log.transportFailureReason = failure.transportFailure;
      const flags: string[] = [failure.flag];
      if (outcome.retried && outcome.retriesExhausted) flags.push("URX");
      if (outcome.retryOverflow) flags.push("UO");
      return this.localReply(
        {
          status: failure.status,
          body: failureBody(failure, outcome.retried),
          details: failureDetails(failure),
        },
        flags,
      );
    }

    // The last try's retriable response goes to the client as it is, flagged URX.
    if (outcome.retriesExhausted) log.responseFlags.push("URX");
    log.upstreamLocalAddress = attempt.localAddress;
    const serviceTimeMs = context.clock.now() - sentAt;
    log.upstreamServiceTimeMs = serviceTimeMs;
    return this.relayResponse(attempt.response, serviceTimeMs, sentAt, timeoutMs);
  }

  /**
   * The upstream's response back to the client: through the filters' response phases in reverse
   * chain order, then its body streamed (or handed to the one filter that processes it) under what
   * is left of the route timeout.
   */
  private async relayResponse(
    upstreamResponse: UpstreamResponse,
    serviceTimeMs: number,
    sentAt: number,
    timeoutMs: number,
  ): Promise<void> {
    const { context, response, log, filters } = this;
    const { headers: upstreamHeadersIn, statusCode, body: upstream } = upstreamResponse;
    const responseHeaders = upstreamResponseHeaders(upstreamHeadersIn, statusCode);
    responseHeaders["x-envoy-upstream-service-time"] = String(Math.round(serviceTimeMs));
    const length = upstreamHeadersIn["content-length"];
    const body = { chunks: upstream, contentLength: length === undefined ? undefined : Number(length) };
    // Encoder filters run in reverse chain order.
    for (let i = filters.length - 1; i >= 0; i--) {
      const filter = filters[i] as FilterRun;
      let outcome: PhaseOutcome;
      try {
        outcome = (await filter.responseHeaders?.(responseHeaders, length === "0", body)) ?? CONTINUE;
      } catch (error) {
        upstream.destroy();
        if (!(error instanceof UpstreamResetError)) throw error;
        log.responseFlags.push("UC");
        response.destroy();
        return this.finish();
      }
      if (outcome.action === "reply") {
        // The client gets a local reply instead: Envoy resets the upstream request still under way.
        upstream.destroy();
        return this.localReply(outcome.reply, outcome.reply.flags ?? []);
      }
    }
    const status = Number(responseHeaders[":status"] ?? statusCode);
    delete responseHeaders[":status"];
    log.responseCode = status;
    log.responseCodeDetails = "via_upstream";
    // The last filter of the chain that processes the body (the first encoder) takes it.
    let bodyFilter: FilterRun | undefined;
    for (let i = filters.length - 1; i >= 0 && !bodyFilter; i--)
      if (filters[i]?.processesResponseBody === true) bodyFilter = filters[i];
    if (bodyFilter) delete responseHeaders["content-length"];
    try {
      response.writeHead(status, responseHeaders);
    } catch (error) {
      // Headers Node cannot write (a filter set a malformed value): no response, no upstream either.
      upstream.destroy();
      throw error;
    }
    const observing = filters.some((filter) => filter.observeResponseChunk !== undefined);
    const write = (chunk: Buffer) => {
      log.bytesSent += chunk.length;
      if (observing) for (const filter of filters) filter.observeResponseChunk?.(chunk);
      // Both codecs' responses take a Buffer; their write() overloads just differ in TypeScript.
      (response as { write(chunk: Buffer): boolean }).write(chunk);
    };
    const onClientGone = () => {
      if (!log.responseFlags.includes("UT")) log.responseFlags.push("DC");
      upstream.destroy();
    };
    if (this.clientGone.aborted) onClientGone();
    else this.clientGone.addEventListener("abort", onClientGone);
    if (timeoutMs > 0)
      this.bodyDeadline = context.clock.setTimeout(
        () => {
          log.responseFlags.push("UT");
          upstream.destroy();
          response.destroy();
        },
        Math.max(1, timeoutMs - (context.clock.now() - sentAt)),
      );
    try {
      if (bodyFilter?.responseBody) await bodyFilter.responseBody(upstream, write, body.contentLength);
      else for await (const chunk of upstream) write(chunk);
      response.end();
    } catch {
      if (!log.responseFlags.includes("DC") && !log.responseFlags.includes("UT")) log.responseFlags.push("UC");
      response.destroy();
    }
    this.finish();
  }
}

/** A route's retry policy, read once per route of a config version (a route without one shares NO_RETRY). */
const retryPolicies = new WeakMap<RouteAction, RouteRetryPolicy>();
const NO_RETRY = new RouteRetryPolicy(undefined);

function retryPolicyOf(action: RouteAction | undefined): RouteRetryPolicy {
  if (!action?.retry_policy) return NO_RETRY;
  let policy = retryPolicies.get(action);
  if (!policy) {
    policy = new RouteRetryPolicy(action.retry_policy);
    retryPolicies.set(action, policy);
  }
  return policy;
}

/** The request's headers as Envoy holds them: lower-case, pseudo-headers, x-request-id, x-forwarded-*. */
function requestHeaders(request: DownstreamRequest, tls: boolean): Record<string, string> {
  const headers: Record<string, string> = {
    ":method": request.method ?? "GET",
    ":path": request.url ?? "/",
    ":authority": request.headers.host ?? "",
    ":scheme": tls ? "https" : "http",
  };
  const incoming = request.headers;
  for (const name in incoming) {
    const value = incoming[name];
    if (value === undefined || name === "host") continue;
    headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  const remote = request.socket.remoteAddress ?? "";
  headers["x-forwarded-for"] = headers["x-forwarded-for"] ? `${headers["x-forwarded-for"]},${remote}` : remote;
  headers["x-forwarded-proto"] = tls ? "https" : "http";
  headers["x-request-id"] ??= randomUUID();
  headers["x-envoy-external-address"] = remote;
  return headers;
}

/** Upstream request headers: no pseudo-headers or hop-by-hop headers; Content-Length for the body actually sent. */
function outgoingHeaders(headers: Record<string, string>, body: Buffer | null): Record<string, string> {
  const out: Record<string, string> = { host: headers[":authority"] ?? "" };
  for (const name in headers) {
    // Expect: Envoy answers "100 Continue" itself and strips the header (proxy_100_continue unset).
    if (name.startsWith(":") || HOP_BY_HOP_HEADERS.has(name) || name === "content-length" || name === "expect")
      continue;
    out[name] = headers[name] as string;
  }
  if (body !== null) out["content-length"] = String(body.length);
  return out;
}

function upstreamResponseHeaders(headers: IncomingHttpHeaders, status: number): Record<string, string> {
  const out: Record<string, string> = { ":status": String(status) };
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || HOP_BY_HOP_HEADERS.has(name)) continue;
    out[name] = Array.isArray(value) ? value.join(",") : value;
  }
  out.server = SERVER;
  return out;
}

/** The body a request has before it is read: none (ext_authz's Check then says size 0, as Envoy's does at headers time). */
const EMPTY_BODY = Buffer.alloc(0);

/**
 * A reply sent before the request's body was read: like Envoy on HTTP/1.1, say `connection: close`
 * (Node then closes the connection once the reply is out) instead of reading a body nobody will use.
 * An HTTP/2 stream needs nothing: the reply ends the stream, the rest of its body is dropped.
 */
function closeAfterReply(request: DownstreamRequest, response: DownstreamResponse): void {
  if (request.httpVersionMajor === 1 && !response.headersSent) response.setHeader("connection", "close");
}

/**
 * The most request body the gateway holds. Envoy streams a body no filter buffers; this gateway holds
 * each one whole before forwarding it, so it caps what it holds (a testbed protection, far above any
 * chat request) instead of letting one client exhaust its memory: over it, Envoy's buffer-overflow reply.
 */
export const MAX_HELD_BODY_BYTES = 64 * 1024 * 1024;

const PAYLOAD_TOO_LARGE: LocalReply = { status: 413, body: "Payload Too Large", details: "request_payload_too_large" };

/** The whole body, or undefined once it is over `limit` (a declared Content-Length over it is not read at all). */
function readHeldBody(request: DownstreamRequest, limit: number): Promise<Buffer | undefined> {
  const declared = Number(request.headers["content-length"] ?? 0);
  if (declared > limit) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let held = 0;
    const onData = (chunk: Buffer) => {
      held += chunk.length;
      if (held <= limit) {
        chunks.push(chunk);
        return;
      }
      request.off("data", onData);
      request.pause();
      resolve(undefined);
    };
    request.on("data", onData);
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

/** Node reports `servername: false` when the client sent no SNI (e.g. curl to an IP); Envoy logs "-". */
function sniOf(socket: TLSSocket): string | undefined {
  const servername = (socket as TLSSocket & { servername?: string | false }).servername;
  return typeof servername === "string" && servername !== "" ? servername : undefined;
}

interface RetryOutcome {
  attempt: UpstreamAttempt | undefined;
  lastFailure: UpstreamFailure | undefined;
  /** At least one retry was sent. */
  retried: boolean;
  /** Every retry the route allows was used (URX). */
  retriesExhausted: boolean;
  /** A retry was refused by the cluster's max_retries circuit breaker (UO). */
  retryOverflow: boolean;
  /** Hosts tried, and how many tries were sent (the routing trace's attempts). */
  tried: Set<string>;
  tries: number;
}

/**
 * The upstream attempt and the route's retries (retry_policy, routing/retry-policy.ts): a failure or
 * a response the policy names is retried while retries remain and the cluster's max_retries has
 * room; a retry prefers hosts not tried yet when the policy has the previous_hosts predicate.
 * Envoy never retries a timeout, a circuit breaker's overflow or a request whose client left.
 */
async function sendWithRetries(
  entry: ClusterEntry,
  state: RequestState,
  upstreamRequest: UpstreamRequest,
  options: {
    retryPolicy: RouteRetryPolicy;
    timeoutMs: number;
    sentAt: number;
    log: AccessLogEntry;
    context: HandlerContext;
    clientGone: CancelSignal;
  },
): Promise<RetryOutcome> {
  const { retryPolicy, timeoutMs, sentAt, log, context, clientGone } = options;
  const retries = retryPolicy.maxRetries;
  const { stats, resources } = entry.runtime;
  const outcome: RetryOutcome = {
    attempt: undefined,
    lastFailure: undefined,
    retried: false,
    retriesExhausted: false,
    retryOverflow: false,
    tried: new Set<string>(),
    tries: 0,
  };
  const tried = outcome.tried;
  for (let tries = 0; tries <= retries; tries++) {
    const retry = tries > 0;
    if (retry && !resources.retries.canCreate()) {
      stats.inc("upstream_rq_retry_overflow");
      outcome.retryOverflow = true;
      return outcome;
    }
    if (retry) await context.clock.sleep(retryPolicy.backOffMs(tries, (context.random ?? Math.random)()));
    const avoid = retry ? { hosts: tried, reselections: retryPolicy.hostReselections } : undefined;
    const host = entry.runtime.choose({
      headers: state.headers,
      metadata: state.metadata,
      ...(avoid ? { avoid } : {}),
    });
    if (!host) {
      stats.inc("upstream_cx_none_healthy");
      outcome.lastFailure = { status: 503, flag: "UH", resetReason: "" };
      return outcome;
    }
    tried.add(host.hostPort);
    outcome.tries = tries + 1;
    if (retry) {
      stats.inc("upstream_rq_retry");
      outcome.retried = true;
    }
    log.upstreamHost = host.hostPort;
    const remaining = timeoutMs > 0 ? Math.max(1, timeoutMs - (context.clock.now() - sentAt)) : 0;
    // A retry holds its slot under max_retries while it is in flight.
    if (retry) resources.retries.inc();
    try {
      outcome.attempt = await entry.http.send(host, upstreamRequest, remaining, clientGone);
    } finally {
      if (retry) resources.retries.dec();
    }
    if (outcome.attempt.ok) {
      const { statusCode, headers } = outcome.attempt.response;
      if (!retryPolicy.retriesResponse(statusCode, headers)) {
        if (retry) stats.inc("upstream_rq_retry_success");
        return outcome;
      }
      if (tries === retries) break;
      // Retried: Envoy resets this upstream request and drops its response.
      outcome.attempt.response.body.destroy();
      continue;
    }
    outcome.lastFailure = outcome.attempt.failure;
    if (!retryPolicy.retriesFailure(outcome.lastFailure)) return outcome;
  }
  if (retries > 0) stats.inc("upstream_rq_retry_limit_exceeded");
  outcome.retriesExhausted = true;
  return outcome;
}

/** The listener hop's facts. */
function traceFacts(context: HandlerContext, log: AccessLogEntry, tls: boolean, headers: Record<string, string>) {
  return { listener: context.listener.config.name, address: log.downstreamLocalAddress ?? "", tls, headers };
}

/** The route hop's facts: the match, its cluster, and why the routes before it did not match. */
function routeFacts(context: HandlerContext, match: RouteMatchResult | undefined, headers: Record<string, string>) {
  const explained: Parameters<typeof recordRoute>[4] = context.listener.routes.explain(headers, match);
  if (!match) return explained;
  const action = match.route.route;
  const cluster = action?.cluster ?? action?.weighted_clusters?.clusters.map((c) => c.name).join(",");
  explained.route = match.routeName;
  explained.match = describeMatch(match.route);
  if (cluster !== undefined) explained.cluster = cluster;
  return explained;
}

function responseFacts(log: AccessLogEntry) {
  return {
    status: log.responseCode,
    flags: log.responseFlags,
    bytesSent: log.bytesSent,
    details: log.responseCodeDetails,
  };
}
