// Live numbers: per vLLM pod the dashboard's gauges (waiting, running, KV cache usage, prefix
// cache hits), and per gateway the EPP cluster's counters from /clusters, in a state colour:
// red when every connection failed, amber when the EPP was never contacted, green otherwise.
import type { Observation } from "./api.js";

export function PodGauges({ latest }: { latest: Observation | undefined }) {
  const pods = latest?.pods ?? [];
  return (
    <section aria-labelledby="pods-title" class="panel">
      <h2 id="pods-title">vLLM pods</h2>
      <table>
        <caption class="sr-only">Live gauges per vLLM pod, from each pod's /metrics</caption>
        <thead>
          <tr>
            <th scope="col">Pod</th>
            <th scope="col">Role</th>
            <th scope="col">Waiting</th>
            <th scope="col">Running</th>
            <th scope="col">KV cache</th>
            <th scope="col">Prefix hits</th>
          </tr>
        </thead>
        <tbody>
          {pods.map((pod) => (
            <tr key={pod.name} class={pod.up ? "" : "down"}>
              <th scope="row">{pod.name}</th>
              <td>{pod.role}</td>
              <td>{pod.waiting}</td>
              <td>{pod.running}</td>
              <td>
                <meter min={0} max={1} value={pod.kvUsage} aria-label={`KV cache usage of ${pod.name}`} />{" "}
                {(pod.kvUsage * 100).toFixed(0)}%
              </td>
              <td>
                {pod.prefixQueries > 0 ? `${((100 * pod.prefixHits) / pod.prefixQueries).toFixed(0)}%` : "-"}{" "}
                <span class="muted">({pod.prefixHits} tokens)</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function EppCounters({ latest }: { latest: Observation | undefined }) {
  const gateways = (latest?.gateways ?? []).filter((g) => g.gateway !== "data-science-gateway");
  return (
    <section aria-labelledby="epp-title" class="panel">
      <h2 id="epp-title">EPP cluster counters (gateway /clusters)</h2>
      <ul class="counters" aria-label="EPP cluster counters per gateway">
        {gateways.map((g) => {
          const state = !g.up
            ? "down"
            : g.eppCxTotal === 0
              ? "warn"
              : g.eppCxConnectFail >= g.eppCxTotal
                ? "bad"
                : "ok";
          return (
            <li
              key={g.gateway}
              class={`counter state-${state}`}
              aria-label={`${g.gateway}: cx_total ${g.eppCxTotal}, cx_connect_fail ${g.eppCxConnectFail}, rq_total ${g.eppRqTotal}`}
            >
              <strong>{g.gateway}</strong>
              <span data-counter="cx_total">cx_total {g.eppCxTotal}</span>
              <span data-counter="cx_connect_fail">cx_connect_fail {g.eppCxConnectFail}</span>
              <span data-counter="rq_total">rq_total {g.eppRqTotal}</span>
            </li>
          );
        })}
      </ul>
      <p class="muted">
        EPP scheduling attempts: {latest?.epp.attemptsSuccess ?? 0} succeeded, {latest?.epp.attemptsFailure ?? 0} failed
      </p>
    </section>
  );
}
