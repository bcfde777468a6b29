// Which edges to draw when a column pair has too many: the strongest
// contributions |w·a| for the chosen sample (|w| where there is no input
// value). The rest are counted, never silently dropped.

import type { Float32Tensor } from "../wire";
import { topK } from "./top_k";

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
  const indices = topK(scores, limit).sort(); // drawn in index order
  return { indices, shown: indices.length, total };
}
