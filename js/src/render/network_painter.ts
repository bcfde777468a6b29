// Canvas 2D drawing of the dense network. Edges are batched into a few paths
// (one per colour and width level) and drawn into a cached layer; neurons
// and highlights are cheap and drawn every frame on top of it.

import {
  BLOCK,
  type ColumnLayout,
  type Layout,
  MARGIN,
  middleY,
  slotUnits,
  unitY,
  type UnitRef,
} from "../scene/layout";
import type { NetworkData } from "../scene/network";
import type { Float32Tensor } from "../wire";
import { css, diverging, NEGATIVE, POSITIVE, type RGB } from "./colors";

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
  | "bezierCurveTo"
  | "fillText"
  | "font"
  | "textAlign"
  | "textBaseline"
>;

/** How many line widths |w| is quantised into (each a separate path). */
export const WIDTH_LEVELS = 6;
const FADED_ALPHA = 0.18;

/** Edges drawn between two columns beyond which lines get thinner and lighter. */
const SPARSE_EDGES = 400;

/** How one bucket of edges is stroked. */
export interface EdgeStyle {
  width: number;
  rgb: RGB;
  alpha: number;
}

/** `count`: edges drawn in this column pair; dense pairs are thinned so they stay readable. */
function edgeStyle(level: number, positive: boolean, faded: boolean, count: number): EdgeStyle {
  const t = (level + 0.5) / WIDTH_LEVELS;
  const density = Math.sqrt(Math.min(1, SPARSE_EDGES / Math.max(1, count)));
  const alpha = (0.2 + 0.7 * t) * (faded ? FADED_ALPHA : 1) * Math.max(0.25, density);
  return { width: (0.4 + 3.2 * t) * Math.max(0.3, density), rgb: positive ? POSITIVE : NEGATIVE, alpha };
}

/** Straight segments of one style: x1, y1, x2, y2 for each edge, in layout coordinates. */
export interface EdgeBatch {
  style: EdgeStyle;
  segments: Float64Array;
}

/** Edges sorted by sign and by |w| over `range` into 2·WIDTH_LEVELS buckets, a path each. */
export class EdgeBuckets {
  private readonly lines: number[][] = Array.from({ length: 2 * WIDTH_LEVELS }, () => []);
  private added = 0;

  constructor(private readonly range: number) {}

  get count(): number {
    return this.added;
  }

  add(value: number, x1: number, y1: number, x2: number, y2: number): void {
    if (!Number.isFinite(value)) return; // a diverged weight: nothing sensible to draw
    const level = Math.min(WIDTH_LEVELS - 1, Math.floor((Math.abs(value) / this.range) * WIDTH_LEVELS));
    this.lines[(value >= 0 ? WIDTH_LEVELS : 0) + level]!.push(x1, y1, x2, y2);
    this.added++;
  }

  /** Styled batches; `count` edges drawn together thins dense ones, `faded` fades them. */
  batches(faded: boolean, count: number): EdgeBatch[] {
    const out: EdgeBatch[] = [];
    this.lines.forEach((segments, b) => {
      if (segments.length === 0) return;
      const style = edgeStyle(b % WIDTH_LEVELS, b >= WIDTH_LEVELS, faded, count);
      out.push({ style, segments: Float64Array.from(segments) });
    });
    return out;
  }
}

/** What the edges into each column show: a matrix (weights, gradients…) and its scale. */
export interface EdgeSource {
  matrix(column: number): Float32Tensor | null;
  range(column: number): number;
  faded(column: number): boolean;
  /** Flat indices of the edges to draw (the strongest), or null for all. */
  selection?(column: number): Uint32Array | null;
}

/** What the neurons show: a tone in [-1, 1] per unit (its value over its scale). */
export interface NeuronSource {
  tone(column: number, unit: number): number;
  faded(column: number): boolean;
}

/** The forward pass at `step`: weights on the edges, activations on the neurons. */
export function forwardEdges(data: NetworkData, step: number): EdgeSource {
  return {
    matrix: (c) => data.params[c]?.weight ?? null,
    range: () => data.weightRange,
    faded: (c) => c > step,
  };
}

/** `perLayer`: each column on its own scale (small hidden values stay visible). */
export function forwardNeurons(data: NetworkData, sample: number, step: number, perLayer = false): NeuronSource {
  const ranges = data.columns.map((_, c) => {
    const range = perLayer ? data.layerRanges[c]! : data.valueRange;
    return range > 0 ? range : 1;
  });
  return { tone: (c, u) => data.activation(c, u, sample) / ranges[c]!, faded: (c) => c > step };
}

/**
 * Every drawn edge, bucketed by colour and width level: what both backends
 * (Canvas 2D and WebGL) draw. `step`: columns after it are faded.
 */
