// The edge under the pointer, between two neuron columns joined by weights.
//
// The index is the geometry itself: nodes sit on evenly spaced slots, so for a
// pointer at fraction t between two columns, the edges from source slot p that
// pass within the tolerance end in a range of target slots solved in constant
// time. A mouse move costs O(slots + hits), about a thousand steps at 235,000
// edges, never a scan of every edge.

import { slotUnits, type ColumnLayout, type Layout } from "./layout";
import type { NetworkData } from "./network";

export interface EdgeRef {
  column: number; // the column the edge goes into
  to: number;
  from: number;
}

/** Which edges of a column pair are drawn: a byte per edge, built once per selection. */
const shownMasks = new WeakMap<Uint32Array, Uint8Array>();

function shownMask(selected: Uint32Array, edges: number): Uint8Array {
  let mask = shownMasks.get(selected);
  if (mask === undefined || mask.length !== edges) {
    mask = new Uint8Array(edges);
    for (const k of selected) mask[k] = 1;
    shownMasks.set(selected, mask);
  }
  return mask;
}

/** Slots s of `col` whose centre y satisfies lo ≤ y ≤ hi. */
function slotRange(col: ColumnLayout, lo: number, hi: number): [number, number] {
  const first = Math.max(0, Math.ceil((lo - col.y0) / col.dy));
  const last = Math.min(col.slots - 1, Math.floor((hi - col.y0) / col.dy));
  return [first, last];
}

/**
 * The drawn edge nearest (x, y) within `tolerance` pixels. `shown(c)` lists the
 * edges drawn into column c when they are filtered (only those can be hit).
 * Where several edges are drawn on one line (collapsed groups), the one of
 * largest |w| is returned.
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
    if (w === null || a.slots === 0 || b.slots === 0 || x < x1 || x > x2) continue;
    const fanIn = w.shape[1]!;
    const selected = shown(c);
    const mask = selected === null ? null : shownMask(selected, w.data.length);
    const t = (x - x1) / (x2 - x1);
    // The vertical distance of a steep line overstates its true distance by at
    // most this factor: search that wide, then measure exactly.
    const rise = Math.max(a.slots * a.dy, b.slots * b.dy);
    const reach = tolerance * Math.hypot(1, rise / (x2 - x1));
    let best: EdgeRef | null = null;
    let bestDistance = tolerance;
    let bestWeight = -1;
    const test = (p: number, q: number): void => {
      const y1 = a.y0 + p * a.dy;
      const y2 = b.y0 + q * b.dy;
      const distance = Math.abs(y1 + (y2 - y1) * t - y) / Math.hypot(1, (y2 - y1) / (x2 - x1));
      if (distance > bestDistance) return;
      const [i0, i1] = slotUnits(a, p);
      const [j0, j1] = slotUnits(b, q);
      for (let j = j0; j < j1; j++) {
        for (let i = i0; i < i1; i++) {
          const k = j * fanIn + i;
          if (mask !== null && mask[k] === 0) continue;
          const weight = Math.abs(w.data[k]!);
          if (distance < bestDistance || weight > bestWeight) {
            best = { column: c, to: j, from: i };
            bestDistance = distance;
            bestWeight = weight;
          }
        }
      }
    };
    // Walk the side nearer the pointer: its lines fan out least there.
    if (t >= 0.5) {
      for (let p = 0; p < a.slots; p++) {
        const y1 = a.y0 + p * a.dy;
        const [q0, q1] = slotRange(b, (y - reach - y1 * (1 - t)) / t, (y + reach - y1 * (1 - t)) / t);
        for (let q = q0; q <= q1; q++) test(p, q);
      }
    } else {
      for (let q = 0; q < b.slots; q++) {
        const y2 = b.y0 + q * b.dy;
        const [p0, p1] = slotRange(a, (y - reach - y2 * t) / (1 - t), (y + reach - y2 * t) / (1 - t));
        for (let p = p0; p <= p1; p++) test(p, q);
      }
    }
    return best;
  }
  return null;
}
