// The edge under the pointer, between two neuron columns joined by weights.

import { unitY, type Layout } from "./layout";
import type { NetworkData } from "./network";

/** Above this many edges in a column pair, hovering edges is left to level of detail. */
export const MAX_HIT_EDGES = 60_000;

export interface EdgeRef {
  column: number; // the column the edge goes into
  to: number;
  from: number;
}

export function edgeAt(layout: Layout, data: NetworkData, x: number, y: number, tolerance = 3): EdgeRef | null {
  for (let c = 1; c < layout.columns.length; c++) {
    const w = data.params[c]?.weight ?? null;
    const a = layout.columns[c - 1]!;
    const b = layout.columns[c]!;
    const x1 = a.x + a.r;
    const x2 = b.x - b.r;
    if (w === null || x < x1 || x > x2 || w.data.length > MAX_HIT_EDGES) continue;
    const t = (x - x1) / (x2 - x1);
    let best: EdgeRef | null = null;
    let bestDistance = tolerance;
    for (let j = 0; j < b.units; j++) {
      const y2 = unitY(b, j);
      for (let i = 0; i < a.units; i++) {
        const y1 = unitY(a, i);
        // Vertical distance at x, scaled to the distance to the line.
        const dy = Math.abs(y1 + (y2 - y1) * t - y);
        const distance = dy / Math.hypot(1, (y2 - y1) / (x2 - x1));
        if (distance < bestDistance) {
          best = { column: c, to: j, from: i };
          bestDistance = distance;
        }
      }
    }
    return best;
  }
  return null;
}