export function edgeBatches(
  layout: Layout,
  data: NetworkData,
  step: number,
  source: EdgeSource = forwardEdges(data, step),
): EdgeBatch[] {
  const batches: EdgeBatch[] = [];
  for (let c = 1; c < layout.columns.length; c++) {
    const w = source.matrix(c);
    if (w === null) continue;
    const range = source.range(c) > 0 ? source.range(c) : 1;
    const from = layout.columns[c - 1]!;
    const to = layout.columns[c]!;
    const x1 = from.x + from.r;
    const x2 = to.x - to.r;
    const buckets = new EdgeBuckets(range);
    const fanIn = w.shape[1]!;
    const add = (k: number): void => {
      const j = Math.floor(k / fanIn);
      buckets.add(w.data[k]!, x1, unitY(from, k - j * fanIn), x2, unitY(to, j));
    };
    const selected = source.selection?.(c) ?? null;
    const total = to.units * fanIn;
    const visit = (fn: (k: number) => void): void => {
      if (selected === null) for (let k = 0; k < total; k++) fn(k);
      else for (const k of selected) fn(k);
    };
    let count = selected?.length ?? total;
    if (from.slotOf === null && to.slotOf === null) {
      visit(add);
    } else {
      // Edges of a collapsed group share one line: draw it once, as its heaviest edge.
      const heaviest = new Map<number, number>();
      visit((k) => {
        const j = Math.floor(k / fanIn);
        const line = unitSlot(to, j) * from.slots + unitSlot(from, k - j * fanIn);
        const best = heaviest.get(line);
        if (best === undefined || Math.abs(w.data[k]!) > Math.abs(w.data[best]!)) heaviest.set(line, k);
      });
      heaviest.forEach(add);
      count = heaviest.size;
    }
    batches.push(...buckets.batches(source.faded(c), count));
  }
  return batches;
}

function unitSlot(col: ColumnLayout, unit: number): number {
  return col.slotOf === null ? unit : col.slotOf[unit]!;
}

/** Stroke the batches, one path each; returns how many edges were drawn. */
export function strokeBatches(ctx: Ctx2D, batches: EdgeBatch[]): number {
  let drawn = 0;
  for (const { style, segments } of batches) {
    ctx.strokeStyle = css(style.rgb, style.alpha);
    ctx.lineWidth = style.width;
    ctx.beginPath();
    for (let k = 0; k < segments.length; k += 4) {
      ctx.moveTo(segments[k]!, segments[k + 1]!);
      ctx.lineTo(segments[k + 2]!, segments[k + 3]!);
    }
    ctx.stroke();
    drawn += segments.length / 4;
  }
  return drawn;
}

/** Draw every edge with Canvas 2D (or the SVG context); returns how many were drawn. */
export function paintEdges(
  ctx: Ctx2D,
  layout: Layout,
  data: NetworkData,
  step: number,
  source: EdgeSource = forwardEdges(data, step),
): number {
  return strokeBatches(ctx, edgeBatches(layout, data, step, source));
}

/** Fill every neuron by its value for `sample`, a collapsed group by its mean; returns how many units were drawn. */
export function paintNeurons(
  ctx: Ctx2D,
  layout: Layout,
  data: NetworkData,
  sample: number,
  step: number,
  source: NeuronSource = forwardNeurons(data, sample, step),
): number {
  const weightRange = data.weightRange > 0 ? data.weightRange : 1;
  let drawn = 0;
  layout.columns.forEach((col, c) => {
    if (col.units === 0) return;
    const future = source.faded(c);
    ctx.setLineDash(future ? [3, 3] : []);
    ctx.lineWidth = col.r > 3 ? 1 : 0.5;
    ctx.strokeStyle = future ? "#9a9a9a" : "#4a4a4a";
    const fill = (tone: number): string => (future ? "#ffffff" : css(diverging(tone)));
    for (let slot = 0; slot < col.slots; slot++) {
      const [start, end] = slotUnits(col, slot);
      const y = col.y0 + slot * col.dy;
      if (end - start > 1) {
        paintGroup(ctx, col, y, fill(meanTone(source, c, start, end)));
        drawn += end - start;
        continue;
      }
      ctx.fillStyle = fill(source.tone(c, start));
      ctx.beginPath();
      ctx.arc(col.x, y, col.r, 0, 2 * Math.PI);
      ctx.fill();
      if (col.r > 2) ctx.stroke();
      const bias = data.bias(c, start);
      if (bias !== null && col.r >= 4) {
        // The bias: a small square at the neuron's lower left, coloured like a weight.
        const s = Math.max(3, col.r * 0.6);
        ctx.fillStyle = css(diverging(bias / weightRange));
        ctx.fillRect(col.x - col.r - s * 0.35, y + col.r - s * 0.65, s, s);
        ctx.strokeRect(col.x - col.r - s * 0.35, y + col.r - s * 0.65, s, s);
      }
      drawn++;
    }
    paintBrackets(ctx, col);
  });
  ctx.setLineDash([]);
  return drawn;
}

function meanTone(source: NeuronSource, column: number, start: number, end: number): number {
  let sum = 0;
  for (let u = start; u < end; u++) sum += source.tone(column, u);
  return sum / (end - start);
}

