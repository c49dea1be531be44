// The side panel: an object's YAML and events, or a request's trace. It takes the focus when it
// opens and gives it back when it closes (Escape or the Close button).
import { useEffect, useRef, useState } from "preact/hooks";
import { getJson, type ObjectDetail, type RequestTraceView } from "./api.js";
import { TraceView } from "./trace-view.js";

export type Selection = { type: "object"; id: string } | { type: "trace"; requestId: string };

export function DetailPanel({ selection, onClose }: { selection: Selection; onClose(): void }) {
  const [detail, setDetail] = useState<ObjectDetail | undefined>(undefined);
  const [trace, setTrace] = useState<{ trace: RequestTraceView; words: string[] } | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const close = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    close.current?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") onClose();
    };
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("keydown", onKey);
      // After the page re-rendered without the panel: back to what opened it, or to the same
      // object's button if a topology refresh replaced that element meanwhile.
      requestAnimationFrame(() => {
        if (previous?.isConnected) previous.focus();
        else if (selection.type === "object")
          document.querySelector<HTMLElement>(`[data-id="${CSS.escape(selection.id)}"]`)?.focus();
      });
    };
  }, []);
  useEffect(() => {
    setDetail(undefined);
    setTrace(undefined);
    setError(undefined);
    const load =
      selection.type === "object"
        ? getJson<ObjectDetail>(`api/object?id=${encodeURIComponent(selection.id)}`).then(setDetail)
        : getJson<{ trace: RequestTraceView; words: string[] }>(
            `api/traces/${encodeURIComponent(selection.requestId)}`,
          ).then(setTrace);
    load.catch((e: Error) => setError(e.message));
  }, [selection.type === "object" ? selection.id : selection.requestId]);
  const title = selection.type === "object" ? selection.id.replace(/\/-\//, "/") : `Trace of ${selection.requestId}`;
  return (
    <div class="detail" role="dialog" aria-modal="false" aria-labelledby="detail-title">
      <header>
        <h2 id="detail-title">{title}</h2>
        <button type="button" ref={close} onClick={onClose}>
          Close
        </button>
      </header>
      {error ? <p role="alert">{error}</p> : null}
      {trace ? <TraceView trace={trace.trace} words={trace.words} /> : null}
      {detail ? (
        <>
          <h3>Events</h3>
          {detail.events.length === 0 ? (
            <p class="muted">No events.</p>
          ) : (
            <ul class="events">
              {detail.events.map((event) => (
                <li key={`${event.reason}${event.lastTimestamp}`} class={event.type === "Warning" ? "warning" : ""}>
                  {event.lastTimestamp} {event.type} {event.reason}: {event.message}
                  {event.count > 1 ? ` (×${event.count})` : ""}
                </li>
              ))}
            </ul>
          )}
          <h3>YAML</h3>
          <pre>{detail.yaml}</pre>
        </>
      ) : null}
    </div>
  );
}
