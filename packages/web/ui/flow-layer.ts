// Requests moving along the arrows: one SVG circle per request, moved by one requestAnimationFrame
// loop that runs only while a dot is in flight. At most MAX_DOTS are drawn at once (the server
// already samples each 250 ms batch); the rest are counted, not drawn.
import type { FlowEvent, TopologyAnswer } from "./api.js";
import { flowPath } from "./flow-path.js";
import { anchor, type Layout } from "./layout.js";

const MAX_DOTS = 60;
const TRAVEL_MS = 1_400;
const SVG_NS = "http://www.w3.org/2000/svg";

interface Dot {
  circle: SVGCircleElement;
  points: [number, number][];
  started: number;
}

export class FlowLayer {
  private dots: Dot[] = [];
  private frame: number | undefined;

  constructor(
    private readonly group: SVGGElement,
    private readonly onSelect: (requestId: string) => void,
  ) {}

  add(flows: readonly FlowEvent[], topology: TopologyAnswer, layout: Layout): void {
    const now = performance.now();
    for (const flow of flows) {
      if (this.dots.length >= MAX_DOTS) break;
      const points = flowPath(flow, topology).flatMap((id) => {
        const placed = layout.at.get(id);
        return placed ? [anchor(placed, "in"), anchor(placed, "out")] : [];
      });
      if (points.length < 2) continue;
      const circle = document.createElementNS(SVG_NS, "circle");
      circle.setAttribute("r", "6");
      const status = flow.entry.status;
      circle.setAttribute("class", `dot ${status < 300 ? "dot-ok" : status < 500 ? "dot-4xx" : "dot-5xx"}`);
      circle.setAttribute("role", "button");
      circle.setAttribute(
        "aria-label",
        `Request ${flow.entry.requestId}: ${flow.entry.method} ${flow.entry.path} → ${status}`,
      );
      circle.addEventListener("click", () => this.onSelect(flow.entry.requestId));
      const title = document.createElementNS(SVG_NS, "title");
      title.textContent = `${flow.entry.requestId} ${status}`;
      circle.appendChild(title);
      this.group.appendChild(circle);
      this.dots.push({ circle, points: points as [number, number][], started: now });
    }
    if (this.dots.length > 0 && this.frame === undefined) this.frame = requestAnimationFrame((t) => this.tick(t));
  }

  stop(): void {
    if (this.frame !== undefined) cancelAnimationFrame(this.frame);
    this.frame = undefined;
    for (const dot of this.dots) dot.circle.remove();
    this.dots = [];
  }

  private tick(now: number): void {
    this.dots = this.dots.filter((dot) => {
      const progress = (now - dot.started) / TRAVEL_MS;
      if (progress >= 1) {
        dot.circle.remove();
        return false;
      }
      const [x, y] = pointAt(dot.points, progress);
      dot.circle.setAttribute("cx", x.toFixed(1));
      dot.circle.setAttribute("cy", y.toFixed(1));
      return true;
    });
    this.frame = this.dots.length > 0 ? requestAnimationFrame((t) => this.tick(t)) : undefined;
  }
}

/** The point at `progress` (0..1) along a polyline, by length. */
function pointAt(points: [number, number][], progress: number): [number, number] {
  const lengths = points
    .slice(1)
    .map((p, i) => Math.hypot(p[0] - (points[i] as [number, number])[0], p[1] - (points[i] as [number, number])[1]));
  let remaining = progress * lengths.reduce((a, b) => a + b, 0);
  for (let i = 0; i < lengths.length; i++) {
    const length = lengths[i] as number;
    const [x1, y1] = points[i] as [number, number];
    const [x2, y2] = points[i + 1] as [number, number];
    if (remaining <= length || i === lengths.length - 1) {
      const f = length === 0 ? 1 : Math.min(1, remaining / length);
      return [x1 + (x2 - x1) * f, y1 + (y2 - y1) * f];
    }
    remaining -= length;
  }
  return points[0] as [number, number];
}
