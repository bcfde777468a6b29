// Canvas 2D drawing of the dense network. Edges are batched into a few paths
// (one per colour and width level) and drawn into a cached layer; neurons
// and highlights are cheap and drawn every frame on top of it.

import { type Layout, unitY, type UnitRef } from "../scene/layout";
import type { NetworkData } from "../scene/network";
import { css, diverging, NEGATIVE, POSITIVE } from "./colors";

export type Ctx2D = Pick<
  CanvasRenderingContext2D,
  | "beginPath"
  | "moveTo"
  | "lineTo"
  | "stroke"
  | "fill"
  | "arc"
  | "fillRect"
  | "strokeRect"
  | "clearRect"
  | "setLineDash"
  | "strokeStyle"
  | "fillStyle"
  | "lineWidth"
>;

/** How many line widths |w| is quantised into (each a separate path). */
export const WIDTH_LEVELS = 6;
const FADED_ALPHA = 0.18;

function edgeStyle(level: number, positive: boolean, faded: boolean): { width: number; color: string } {
  const t = (level + 0.5) / WIDTH_LEVELS;
  const alpha = (0.2 + 0.7 * t) * (faded ? FADED_ALPHA : 1);
  return { width: 0.4 + 3.2 * t, color: css(positive ? POSITIVE : NEGATIVE, alpha) };
}

/** Draw every edge; returns how many were drawn. `step`: columns after it are faded. */
export function paintEdges(ctx: Ctx2D, layout: Layout, data: NetworkData, step: number): number {
  const range = data.weightRange > 0 ? data.weightRange : 1;
  let drawn = 0;
  for (let c = 1; c < layout.columns.length; c++) {
    const params = data.params[c];
    if (params === null || params === undefined) continue;
    const from = layout.columns[c - 1]!;
    const to = layout.columns[c]!;
    const buckets: number[][] = Array.from({ length: 2 * WIDTH_LEVELS }, () => []);
    const w = params.weight;
    const fanIn = w.shape[1]!;
    for (let j = 0; j < to.units; j++) {
      const y2 = unitY(to, j);
      for (let i = 0; i < fanIn; i++) {
        const value = w.data[j * fanIn + i]!;
        if (!Number.isFinite(value)) continue; // a diverged weight: nothing sensible to draw
        const level = Math.min(WIDTH_LEVELS - 1, Math.floor((Math.abs(value) / range) * WIDTH_LEVELS));
        buckets[(value >= 0 ? WIDTH_LEVELS : 0) + level]!.push(unitY(from, i), y2);
      }
    }
    const x1 = from.x + from.r;
    const x2 = to.x - to.r;
    buckets.forEach((ys, b) => {
      if (ys.length === 0) return;
      const style = edgeStyle(b % WIDTH_LEVELS, b >= WIDTH_LEVELS, c > step);
      ctx.strokeStyle = style.color;
      ctx.lineWidth = style.width;
      ctx.beginPath();
      for (let k = 0; k < ys.length; k += 2) {
        ctx.moveTo(x1, ys[k]!);
        ctx.lineTo(x2, ys[k + 1]!);
      }
      ctx.stroke();
      drawn += ys.length / 2;
    });
  }
  return drawn;
}

/** Fill every neuron by its value for `sample`; returns how many were drawn. */
export function paintNeurons(
  ctx: Ctx2D,
  layout: Layout,
  data: NetworkData,
  sample: number,
  step: number,
): number {
  const range = data.valueRange > 0 ? data.valueRange : 1;
  const weightRange = data.weightRange > 0 ? data.weightRange : 1;
  let drawn = 0;
  layout.columns.forEach((col, c) => {
    const future = c > step;
    ctx.setLineDash(future ? [3, 3] : []);
    ctx.lineWidth = col.r > 3 ? 1 : 0.5;
    ctx.strokeStyle = future ? "#9a9a9a" : "#4a4a4a";
    for (let u = 0; u < col.units; u++) {
      const y = unitY(col, u);
      ctx.fillStyle = future ? "#ffffff" : css(diverging(data.activation(c, u, sample) / range));
      ctx.beginPath();
      ctx.arc(col.x, y, col.r, 0, 2 * Math.PI);
      ctx.fill();
      if (col.r > 2) ctx.stroke();
      const bias = data.bias(c, u);
      if (bias !== null && col.r >= 4) {
        // The bias: a small square at the neuron's lower left, coloured like a weight.
        const s = Math.max(3, col.r * 0.6);
        ctx.fillStyle = css(diverging(bias / weightRange));
        ctx.fillRect(col.x - col.r - s * 0.35, y + col.r - s * 0.65, s, s);
        ctx.strokeRect(col.x - col.r - s * 0.35, y + col.r - s * 0.65, s, s);
      }
      drawn++;
    }
  });
  ctx.setLineDash([]);
  return drawn;
}

/** A ring around one neuron (hover or selection). */
export function paintRing(ctx: Ctx2D, layout: Layout, ref: UnitRef, color: string, width: number): void {
  const col = layout.columns[ref.column];
  if (col === undefined || ref.unit >= col.units) return;
  ctx.setLineDash([]);
  ctx.strokeStyle = color;
  ctx.lineWidth = width;
  ctx.beginPath();
  ctx.arc(col.x, unitY(col, ref.unit), col.r + width + 1, 0, 2 * Math.PI);
  ctx.stroke();
}
