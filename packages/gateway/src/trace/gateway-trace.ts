// What the gateway writes into its routing trace (@testbed/trace): the hops of one request built
// from the gateway's own values, so each recording site is one call. Nothing here runs when the
// ring is off: every caller holds a PartRecorder only while tracing.
import type { Clock } from "@testbed/common";
import {
  type DescriptorStatus,
  describeStreamError,
  type ExtProcHop,
  type HopStart,
  hopTime,
  type PartRecorder,
  type RouteMiss,
} from "@testbed/trace";
import type { EffectiveExtProc } from "../ext-proc/ext-proc-merge.js";
import type { PhaseOutcome } from "../filters/http-filter.js";
import type { ClusterRuntime } from "../upstream/cluster.js";

/** The route hop: which route took the request, its cluster, and why the routes before it did not. */
export function recordRoute(
  part: PartRecorder,
  clock: Clock,
  start: HopStart,
  component: string,
  explained: { virtualHost: string; route?: string; match?: string; cluster?: string; misses: RouteMiss[] },
): void {
  const misses =
    explained.misses.length > MAX_MISSES
      ? [
          ...explained.misses.slice(0, MAX_MISSES),
          { route: "…", reason: `${explained.misses.length - MAX_MISSES} more routes did not match` },
        ]
      : explained.misses;
  // The capped misses override the full list the spread brings.
  part.hop({ kind: "route", component, time: hopTime(clock, start), ...explained, misses });
}

/** Routes listed as not matching: a virtual host of thousands of routes must not fill the ring. */
const MAX_MISSES = 16;

/** What the ext_proc filter's run came to, in the trace's words. */
export interface ExtProcRunFacts {
  config: EffectiveExtProc;
  failureModeAllow: boolean;
  bodyBytesBefore: number;
  bodyBytesAfter: number;
  bodyMoved: boolean;
  outcome: PhaseOutcome;
  /** The ProcessorFailure's details and kind, when the stream failed. */
  failure?: { details: string; kind: string };
  headersSet: Record<string, string>;
  metadataSet: Record<string, unknown> | undefined;
}

export function recordExtProc(
  part: PartRecorder,
  clock: Clock,
  start: HopStart,
  component: string,
  facts: ExtProcRunFacts,
): void {
  const { config, failure, outcome } = facts;
  const mode = config.mode;
  const closedByProcessor = failure?.kind === "closed";
  const streamFailed = failure !== undefined && !closedByProcessor;
  const hop: ExtProcHop = {
    kind: "ext_proc",
    component,
    time: hopTime(clock, start),
    config: hopConfig(config, facts.failureModeAllow),
    streamOpened: !config.enabled ? false : !streamFailed,
    ...(streamFailed ? { streamError: describeStreamError(failure.details) } : {}),
    requestBody: facts.bodyMoved
      ? "moved"
      : facts.bodyBytesBefore === 0
        ? "none"
        : mode.request_body_mode !== "NONE" && !streamFailed
          ? "sent-buffered"
          : "kept",
    outcome: !config.enabled
      ? "skipped"
      : streamFailed
        ? outcome.action === "continue"
          ? "failed-open"
          : "failed-closed"
        : outcome.action === "reply"
          ? "immediate-response"
          : "processed",
    bodyBytesBefore: facts.bodyBytesBefore,
    bodyBytesAfter: facts.bodyBytesAfter,
    ...(Object.keys(facts.headersSet).length > 0 ? { headersSet: { ...facts.headersSet } } : {}),
    ...(facts.metadataSet ? { metadataSet: flatStrings(facts.metadataSet) } : {}),
    ...(outcome.action === "reply" ? { status: outcome.reply.status } : {}),
  };
  part.hop(hop);
}

/**
 * The ext_proc hop's config part: the same for every request of a route's merged settings, so it is
 * made once per settings and fail-open value and shared by the hops (readers never change a hop).
 */
