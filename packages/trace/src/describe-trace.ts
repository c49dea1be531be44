// A trace in words a workshop participant understands: one line per decision, in the order the
// request met them, then a one-line summary of what the hops together say. Used by `testbed trace`.
import type {
  EngineHop,
  ExtAuthzHop,
  ExtProcHop,
  ListenerHop,
  ProfileRun,
  RateLimitHop,
  RequestTrace,
  ResponseHop,
  RouteHop,
  SchedulingHop,
  SidecarHop,
  TraceHop,
  UpstreamHop,
} from "./trace-types.js";

/** The trace as text lines (no trailing newline on any). */
export function describeTrace(trace: RequestTrace): string[] {
  const listener = trace.hops.find((hop): hop is ListenerHop => hop.kind === "listener");
  const response = trace.hops.find((hop): hop is ResponseHop => hop.kind === "response");
  const head = listener
    ? `${listener.method} ${listener.path} (host ${listener.authority || "-"})`
    : "a request the gateway did not report";
  const lines = [
    `Request ${trace.requestId}: ${head}${response ? ` → ${response.status}` : " (no response recorded yet)"}`,
    `  at ${new Date(trace.startedAtMs).toISOString()}, seen by ${trace.sources.join(", ")}`,
  ];
  trace.hops.forEach((hop, index) => {
    const [first, ...rest] = describeHop(hop);
    lines.push(`  ${String(index + 1).padStart(2)}. ${first}${timing(hop)}`);
    for (const line of rest) lines.push(`      ${line}`);
  });
  const summary = summarize(trace);
  if (summary) lines.push(`  In short: ${summary}`);
  return lines;
}

function describeHop(hop: TraceHop): string[] {
  switch (hop.kind) {
    case "listener":
      return listenerLines(hop);
    case "route":
      return routeLines(hop);
    case "ext_authz":
      return extAuthzLines(hop);
    case "ratelimit":
      return rateLimitLines(hop);
    case "ext_proc":
      return extProcLines(hop);
    case "scheduling":
      return schedulingLines(hop);
    case "upstream":
      return upstreamLines(hop);
    case "sidecar":
      return sidecarLines(hop);
    case "engine":
      return engineLines(hop);
    case "response":
      return [
        `response to the client: ${hop.status}${hop.details ? ` (${hop.details})` : ""}, ${hop.bodyBytes} bytes, flags ${hop.responseFlags}`,
      ];
  }
}

