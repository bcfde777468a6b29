// The signals w·a travelling along the edges into one column during a forward
// step: only the strongest ones (a 784-wide layer has far too many to animate).

import { unitY, type Layout } from "../scene/layout";
import type { NetworkData } from "../scene/network";
import { magnitudes, topK } from "../scene/top_k";
import { css, NEGATIVE, POSITIVE } from "./colors";
import type { Ctx2D } from "./network_painter";

export const MAX_SIGNALS = 240;

export interface Signal {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  strength: number; // |w·a| over the largest shown, in (0, 1]
  positive: boolean;
}

/** The strongest contributions w·a into `column` for one sample. */
export function strongestSignals(data: NetworkData, layout: Layout, column: number, sample: number): Signal[] {
  const w = data.params[column]?.weight ?? null;
  const previous = data.row(column - 1, sample);
  const from = layout.columns[column - 1];
  const to = layout.columns[column];
  if (w === null || previous === null || from === undefined || to === undefined) return [];
  const fanIn = w.shape[1]!;
  const values = new Float64Array(to.units * fanIn);
  for (let k = 0; k < values.length; k++) values[k] = w.data[k]! * previous[k % fanIn]!;
  const scores = magnitudes(values);
  const shown = Array.from(topK(scores, MAX_SIGNALS)).filter((k) => scores[k]! > 0);
  const top = scores[shown[0] ?? 0] || 1;
  return shown.map((k) => {
    const j = Math.floor(k / fanIn);
    return {
      x1: from.x + from.r,
      y1: unitY(from, k - j * fanIn),
      x2: to.x - to.r,
      y2: unitY(to, j),
      strength: scores[k]! / top,
      positive: values[k]! >= 0,
    };
  });
}

/** Each signal as a dot `progress` (0..1) of the way along its edge. */
export function paintSignals(ctx: Ctx2D, signals: readonly Signal[], progress: number): void {
  ctx.setLineDash([]);
  for (const s of signals) {
    const x = s.x1 + (s.x2 - s.x1) * progress;
    const y = s.y1 + (s.y2 - s.y1) * progress;
    ctx.fillStyle = css(s.positive ? POSITIVE : NEGATIVE, 0.35 + 0.6 * s.strength);
    ctx.beginPath();
    ctx.arc(x, y, 1.5 + 3 * Math.sqrt(s.strength), 0, 2 * Math.PI);
    ctx.fill();
  }
}
