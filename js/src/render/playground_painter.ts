// Canvas drawing of the Playground: links whose colour and width follow the
// live weights, and the data points over the output plane. The heatmaps
// themselves are pixels (render/heatmap.ts), scaled onto the tiles.

import type { NetworkLayout } from "../scene/playground_layout";
import type { PlaygroundFrame, Points, Problem } from "../scene/playground_frame";
import { css, diverging } from "./colors";
import { classColor } from "./heatmap";
import type { Ctx2D } from "./network_painter";

const MAX_WIDTH_WEIGHT = 4; // |w| from which a link is drawn at its widest

/** A link's stroke: diverging colour of w (clamped to [-1, 1]), width growing with |w|. */
export function linkStyle(weight: number): { color: string; width: number } {
  const size = Math.min(Math.abs(weight), MAX_WIDTH_WEIGHT) / MAX_WIDTH_WEIGHT;
  const color = diverging(Math.max(-1, Math.min(1, weight)));
  return { color: css(color, 0.35 + 0.65 * Math.min(1, Math.abs(weight))), width: 0.6 + 6 * size };
}

/** Every link as a curve from the right side of its source tile to the left side of its target. */
export function paintLinks(ctx: Ctx2D, layout: NetworkLayout, frame: PlaygroundFrame): void {
  for (const link of layout.links) {
    const { color, width } = linkStyle(frame.weight(link.column, link.toUnit, link.fromUnit));
    const x0 = link.from.x + link.from.size;
    const y0 = link.from.y + link.from.size / 2;
    const x1 = link.to.x;
    const y1 = link.to.y + link.to.size / 2;
    const mid = (x0 + x1) / 2;
    ctx.beginPath();
    ctx.moveTo(x0, y0);
    ctx.bezierCurveTo(mid, y0, mid, y1, x1, y1);
    ctx.strokeStyle = color;
    ctx.lineWidth = width;
    ctx.stroke();
  }
}

export interface PlotBox {
  x: number;
  y: number;
  size: number;
  extent: readonly [number, number, number, number]; // x1 min, x1 max, x2 min, x2 max
}

/** Colour of a point's target: its class, or the regression value on the diverging scale. */
export function pointColor(target: number, problem: Problem, classes: number): string {
  if (problem === "regression") return css(diverging(target));
  return css(classColor(Math.round(target), classes));
}

/** Training points ringed in white, test points in black (as in TensorFlow Playground). */
export function paintPoints(
  ctx: Ctx2D,
  box: PlotBox,
  points: Points,
  problem: Problem,
  classes: number,
  test: boolean,
): void {
  const [x0, x1, y0, y1] = box.extent;
  const sx = box.size / (x1 - x0);
  const sy = box.size / (y1 - y0);
  ctx.lineWidth = 1;
  ctx.strokeStyle = test ? "#000000" : "#ffffff";
  for (let i = 0; i < points.y.length; i++) {
    const px = box.x + (points.x[2 * i]! - x0) * sx;
    const py = box.y + (y1 - points.x[2 * i + 1]!) * sy;
    ctx.beginPath();
    ctx.arc(px, py, 3, 0, 2 * Math.PI);
    ctx.fillStyle = pointColor(points.y[i]!, problem, classes);
    ctx.fill();
    ctx.stroke();
  }
}
