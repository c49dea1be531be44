// One request's routing trace (packages/trace), hop by hop in words: the route, each filter's
// decision, the EPP's scores per pod, the upstream and the vLLM engine.
import type { RequestTraceView, TraceHopView } from "./api.js";

export function TraceView({ trace }: { trace: RequestTraceView }) {
  return (
    <div class="trace">
      <p class="muted">
        x-request-id {trace.requestId} · from {trace.sources.join(", ")}
      </p>
      <ol class="hops">
        {trace.hops.map((hop, index) => (
          <li key={index} class={`hop hop-${hop.kind}`}>
            <strong>{hop.kind}</strong> <span class="muted">{hop.component}</span>
            <div>{describeHop(hop)}</div>
            {hop.kind === "scheduling" ? <Scores hop={hop} /> : null}
            <div class="muted">
              {hop.time.wallMs.toFixed(1)} ms
              {hop.time.simulatedMs !== undefined ? ` (simulated ${hop.time.simulatedMs.toFixed(1)} ms)` : ""}
            </div>
          </li>
        ))}
      </ol>
    </div>
  );
}

const text = (value: unknown) => (value === undefined || value === null ? "" : String(value));

/** One sentence per hop, in a participant's words. */
export function describeHop(hop: TraceHopView): string {
  const h = hop as Record<string, unknown>;
  switch (hop.kind) {
    case "listener":
      return `${text(h.method)} ${text(h.path)} on ${text(h.listener)} (${h.tls ? "TLS" : "plain"})`;
    case "route":
      return h.route ? `route ${text(h.route)} matched (${text(h.match)}) → ${text(h.cluster)}` : "no route matched";
    case "ext_authz":
      return `ext_authz ${text(h.result)}${h.reason ? `: ${text(h.reason)}` : ""}`;
    case "ratelimit":
      return `rate limit ${text(h.overallCode)}${h.reason ? `: ${text(h.reason)}` : ""}`;
    case "ext_proc": {
      const config = (h.config ?? {}) as Record<string, unknown>;
      const stream = h.streamOpened
        ? "stream opened"
        : `stream failed${h.streamError ? ` (${text(h.streamError)})` : ""}`;
      return `ext_proc to ${text(config.cluster)}, body ${text(config.requestBodyMode)}, fail-open ${config.failureModeAllow ? "yes" : "no"}: ${stream}; body ${text(h.requestBody)}; ${text(h.outcome)}${h.bodyBytesAfter !== undefined ? `; upstream gets ${text(h.bodyBytesAfter)} body bytes` : ""}`;
    }
    case "scheduling":
      return h.error
        ? `EPP could not schedule: ${text(h.error)}`
        : `EPP picked ${text(h.picked)}${h.prefill ? `, prefill on ${text(h.prefill)}` : ""}`;
    case "upstream":
      return `upstream ${text(h.host) || "(none)"} via ${text(h.lbDecision)}, status ${text(h.status)}, ${text(h.requestBodyBytes)} body bytes${h.retries ? `, ${text(h.retries)} retries` : ""}`;
    case "sidecar":
      return h.prefiller
        ? `sidecar: remote prefill on ${text(h.prefiller)} (${text(h.prefillStatus)})`
        : "sidecar: no remote prefill";
    case "engine":
      return `vLLM ${text(h.pod)}${h.role ? ` (${text(h.role)})` : ""}: ${text(h.status)}, ${text(h.promptTokens)} prompt tokens (${text(h.cachedPrefixTokens)} from the prefix cache), ${text(h.outputTokens)} generated; queue ${text(h.queueMs)} ms, prefill ${text(h.prefillMs)} ms, decode ${text(h.decodeMs)} ms${h.error ? `; ${text(h.error)}` : ""}`;
    case "response":
      return `response ${text(h.status)} ${text(h.details)}${h.bodyExcerpt ? `: ${text(h.bodyExcerpt)}` : ""}`;
    default:
      return JSON.stringify(hop);
  }
}

function Scores({ hop }: { hop: TraceHopView }) {
  const profiles = (hop.profiles ?? []) as {
    name: string;
    scorers: { name: string; weight: number; scores: Record<string, number> }[];
    totals: Record<string, number>;
    picked: string[];
  }[];
  return (
    <>
      {profiles.map((profile) => {
        const pods = Object.keys(profile.totals);
        return (
          <table key={profile.name} class="scores">
            <caption>
              profile {profile.name}: picked {profile.picked.join(", ")}
            </caption>
            <thead>
              <tr>
                <th scope="col">scorer (weight)</th>
                {pods.map((pod) => (
                  <th scope="col" key={pod}>
                    {pod}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {profile.scorers.map((scorer) => (
                <tr key={scorer.name}>
                  <th scope="row">
                    {scorer.name} ({scorer.weight})
                  </th>
                  {pods.map((pod) => (
                    <td key={pod}>{(scorer.scores[pod] ?? 0).toFixed(2)}</td>
                  ))}
                </tr>
              ))}
              <tr>
                <th scope="row">total</th>
                {pods.map((pod) => (
                  <td key={pod}>{(profile.totals[pod] ?? 0).toFixed(2)}</td>
                ))}
              </tr>
            </tbody>
          </table>
        );
      })}
    </>
  );
}