/** A collapsed group: a stack of two cards filled with the group's mean, to say "several units here". */
function paintGroup(ctx: Ctx2D, col: ColumnLayout, y: number, fill: string): void {
  const h = Math.max(3, col.dy * 0.78);
  const w = Math.max(10, 2 * col.r + 8);
  ctx.fillStyle = fill;
  for (const shift of [2, 0]) {
    ctx.fillRect(col.x - w / 2 + shift, y - h / 2 - shift, w, h);
    ctx.strokeRect(col.x - w / 2 + shift, y - h / 2 - shift, w, h);
  }
}

/** A bracket left of each expanded group, so its units read as one group. */
function paintBrackets(ctx: Ctx2D, col: ColumnLayout): void {
  const x = col.x - Math.max(col.r, 4) - 5;
  for (const group of col.groups) {
    if (!group.expanded) continue;
    ctx.setLineDash([]);
    const top = unitY(col, group.start) - col.dy * 0.4;
    const bottom = unitY(col, group.end - 1) + col.dy * 0.4;
    ctx.strokeStyle = "#57606a";
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(x + 3, top);
    ctx.lineTo(x, top);
    ctx.lineTo(x, bottom);
    ctx.lineTo(x + 3, bottom);
    ctx.stroke();
  }
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

/** The dataflow between columns that have no weight matrix drawn: one line each (arcs for skips). */
export function paintLinks(ctx: Ctx2D, layout: Layout, data: NetworkData, step: number): number {
  const y = middleY(layout);
  let drawn = 0;
  ctx.setLineDash([]);
  data.columns.forEach((column, c) => {
    const to = layout.columns[c]!;
    const weighted = (data.params[c]?.weight ?? null) !== null;
    for (const s of column.sources) {
      if (weighted && s === c - 1) continue;
      const from = layout.columns[s];
      if (from === undefined) continue;
      ctx.strokeStyle = c > step ? "rgba(110,118,129,0.25)" : "rgba(110,118,129,0.85)";
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      const x1 = from.x + from.half;
      const x2 = to.x - to.half;
      ctx.moveTo(x1, y);
      if (s === c - 1) {
        ctx.lineTo(x2, y);
      } else {
        // A skip over other columns arcs above them.
        const lift = BLOCK.height / 2 + 18 + 6 * Math.min(c - s, 6);
        ctx.bezierCurveTo(x1 + 30, y - lift, x2 - 30, y - lift, x2, y);
      }
      ctx.stroke();
      drawn++;
    }
  });
  return drawn;
}

/** Layers drawn as labelled boxes: kind, merged steps and output shape. */
export function paintBlocks(ctx: Ctx2D, layout: Layout, data: NetworkData, step: number): number {
  const y = middleY(layout);
  let drawn = 0;
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  data.columns.forEach((column, c) => {
    const col = layout.columns[c]!;
    if (col.units !== 0) return;
    const future = c > step;
    const left = col.x - col.half;
    const top = y - BLOCK.height / 2;
    ctx.setLineDash(future ? [3, 3] : []);
    ctx.fillStyle = future ? "#ffffff" : "#f3f5f8";
    ctx.strokeStyle = future ? "#9a9a9a" : "#57606a";
    ctx.lineWidth = 1;
    ctx.fillRect(left, top, 2 * col.half, BLOCK.height);
    ctx.strokeRect(left, top, 2 * col.half, BLOCK.height);
    ctx.fillStyle = future ? "#9a9a9a" : "#1f2328";
    ctx.font = "600 11px system-ui, sans-serif";
    ctx.fillText(fit(column.kind, 15), col.x, y - 11);
    ctx.font = "11px ui-monospace, monospace";
    ctx.fillText(fit(column.shape.join("×") || "–", 14), col.x, y + 5);
    if (column.activations.length > 0) {
      ctx.font = "10px system-ui, sans-serif";
      ctx.fillText(fit(column.activations.join(" · "), 17), col.x, y + 19);
    }
    drawn++;
  });
  ctx.setLineDash([]);
  return drawn;
}

function fit(text: string, chars: number): string {
  return text.length <= chars ? text : `${text.slice(0, chars - 1)}…`;
}

/**
 * Fade what lies beyond `step` by veiling it in white: the edges and links
 * into later columns look as if drawn with FADED_ALPHA, without repainting them.
 */
export function paintVeil(ctx: Ctx2D, layout: Layout, step: number): void {
  ctx.fillStyle = `rgba(255,255,255,${1 - FADED_ALPHA})`;
  for (let c = Math.max(1, step + 1); c < layout.columns.length; c++) {
    const a = layout.columns[c - 1]!;
    const b = layout.columns[c]!;
    const left = a.x + a.half;
    ctx.fillRect(left, 0, b.x - b.half - left, layout.height);
  }
}

/** A soft band behind the column the stepper is at. */
export function paintCurrentColumn(ctx: Ctx2D, layout: Layout, column: number): void {
  const col = layout.columns[column];
  if (col === undefined) return;
  const half = Math.max(col.half, 6) + 8;
  ctx.fillStyle = "rgba(255, 200, 60, 0.16)";
  ctx.fillRect(col.x - half, MARGIN.top - 6, 2 * half, layout.height - MARGIN.top - MARGIN.bottom + 12);
}