function hopConfig(config: EffectiveExtProc, failureModeAllow: boolean): ExtProcHop["config"] {
  let made = hopConfigs.get(config);
  if (!made) {
    made = {};
    hopConfigs.set(config, made);
  }
  const key = failureModeAllow ? "failOpen" : "failClosed";
  const cached = made[key];
  if (cached) return cached;
  const mode = config.mode;
  const fresh: ExtProcHop["config"] = {
    cluster: config.clusterName ?? "",
    requestHeaderMode: mode.request_header_mode,
    requestBodyMode: mode.request_body_mode,
    responseHeaderMode: mode.response_header_mode,
    responseBodyMode: mode.response_body_mode,
    failureModeAllow,
    origin:
      mode === config.baseMode ? "base filter" : "base filter, processing_mode replaced by the route's ExtProcPerRoute",
  };
  made[key] = fresh;
  return fresh;
}

const hopConfigs = new WeakMap<
  EffectiveExtProc,
  { failOpen?: ExtProcHop["config"]; failClosed?: ExtProcHop["config"] }
>();

/** The ext_authz hop: allowed, denied or failed, and the identity Authorino returned as metadata. */
export function recordExtAuthz(
  part: PartRecorder,
  clock: Clock,
  start: HopStart,
  component: string,
  facts: {
    cluster: string;
    failureModeAllow: boolean;
    outcome: PhaseOutcome;
    metadata: Record<string, unknown> | undefined;
  },
): void {
  const { outcome } = facts;
  const details = outcome.action === "reply" ? outcome.reply.details : "";
  part.hop({
    kind: "ext_authz",
    component,
    time: hopTime(clock, start),
    cluster: facts.cluster,
    result: outcome.action === "continue" ? "allowed" : details === "ext_authz_denied" ? "denied" : "error",
    ...(outcome.action === "reply" ? { status: outcome.reply.status, reason: details } : {}),
    ...(facts.metadata ? { identity: flatStrings(facts.metadata) } : {}),
    failureModeAllow: facts.failureModeAllow,
  });
}

/** The ratelimit hop: descriptors sent, Limitador's answer per descriptor. */
export function recordRateLimit(
  part: PartRecorder,
  clock: Clock,
  start: HopStart,
  component: string,
  facts: {
    cluster: string;
    domain: string;
    descriptors: { entries: { key: string; value: string }[] }[];
    response: { overall_code?: string; statuses?: unknown[] } | undefined;
    error?: string;
  },
): void {
  const code = facts.response?.overall_code;
  part.hop({
    kind: "ratelimit",
    component,
    time: hopTime(clock, start),
    cluster: facts.cluster,
    domain: facts.domain,
    descriptors: facts.descriptors.map((d) => d.entries.map(({ key, value }) => ({ key, value }))),
    overallCode: facts.error !== undefined ? "ERROR" : code === "OK" || code === "OVER_LIMIT" ? code : "UNKNOWN",
    statuses: (facts.response?.statuses ?? []).map(descriptorStatus),
    ...(facts.error !== undefined ? { reason: facts.error } : {}),
  });
}

function descriptorStatus(status: unknown): DescriptorStatus {
  const s = status as {
    code?: string;
    current_limit?: { requests_per_unit?: number; unit?: string };
    limit_remaining?: number;
  };
  return {
    code: s.code === "OK" || s.code === "OVER_LIMIT" ? s.code : "UNKNOWN",
    ...(s.current_limit?.requests_per_unit !== undefined ? { requestsPerUnit: s.current_limit.requests_per_unit } : {}),
    ...(s.current_limit?.unit !== undefined ? { unit: s.current_limit.unit } : {}),
    ...(s.limit_remaining !== undefined ? { remaining: s.limit_remaining } : {}),
  };
}

