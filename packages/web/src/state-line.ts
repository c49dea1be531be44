// "What the seed would call this state": one sentence derived from what the page observed — the
// recent requests to the InferencePool (status, upstream pod, role) and how the EPP cluster's
// counters and the vLLM pods' counters moved while they were served. It never looks at which
// manifests were applied; the same evidence a trainer points at (seed, section 4) decides.
import type { FlowEvent, Observation, StateLine } from "./page-types.js";

export interface StateInput {
  /**
   * The latest requests sent to an InferencePool with the same outcome (2xx, 4xx, 5xx), oldest
   * first: see currentRun. A fix changes the outcome, so the evidence before it drops out.
   */
  recent: readonly FlowEvent[];
  /** The sample taken just before the oldest of them (undefined: counters are read from zero). */
  before: Observation | undefined;
  now: Observation | undefined;
}

interface Deltas {
  eppCx: number;
  eppFail: number;
  eppRq: number;
  eppCxTotal: number;
  eppFailTotal: number;
  prefillPrompt: number;
  hits: number;
  queries: number;
}

export function describeState(input: StateInput): StateLine {
  const { recent } = input;
  if (recent.length === 0) {
    return {
      level: "idle",
      text: "No inference request seen yet: send the seed's POST and watch it flow",
      evidence: "0 requests to an InferencePool in the gateways' access logs",
    };
  }
  const d = deltas(input.before, input.now);
  const ok = recent.filter((f) => f.entry.status >= 200 && f.entry.status < 300).length;
  const bodyLost = recent.filter(
    (f) => f.entry.status === 400 && f.entry.responseCodeDetails === "via_upstream",
  ).length;
  const extProcErrors = recent.filter((f) => f.entry.responseCodeDetails.startsWith("ext_proc_error")).length;
  const hosts = new Set(recent.map((f) => f.entry.upstreamHost).filter(Boolean));
  const counters = `EPP cluster cx_total ${d.eppCxTotal}, cx_connect_fail ${d.eppFailTotal}`;
  const tally = `${ok}/${recent.length} recent requests 2xx`;
  if (extProcErrors > 0 && d.eppFail > 0) {
    return {
      level: "bad",
      text: "EPP unreachable and the route fails closed: 500 ext_proc_error — the EPP's TLS certificate is not trusted",
      evidence: `${extProcErrors} × ext_proc_error; ${counters}`,
    };
  }
  if (bodyLost > 0 && d.eppFail > 0) {
    return {
      level: "bad",
      text:
        "Body lost: the body went into an EPP stream that failed TLS (cx_connect_fail = cx_total), " +
        'fail-open sent the request on without it — vLLM answers 400 "Field required"',
      evidence: `${bodyLost} × 400 via_upstream; ${counters}`,
    };
  }
  if (ok > 0 && d.eppRq === 0 && d.eppCx === 0) {
    return {
      level: "warn",
      text: `EPP never contacted: cx_total ${d.eppCxTotal === 0 ? "0" : "unchanged"} while requests succeed — round robin over ${hosts.size} pod${hosts.size === 1 ? "" : "s"}`,
      evidence: `${tally}; ${counters}; no ext_proc stream to the EPP since`,
    };
  }
  if (ok > 0 && d.eppRq > 0) return routedState(recent, d, tally, counters);
  if (d.eppFail > 0) {
    return {
      level: "bad",
      text: "EPP connections fail (TLS): cx_connect_fail grows with every request",
      evidence: `${tally}; ${counters}`,
    };
  }
  return {
    level: "warn",
    text: `Requests fail: ${recent.length - ok} of the last ${recent.length} did not get a 2xx`,
    evidence: `${tally}; ${counters}`,
  };
}

function routedState(recent: readonly FlowEvent[], d: Deltas, tally: string, counters: string): StateLine {
  const toPrefill = recent.filter((f) => f.role === "prefill").length;
  const hitRate = d.queries > 0 ? `${((100 * d.hits) / d.queries).toFixed(0)}%` : "-";
  const evidence = `${tally}; ${counters}; prefix cache hit rate ${hitRate}`;
  if (toPrefill > 0) {
    return {
      level: "warn",
      text: `The EPP picks pods, but treats prefill and decode alike: ${toPrefill} of ${recent.length} requests were served whole by prefill pods (no P/D)`,
      evidence,
    };
  }
  if (d.prefillPrompt > 0) {
    const decodePods = new Set(recent.filter((f) => f.role === "decode").map((f) => f.pod)).size;
    return {
      level: "ok",
      text: `Prefill/decode split: prefill pods do the prompts, decode on ${decodePods} pod${decodePods === 1 ? "" : "s"}; prefix cache hit rate ${hitRate}`,
      evidence,
    };
  }
  return {
    level: "ok",
    text: "The EPP picks the pod for every request (x-gateway-destination-endpoint)",
    evidence,
  };
}

function deltas(before: Observation | undefined, now: Observation | undefined): Deltas {
  const gateway = (o: Observation | undefined, name: string) => o?.gateways.find((g) => g.gateway === name);
  const pod = (o: Observation | undefined, name: string) => o?.pods.find((p) => p.name === name);
  const gateways = now?.gateways ?? [];
  const pods = now?.pods ?? [];
  const overGateways = (pick: (g: Observation["gateways"][number]) => number) =>
    gateways.reduce((total, g) => {
      const earlier = gateway(before, g.gateway);
      return total + increase(earlier ? pick(earlier) : 0, pick(g));
    }, 0);
  const overPods = (role: string | undefined, pick: (p: Observation["pods"][number]) => number) =>
    pods
      .filter((p) => role === undefined || p.role === role)
      .reduce((total, p) => {
        const earlier = pod(before, p.name);
        return total + increase(earlier ? pick(earlier) : 0, pick(p));
      }, 0);
  return {
    eppCx: overGateways((g) => g.eppCxTotal),
    eppFail: overGateways((g) => g.eppCxConnectFail),
    eppRq: overGateways((g) => g.eppRqTotal),
    eppCxTotal: gateways.reduce((total, g) => total + g.eppCxTotal, 0),
    eppFailTotal: gateways.reduce((total, g) => total + g.eppCxConnectFail, 0),
    prefillPrompt: overPods("prefill", (p) => p.promptTokens),
    hits: overPods(undefined, (p) => p.prefixHits),
    queries: overPods(undefined, (p) => p.prefixQueries),
  };
}

/**
 * How much a counter grew, as Prometheus' increase() reads it: a lower value means the counter
 * started again (a new EPP pod behind the cluster, a restarted vLLM), so it counts from zero.
 */
function increase(before: number, now: number): number {
  return now >= before ? now - before : now;
}

/** Requests kept as evidence for the state line. */
export const STATE_RUN_LIMIT = 10;

/** The newest requests whose status class is the newest one's, at most STATE_RUN_LIMIT, oldest first. */
export function currentRun(requests: readonly FlowEvent[]): FlowEvent[] {
  const run: FlowEvent[] = [];
  const newest = requests.at(-1);
  if (!newest) return run;
  const statusClass = Math.floor(newest.entry.status / 100);
  for (let i = requests.length - 1; i >= 0 && run.length < STATE_RUN_LIMIT; i--) {
    const request = requests[i] as FlowEvent;
    if (Math.floor(request.entry.status / 100) !== statusClass) break;
    run.unshift(request);
  }
  return run;
}
