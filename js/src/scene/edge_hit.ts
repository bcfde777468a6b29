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

/**
 * The drawn edge nearest (x, y) within `tolerance` pixels. `shown(c)` lists the
 * edges drawn into column c when they are filtered (only those can be hit).
 */
export function edgeAt(
  layout: Layout,
  data: NetworkData,
  x: number,
  y: number,
  tolerance = 3,
  shown: (column: number) => Uint32Array | null = () => null,
): EdgeRef | null {
  for (let c = 1; c < layout.columns.length; c++) {
    const w = data.params[c]?.weight ?? null;
    const a = layout.columns[c - 1]!;
    const b = layout.columns[c]!;
    const x1 = a.x + a.r;
    const x2 = b.x - b.r;
    const selected = shown(c);
    if (w === null || x < x1 || x > x2) continue;
    if (selected === null && w.data.length > MAX_HIT_EDGES) continue;
    const fanIn = w.shape[1]!;
    const t = (x - x1) / (x2 - x1);
    let best: EdgeRef | null = null;
    let bestDistance = tolerance;
    const test = (k: number): void => {
      const j = Math.floor(k / fanIn);
      const i = k - j * fanIn;
      const y1 = unitY(a, i);
      const y2 = unitY(b, j);
      // Vertical distance at x, scaled to the distance to the line.
      const distance = Math.abs(y1 + (y2 - y1) * t - y) / Math.hypot(1, (y2 - y1) / (x2 - x1));
      if (distance < bestDistance) {
        best = { column: c, to: j, from: i };
        bestDistance = distance;
      }
    };
    if (selected === null) for (let k = 0; k < b.units * fanIn; k++) test(k);
    else for (const k of selected) test(k);
    return best;
  }
  return null;
}