function timing(hop: TraceHop): string {
  const wall = hop.time.wallMs > 0 ? `${formatMs(hop.time.wallMs)} wall` : "";
  const simulated = hop.time.simulatedMs !== undefined ? `${formatMs(hop.time.simulatedMs)} simulated` : "";
  const parts = [wall, simulated].filter((part) => part !== "");
  return parts.length > 0 ? `  [${parts.join(", ")}]` : "";
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms < 10 ? ms.toFixed(2) : Math.round(ms)} ms`;
}

function listenerLines(hop: ListenerHop): string[] {
  return [
    `gateway ${hop.component}: arrived on listener ${hop.listener} (${hop.address}, ${hop.tls ? "TLS" : "plain HTTP"})`,
  ];
}

function routeLines(hop: RouteHop): string[] {
  const lines = hop.route
    ? [`route ${hop.route} matched (${hop.match ?? "?"}) → cluster ${hop.cluster ?? "-"}`]
    : [`no route matched in virtual host ${hop.virtualHost || "-"}: 404 NR`];
  for (const miss of hop.misses) lines.push(`not ${miss.route}: ${miss.reason}`);
  return lines;
}

function extAuthzLines(hop: ExtAuthzHop): string[] {
  const identity = hop.identity && Object.keys(hop.identity).length > 0 ? ` as ${pairs(hop.identity)}` : "";
  if (hop.result === "allowed") return [`ext_authz (Authorino, ${hop.cluster}): allowed${identity}`];
  if (hop.result === "denied") return [`ext_authz (Authorino, ${hop.cluster}): DENIED → ${hop.status ?? 403}`];
  return [
    `ext_authz (Authorino, ${hop.cluster}): the check failed → ${hop.failureModeAllow ? "let through (failure_mode_allow)" : `${hop.status ?? 403}`}`,
  ];
}

function rateLimitLines(hop: RateLimitHop): string[] {
  const descriptors = hop.descriptors.map((entries) => `{${entries.map((e) => `${e.key}=${e.value}`).join(", ")}}`);
  const lines = [`ratelimit (Limitador, domain ${hop.domain}): ${hop.overallCode} for ${descriptors.join(" ")}`];
  for (const status of hop.statuses) {
    if (status.requestsPerUnit === undefined) continue;
    lines.push(
      `limit ${status.requestsPerUnit} per ${(status.unit ?? "?").toLowerCase()}, ${status.remaining ?? "?"} left (${status.code})`,
    );
  }
  if (hop.reason) lines.push(`Limitador could not be asked: ${hop.reason}`);
  return lines;
}

function extProcLines(hop: ExtProcHop): string[] {
  const c = hop.config;
  const lines = [
    hop.outcome === "skipped"
      ? `ext_proc: skipped on this route (headers ${c.requestHeaderMode}, body ${c.requestBodyMode}, cluster ${c.cluster || "-"})`
      : `ext_proc to ${c.cluster}: request body ${c.requestBodyMode}, response body ${c.responseBodyMode}, ${c.failureModeAllow ? "fail-open (failure_mode_allow: true)" : "fail-closed"}`,
    `settings from: ${c.origin}`,
  ];
  if (hop.outcome === "skipped") return lines;
  if (hop.streamOpened) lines.push("the stream to the processor worked");
  else lines.push(`the stream to the processor FAILED: ${hop.streamError ?? "unknown error"}`);
  if (hop.requestBody === "moved") {
    lines.push(
      hop.outcome === "processed"
        ? `the request body (${hop.bodyBytesBefore ?? "?"} bytes) went through the stream and came back (${hop.bodyBytesAfter ?? "?"} bytes)`
        : `the request body (${hop.bodyBytesBefore ?? "?"} bytes) had been MOVED into the stream: ${hop.bodyBytesAfter ?? 0} bytes are left for the upstream`,
    );
  } else if (hop.requestBody === "kept")
    lines.push(`the request body (${hop.bodyBytesBefore ?? 0} bytes) stayed in the request`);
  else if (hop.requestBody === "sent-buffered") lines.push("the request body was sent to the processor and kept");
  if (hop.outcome === "failed-open") lines.push("fail-open: the gateway went on without the processor");
  if (hop.outcome === "failed-closed") lines.push(`fail-closed: the gateway answered ${hop.status ?? 500} itself`);
  if (hop.outcome === "immediate-response")
    lines.push(`the processor answered the client itself: ${hop.status ?? "?"}`);
  if (hop.headersSet) lines.push(`headers the processor set: ${pairs(hop.headersSet)}`);
  if (hop.metadataSet) lines.push(`envoy.lb metadata: ${pairs(hop.metadataSet)}`);
  return lines;
}

function schedulingLines(hop: SchedulingHop): string[] {
  const lines = [
    `EPP ${hop.component} (pool ${hop.pool}${hop.model ? `, model ${hop.model}` : ""}): ran ${hop.profiles.map((p) => p.name).join(" then ") || "no profile"}`,
  ];
  for (const profile of hop.profiles) lines.push(...profileLines(profile));
  if (hop.error) lines.push(`scheduling failed: ${hop.error}`);
  if (hop.picked) lines.push(`decode/serving pod: ${hop.pickedPod ?? "?"} (${hop.picked})`);
  if (hop.prefill) lines.push(`prefill pod: ${hop.prefillPod ?? "?"} (${hop.prefill})`);
  if (Object.keys(hop.headersSet).length > 0) lines.push(`headers set: ${pairs(hop.headersSet)}`);
  return lines;
}

function profileLines(profile: ProfileRun): string[] {
  const count = profile.candidates.length + (profile.candidatesOmitted ?? 0);
  const more = profile.candidatesOmitted ? `, ${profile.candidatesOmitted} more` : "";
  const lines = [`profile ${profile.name}: ${count} candidates (${profile.candidates.join(", ")}${more})`];
  for (const filter of profile.filters)
    lines.push(`  ${filter.name}: ${filter.remaining.length} left (${filter.remaining.join(", ") || "none"})`);
  for (const scorer of profile.scorers) {
    const scores = Object.entries(scorer.scores).map(([pod, score]) => `${pod} ${score.toFixed(2)}`);
    lines.push(`  ${scorer.name} × weight ${scorer.weight}: ${scores.join(", ") || "-"}`);
  }
  const totals = Object.entries(profile.totals).map(([pod, total]) => `${pod} ${total.toFixed(2)}`);
  if (totals.length > 0) lines.push(`  total: ${totals.join(", ")}`);
  lines.push(`  ${profile.picker} picked ${profile.picked.join(", ") || "nothing"}`);
  return lines;
}

function upstreamLines(hop: UpstreamHop): string[] {
  const tries = hop.retries > 0 ? `${hop.retries + 1} tries` : "1 try";
  const tls = hop.tls.enabled ? `TLS${hop.tls.sni ? ` (SNI ${hop.tls.sni})` : ""}` : "plain HTTP";
  const lines = [
    `upstream ${hop.cluster}: host ${hop.host ?? "none"}, ${tls}, ${tries} → ${hop.status ?? "no response"}`,
    `host chosen by: ${hop.lbDecision}`,
    `request body sent upstream: ${hop.requestBodyBytes} bytes`,
  ];
  for (const attempt of hop.attempts)
    if (attempt.error) lines.push(`attempt to ${attempt.host} failed: ${attempt.error}`);
  if (hop.tls.error) lines.push(`TLS failure: ${hop.tls.error}`);
  return lines;
}

function sidecarLines(hop: SidecarHop): string[] {
  return [
    hop.prefiller
      ? `pd-sidecar: remote prefill on ${hop.prefiller} (${hop.connector}) → ${hop.prefillStatus ?? "?"}`
      : "pd-sidecar: no prefill pod named, decoding locally",
  ];
}

function engineLines(hop: EngineHop): string[] {
  const role = hop.role && hop.role !== "both" ? ` (${hop.role})` : "";
  if (hop.error) return [`vLLM ${hop.pod}${role}: refused with ${hop.status}: ${hop.error}`];
  const lines = [
    `vLLM ${hop.pod}${role}: ${hop.promptTokens} prompt tokens, ${hop.cachedPrefixTokens} of them from the prefix cache (${hop.cachedPrefixBlocks} blocks of ${hop.blockSize}), ${hop.outputTokens} generated → ${hop.status}`,
    `queue ${formatMs(hop.queueMs)}, prefill ${formatMs(hop.prefillMs)}, decode ${formatMs(hop.decodeMs)} (simulated), ${hop.preemptions} preemption${hop.preemptions === 1 ? "" : "s"}`,
  ];
  if (hop.kvTransfer) lines.push(hop.kvTransfer);
  return lines;
}

function pairs(record: Readonly<Record<string, string>>): string {
  return Object.entries(record)
    .map(([key, value]) => `${key}=${value}`)
    .join(", ");
}

/** What the hops together say, when they show one of the patterns a trainer points at. */
function summarize(trace: RequestTrace): string | undefined {
  const extProc = trace.hops.find((hop): hop is ExtProcHop => hop.kind === "ext_proc");
  const scheduling = trace.hops.find((hop): hop is SchedulingHop => hop.kind === "scheduling");
  const upstream = trace.hops.find((hop): hop is UpstreamHop => hop.kind === "upstream");
  const response = trace.hops.find((hop): hop is ResponseHop => hop.kind === "response");
  if (extProc?.outcome === "failed-open" && extProc.requestBody === "moved")
    return `the body went into the ext_proc stream, the stream failed (${extProc.streamError ?? "?"}), fail-open sent the request on WITHOUT its body (${upstream?.requestBodyBytes ?? 0} bytes upstream)${response ? `, and the client got ${response.status}` : ""}.`;
  if (extProc?.outcome === "failed-open")
    return `the EPP was not reached (${extProc.streamError ?? "?"}); fail-open kept the body and the cluster picked a pod by ${upstream?.lbDecision ?? "its load balancer"}.`;
  if (extProc?.outcome === "skipped" && upstream)
    return `ext_proc is off on this route: the EPP was not asked; ${upstream.lbDecision}.`;
  if (scheduling?.picked) {
    const prefill = scheduling.prefillPod ? `, prefill on ${scheduling.prefillPod}` : "";
    return `the EPP scored the pods and picked ${scheduling.pickedPod ?? scheduling.picked}${prefill}; the gateway sent the request there${response ? ` (${response.status})` : ""}.`;
  }
  return undefined;
}
