// Where each object sits in the picture: one column per step of a request's path, objects stacked
// in each column. Plain arithmetic, so the arrows and the moving requests need no DOM measuring.
import type { TopologyAnswer } from "./api.js";

export const NODE_WIDTH = 190;
export const NODE_HEIGHT = 46;
const COLUMN_GAP = 44;
const ROW_GAP = 10;
export const HEADER = 28;

export interface Placed {
  id: string;
  x: number;
  y: number;
}

export interface Layout {
  width: number;
  height: number;
  at: Map<string, Placed>;
}

const KIND_ORDER = [
  "Gateway",
  "AuthPolicy",
  "RateLimitPolicy",
  "EnvoyFilter",
  "HTTPRoute",
  "InferencePool",
  "Service",
  "DestinationRule",
  "Pod",
];

export function layoutTopology(topology: TopologyAnswer): Layout {
  const at = new Map<string, Placed>();
  let height = HEADER;
  topology.columns.forEach((_title, column) => {
    const nodes = topology.nodes
      .filter((n) => n.column === column)
      .sort(
        (a, b) =>
          KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
          a.detail.localeCompare(b.detail) ||
          a.name.localeCompare(b.name),
      );
    nodes.forEach((node, row) => {
      const placed = { id: node.id, x: column * (NODE_WIDTH + COLUMN_GAP), y: HEADER + row * (NODE_HEIGHT + ROW_GAP) };
      at.set(node.id, placed);
      height = Math.max(height, placed.y + NODE_HEIGHT);
    });
  });
  return { width: topology.columns.length * (NODE_WIDTH + COLUMN_GAP) - COLUMN_GAP, height: height + 8, at };
}

/** The point where arrows leave (right edge) or enter (left edge) a node. */
export function anchor(placed: Placed, side: "in" | "out"): [number, number] {
  return [side === "out" ? placed.x + NODE_WIDTH : placed.x, placed.y + NODE_HEIGHT / 2];
}
