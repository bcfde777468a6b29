// Which edges to draw when a column pair has too many: the strongest
// contributions |w·a| for the chosen sample (|w| where there is no input
// value). The rest are counted, never silently dropped.

import type { Float32Tensor } from "../wire";

export interface EdgeSelection {
  /** Flat indices (to·fanIn + from) of the edges to draw, or null for all of them. */
  indices: Uint32Array | null;
  shown: number;
  total: number;
}

/** The `limit` largest of `scores` (|w·a|), in index order; null when all fit. */
export function strongestEdges(
  weight: Float32Tensor,
  previous: Float32Array | null,
  limit: number,
): EdgeSelection {
  const total = weight.data.length;
  if (limit <= 0 || total <= limit) return { indices: null, shown: total, total };
  const fanIn = weight.shape[1]!;
  const scores = new Float32Array(total);
  for (let k = 0; k < total; k++) {
    const a = previous === null ? 1 : previous[k % fanIn]!;
    const s = Math.abs(weight.data[k]! * a);
    scores[k] = Number.isFinite(s) ? s : 0;
  }
  // The limit-th largest score, then every index at or above it (ties cut at the limit).
  const threshold = Float32Array.from(scores).sort()[total - limit]!;
  const indices = new Uint32Array(limit);
  let n = 0;
  for (let k = 0; k < total && n < limit; k++) if (scores[k]! > threshold) indices[n++] = k;
  for (let k = 0; k < total && n < limit; k++) if (scores[k]! === threshold) indices[n++] = k;
  indices.subarray(0, n).sort();
  return { indices: indices.subarray(0, n), shown: n, total };
}
