// The latest requests the gateways logged, newest first: each one a button that opens its trace.
import type { FlowEvent } from "./api.js";

export function RequestList({ requests, onRequest }: { requests: FlowEvent[]; onRequest(id: string): void }) {
  const newest = [...requests].reverse().slice(0, 15);
  return (
    <section aria-labelledby="requests-title" class="panel">
      <h2 id="requests-title">Requests</h2>
      {newest.length === 0 ? (
        <p class="muted">None yet. Try the seed's curl (the banner of `testbed up` prints it).</p>
      ) : (
        <ol class="requests">
          {newest.map((flow) => (
            <li key={flow.entry.requestId}>
              <button
                type="button"
                class={`request status-${Math.floor(flow.entry.status / 100)}xx`}
                aria-label={`Trace of request ${flow.entry.requestId}: ${flow.entry.method} ${flow.entry.path}, ${flow.entry.status}`}
                onClick={() => onRequest(flow.entry.requestId)}
              >
                <span class="status">{flow.entry.status}</span> {flow.entry.method} {flow.entry.path}{" "}
                <span class="muted">
                  {flow.gateway} → {flow.pod ?? flow.entry.upstreamHost ?? "no upstream"} (
                  {flow.entry.responseCodeDetails})
                </span>
              </button>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
