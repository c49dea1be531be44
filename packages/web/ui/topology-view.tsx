// The seed's "Complete Picture": objects as buttons in columns (keyboard-reachable, each named by
// kind and name), arrows between them, and requests moving along the arrows as they happen. The
// moving dots are drawn by flow-layer.ts outside Preact's render, so 100 requests/s cost one
// animation frame loop, not 100 re-renders.
import { useEffect, useMemo, useRef } from "preact/hooks";
import type { FlowEvent, Observation, TopologyAnswer } from "./api.js";
import { FlowLayer } from "./flow-layer.js";
import { anchor, HEADER, layoutTopology, NODE_HEIGHT, NODE_WIDTH } from "./layout.js";

export interface TopologyProps {
  topology: TopologyAnswer;
  batch: { flows: FlowEvent[]; skipped: number; serial: number };
  latest: Observation | undefined;
  onObject(id: string): void;
  onRequest(requestId: string): void;
}

export function TopologyView(props: TopologyProps) {
  const { topology } = props;
  const layout = useMemo(() => layoutTopology(topology), [topology]);
  const svg = useRef<SVGGElement>(null);
  const flows = useRef<FlowLayer | undefined>(undefined);
  useEffect(() => {
    if (!svg.current) return;
    const layer = new FlowLayer(svg.current, (id) => props.onRequest(id));
    flows.current = layer;
    return () => layer.stop();
  }, []);
  useEffect(() => {
    flows.current?.add(props.batch.flows, topology, layout);
  }, [props.batch.serial]);
  const gauges = useMemo(() => new Map((props.latest?.pods ?? []).map((p) => [p.name, p])), [props.latest]);
  return (
    <section class="topology" aria-labelledby="topology-title">
      <h2 id="topology-title">Topology</h2>
      <p class="hint">
        A request's path, left to right. Select an object for its YAML and events; a moving dot is a request (select it
        for its trace).
        {props.batch.skipped > 0 ? ` Showing a sample: ${props.batch.skipped} more in the last batch.` : ""}
      </p>
      <div class="canvas" style={{ width: `${layout.width}px`, height: `${layout.height}px` }}>
        <svg
          width={layout.width}
          height={layout.height}
          aria-hidden="false"
          role="img"
          aria-label="Arrows between the objects and requests moving along them"
        >
          <defs>
            <marker
              id="arrow"
              viewBox="0 0 10 10"
              refX="10"
              refY="5"
              markerWidth="6"
              markerHeight="6"
              orient="auto-start-reverse"
            >
              <path d="M 0 0 L 10 5 L 0 10 z" class="arrowhead" />
            </marker>
          </defs>
          {topology.columns.map((title, column) => (
            <text key={title} class="column-title" x={column * (NODE_WIDTH + 44)} y={HEADER - 10}>
              {title}
            </text>
          ))}
          {topology.edges.map((edge) => {
            const from = layout.at.get(edge.from);
            const to = layout.at.get(edge.to);
            if (!from || !to) return null;
            const [x1, y1] = from.x < to.x ? anchor(from, "out") : anchor(from, "in");
            const [x2, y2] = from.x < to.x ? anchor(to, "in") : anchor(to, "out");
            const mid = (x1 + x2) / 2;
            return (
              <path
                key={`${edge.from}>${edge.to}`}
                class={`edge ${edge.label === "ext_proc" ? "edge-extproc" : ""}`}
                d={`M ${x1} ${y1} C ${mid} ${y1}, ${mid} ${y2}, ${x2} ${y2}`}
                marker-end="url(#arrow)"
              />
            );
          })}
          <g ref={svg} class="flows" />
        </svg>
        {topology.nodes.map((node) => {
          const placed = layout.at.get(node.id);
          if (!placed) return null;
          const pod = gauges.get(node.name);
          return (
            <button
              key={node.id}
              type="button"
              class={`node kind-${node.kind}`}
              style={{
                left: `${placed.x}px`,
                top: `${placed.y}px`,
                width: `${NODE_WIDTH}px`,
                height: `${NODE_HEIGHT}px`,
              }}
              aria-label={`${node.kind} ${node.namespace ? `${node.namespace}/` : ""}${node.name}: ${node.detail}`}
              data-id={node.id}
              onClick={() => props.onObject(node.id)}
            >
              <span class="node-kind">{node.kind}</span>
              <span class="node-name">{node.name}</span>
              <span class="node-detail">
                {pod ? `${node.detail.split(" · ")[0]} · run ${pod.running} · wait ${pod.waiting}` : node.detail}
              </span>
            </button>
          );
        })}
      </div>
    </section>
  );
}