/** How the cluster chose its host: the EPP's pick (override host) or its own load balancer. */
export function lbDecision(
  cluster: ClusterRuntime,
  metadata: Record<string, Record<string, unknown>>,
  headers: Record<string, string>,
): string {
  const config = cluster.config;
  if (config.type === "ORIGINAL_DST") return "ORIGINAL_DST (the destination header)";
  if (config.override_host) {
    const named = metadata["envoy.lb"]?.["x-gateway-destination-endpoint"];
    if (named !== undefined) return `override host from envoy.lb metadata (the EPP's pick ${String(named)})`;
    if (headers["x-gateway-destination-endpoint"] !== undefined)
      return `override host from x-gateway-destination-endpoint (${headers["x-gateway-destination-endpoint"]})`;
    return "round robin: nobody named a host (no envoy.lb metadata, no x-gateway-destination-endpoint)";
  }
  return `${config.lb_policy ?? "ROUND_ROBIN"}`;
}

/** One level of string values: metadata structs as `a.b` keys, values as text (bounded). */
function flatStrings(
  value: Record<string, unknown>,
  prefix = "",
  out: Record<string, string> = {},
): Record<string, string> {
  for (const [key, inner] of Object.entries(value)) {
    const name = prefix === "" ? key : `${prefix}.${key}`;
    if (inner !== null && typeof inner === "object" && !Array.isArray(inner) && prefix === "")
      flatStrings(inner as Record<string, unknown>, name, out);
    else out[name] = (typeof inner === "string" ? inner : JSON.stringify(inner)).slice(0, 200);
  }
  return out;
}

/** The listener hop: where the request came in. */
export function recordListener(
  part: PartRecorder,
  component: string,
  startedMs: number,
  facts: { listener: string; address: string; tls: boolean; headers: Record<string, string> },
): void {
  const { headers } = facts;
  part.hop({
    kind: "listener",
    component,
    time: { wallStartMs: startedMs, wallMs: 0 },
    listener: facts.listener,
    address: facts.address,
    tls: facts.tls,
    method: headers[":method"] ?? "GET",
    path: headers[":path"] ?? "/",
    authority: headers[":authority"] ?? "",
  });
}

/** The upstream hop: the host, how it was chosen, TLS, tries and the status that came back. */
export function recordUpstream(
  part: PartRecorder,
  clock: Clock,
  start: HopStart,
  component: string,
  facts: {
    cluster: ClusterRuntime;
    lbDecision: string;
    tried: Iterable<string>;
    tries: number;
    host: string | undefined;
    status: number | undefined;
    failure: { status: number; flag: string; transportFailure?: string | undefined; resetReason?: string } | undefined;
    requestBodyBytes: number;
  },
): void {
  const { cluster, failure } = facts;
  const tls = cluster.tls;
  const error = failure
    ? `${failure.flag}${failure.transportFailure ? ` ${failure.transportFailure}` : ""}${failure.resetReason ? ` (${failure.resetReason})` : ""}`
    : undefined;
  part.hop({
    kind: "upstream",
    component,
    time: hopTime(clock, start),
    cluster: cluster.name,
    ...(facts.host !== undefined ? { host: facts.host } : {}),
    lbDecision: facts.lbDecision,
    tls: {
      enabled: tls !== undefined,
      ...(tls?.servername ? { sni: tls.servername } : {}),
      ...(failure?.transportFailure ? { error: failure.transportFailure } : {}),
    },
    attempts: [...facts.tried].map((host) =>
      host === facts.host
        ? { host, ...(facts.status !== undefined ? { status: facts.status } : {}), ...(error ? { error } : {}) }
        : { host },
    ),
    retries: Math.max(0, facts.tries - 1),
    ...(facts.status !== undefined ? { status: facts.status } : {}),
    requestBodyBytes: facts.requestBodyBytes,
  });
}

/** The response hop: what the client got, with the access log's flags and details. */
export function recordResponse(
  part: PartRecorder,
  clock: Clock,
  start: HopStart,
  component: string,
  facts: { status: number; flags: string[]; bytesSent: number; details: string },
): void {
  part.hop({
    kind: "response",
    component,
    time: hopTime(clock, start),
    status: facts.status,
    responseFlags: facts.flags.length > 0 ? facts.flags.join(",") : "-",
    bodyBytes: facts.bytesSent,
    details: facts.details,
  });
}
