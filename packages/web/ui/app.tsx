// The page: the state line on top, the topology with moving requests, the request list, the
// effective ext_proc table, the live gauges and counters, the dashboards' key panels, and a side
// panel for a selected object or request.
import { useEffect, useState } from "preact/hooks";
import { getJson, type TopologyAnswer } from "./api.js";
import { Charts } from "./charts.js";
import { DetailPanel, type Selection } from "./detail-panel.js";
import { ExtProcTable } from "./ext-proc-table.js";
import { EppCounters, PodGauges } from "./gauges.js";
import { useLiveStream } from "./live-stream.js";
import { RequestList } from "./request-list.js";
import { TopologyView } from "./topology-view.js";

export function App() {
  const live = useLiveStream();
  const [topology, setTopology] = useState<TopologyAnswer | undefined>(undefined);
  const [selection, setSelection] = useState<Selection | undefined>(undefined);
  useEffect(() => {
    getJson<TopologyAnswer>("api/topology").then(setTopology, () => undefined);
  }, [live.topologySerial]);
  const latest = live.samples.at(-1);
  const state = live.state;
  const openTrace = (requestId: string) => setSelection({ type: "trace", requestId });
  return (
    <>
      <header class="top">
        <h1>testbed: the seed's picture, live</h1>
        <p
          role="status"
          aria-live="polite"
          aria-label="What the seed would call this state"
          class={`state state-${state?.level ?? "idle"}`}
        >
          <span class="state-text">{state?.text ?? "Connecting…"}</span>
          {state ? <span class="state-evidence">{state.evidence}</span> : null}
        </p>
        <span class={`link ${live.connected ? "up" : "down"}`}>{live.connected ? "live" : "reconnecting"}</span>
      </header>
      <main class={selection ? "with-detail" : ""}>
        <div class="content">
          {topology ? (
            <TopologyView
              topology={topology}
              batch={live.batch}
              latest={latest}
              onObject={(id) => setSelection({ type: "object", id })}
              onRequest={openTrace}
            />
          ) : (
            <p>Loading the topology…</p>
          )}
          <div class="row">
            <RequestList requests={live.requests} onRequest={openTrace} />
            <EppCounters latest={latest} />
          </div>
          <PodGauges latest={latest} />
          {topology ? <ExtProcTable routes={topology.extProc} /> : null}
          <Charts samples={live.samples} />
        </div>
        {selection ? <DetailPanel selection={selection} onClose={() => setSelection(undefined)} /> : null}
      </main>
    </>
  );
}
