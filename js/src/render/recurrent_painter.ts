// Canvas 2D drawing of an unrolled recurrent layer. Cheap enough to redraw
// whole on every change: a few thousand circles and the strongest edges.

import type { RecurrentData } from "../scene/recurrent";
import { columnSpacing, gatePoint, type RecurrentLayout, unitPoint, type UnitHit } from "../scene/recurrent_layout";
import { css, diverging } from "./colors";
import { type Ctx2D, EdgeBuckets, strokeBatches } from "./network_painter";

/** Per band and step: the flat indices of the input and recurrent edges drawn (null: all). */
export interface EdgeChoice {
  input: Uint32Array | null;
  recurrent: Uint32Array | null;
}

const FUTURE = "#b0b4b9";

/** A soft band behind the step the stepper is at. */
export function paintCurrentStep(ctx: Ctx2D, layout: RecurrentLayout, step: number): void {
  const x = layout.columns[step];
  if (x === undefined) return;
  const spacing = columnSpacing(layout);
  ctx.fillStyle = "rgba(255, 200, 60, 0.18)";
  ctx.fillRect(x - spacing / 2 + 2, 4, spacing - 4, layout.height - 8);
}

/** Edges x_t → h_t (from the band below) and h_{t−1} → h_t, for the steps reached. */
export function paintEdges(
  ctx: Ctx2D,
  layout: RecurrentLayout,
  data: RecurrentData,
  step: number,
  choice: (t: number, band: number) => EdgeChoice | null,
): number {
  const buckets = new EdgeBuckets(data.values.ranges.weight > 0 ? data.values.ranges.weight : 1);
  const add = buckets.add.bind(buckets);
  data.bands.forEach((band, b) => {
    if (band.info.role !== "hidden") return;
    const here = layout.bands[b]!;
    const below = layout.bands[b - 1]!;
    const pairs = (w: NonNullable<typeof band.wIn>, picked: Uint32Array | null, each: (k: number, j: number, value: number) => void): void => {
      const fanIn = w.shape[1]!;
      const visit = (flat: number): void => each(flat % fanIn, Math.floor(flat / fanIn), w.data[flat]!);
      if (picked === null) for (let flat = 0; flat < w.data.length; flat++) visit(flat);
      else for (const flat of picked) visit(flat);
    };
    for (let t = 0; t <= step && t < data.steps; t++) {
      if (band.wIn !== null) {
        pairs(band.wIn, choice(t, b)?.input ?? null, (k, j, value) => {
          const from = unitPoint(layout, b - 1, t, k);
          const to = unitPoint(layout, b, t, j);
          add(value, from.x + below.r, from.y, to.x - here.r, to.y);
        });
      }
      if (band.wHh !== null && t > 0) {
        const gates = layout.gate.count * (layout.gate.size + 1);
        pairs(band.wHh, choice(t, b)?.recurrent ?? null, (k, j, value) => {
          const from = unitPoint(layout, b, t - 1, k);
          const to = unitPoint(layout, b, t, j);
          add(value, from.x + here.r + gates, from.y, to.x - here.r, to.y);
        });
      }
    }
  });
  ctx.setLineDash([]);
  // Dense steps are thinned like a dense layer: by the edges drawn per step.
  return strokeBatches(ctx, buckets.batches(false, buckets.count / Math.max(1, step + 1)));
}

/** The head: a thin link from the top hidden band into the outputs, where there are outputs. */
export function paintHeadLinks(ctx: Ctx2D, layout: RecurrentLayout, data: RecurrentData, step: number): void {
  const top = data.bands.length - 1;
  if (data.bands[top]?.info.role !== "output") return;
  const hidden = layout.bands[top - 1]!;
  const out = layout.bands[top]!;
  ctx.strokeStyle = "rgba(110,118,129,0.6)";
  ctx.lineWidth = 1.2;
  ctx.setLineDash([]);
  for (const t of data.topology.output_steps) {
    if (t > step) continue;
    const x = layout.columns[t]!;
    ctx.beginPath();
    ctx.moveTo(x + hidden.x, hidden.y0 - hidden.dy / 2);
    ctx.lineTo(x + out.x, out.y0 + out.dy * (out.units - 0.5));
    ctx.stroke();
  }
}

/** Fill every unit by its value (gates beside hidden units); steps after `step` are outlines. */
export function paintUnits(ctx: Ctx2D, layout: RecurrentLayout, data: RecurrentData, step: number, gates: boolean): number {
  let drawn = 0;
  const gateCount = gates ? layout.gate.count : 0;
  const cellRange = data.values.ranges.cell > 0 ? data.values.ranges.cell : 1;
  const names = data.topology.gates;
  data.bands.forEach((band, b) => {
    const geometry = layout.bands[b]!;
    const range = data.range(b) > 0 ? data.range(b) : 1;
    for (let t = 0; t < data.steps; t++) {
      if (!data.present(b, t)) continue;
      const future = t > step;
      ctx.setLineDash(future ? [2, 2] : []);
      ctx.strokeStyle = future ? FUTURE : "#4a4a4a";
      ctx.lineWidth = geometry.r > 3 ? 1 : 0.5;
      for (let u = 0; u < band.info.units; u++) {
        const p = unitPoint(layout, b, t, u);
        // Later steps: outlined, or a pale dot where units are too small to outline.
        const blank = geometry.r > 2 ? "#ffffff" : "#e4e6e9";
        ctx.fillStyle = future ? blank : css(diverging(data.value(b, t, u) / range));
        ctx.beginPath();
        ctx.arc(p.x, p.y, geometry.r, 0, 2 * Math.PI);
        ctx.fill();
        if (geometry.r > 2) ctx.stroke();
        drawn++;
        if (band.info.role !== "hidden" || future) continue;
        for (let g = 0; g < gateCount; g++) {
          const value = data.gate(b, g, t, u);
          const scale = g === names.length ? cellRange : 1; // gates are in [0, 1] or [−1, 1]
          const q = gatePoint(layout, b, t, u, g);
          ctx.fillStyle = css(diverging(value / scale));
          ctx.fillRect(q.x, q.y, layout.gate.size, layout.gate.size);
        }
      }
    }
  });
  ctx.setLineDash([]);
  return drawn;
}

/** Band names at the left, the gate letters above the first column, token labels under the columns. */
export function paintLabels(
  ctx: Ctx2D,
  layout: RecurrentLayout,
  data: RecurrentData,
  step: number,
  gates: boolean,
  bandName: (b: number) => string,
): void {
  ctx.textBaseline = "middle";
  ctx.fillStyle = "#1f2328";
  ctx.font = "600 12px system-ui, sans-serif";
  ctx.textAlign = "left";
  layout.bands.forEach((band, b) => ctx.fillText(bandName(b), 6, band.y0 + (band.dy * (band.units - 1)) / 2));
  if (gates && layout.gate.count > 0) {
    ctx.font = `${Math.min(10, layout.gate.size + 2)}px ui-monospace, monospace`;
    ctx.textAlign = "center";
    ctx.fillStyle = "#5b636b";
    const letters = [...data.topology.gates, ...(data.topology.cell === "LSTM" ? ["c"] : [])];
    data.bands.forEach((band, b) => {
      if (band.info.role !== "hidden") return;
      letters.forEach((letter, g) => {
        const q = gatePoint(layout, b, 0, 0, g);
        ctx.fillText(letter, q.x + layout.gate.size / 2, q.y - 7);
      });
    });
  }
  ctx.textAlign = "center";
  const spacing = columnSpacing(layout);
  const size = Math.max(9, Math.min(14, spacing / 3.4)); // five characters fit a column
  data.values.labels.forEach((label, t) => {
    const x = layout.columns[t]!;
    ctx.fillStyle = t > step ? FUTURE : "#1f2328";
    ctx.font = `${t === step ? "700" : "500"} ${size.toFixed(1)}px system-ui, sans-serif`;
    ctx.fillText(visible(label), x, layout.labelY);
    ctx.font = "10px system-ui, sans-serif";
    ctx.fillStyle = "#5b636b";
    ctx.fillText(`t=${t + data.topology.first_step}`, x, layout.labelY + 15);
  });
}

/** A label that is only whitespace (a space, a newline) shown as visible marks. */
export function visible(label: string): string {
  const text = label.trim() === "" ? label.replace(/\n/g, "↵").replace(/ /g, "␣") : label;
  return text.length > 9 ? `${text.slice(0, 8)}…` : text;
}

export function paintRing(ctx: Ctx2D, layout: RecurrentLayout, hit: UnitHit, color: string): void {
  const p = unitPoint(layout, hit.band, hit.step, hit.unit);
  const r = layout.bands[hit.band]!.r;
  ctx.setLineDash([]);
  ctx.strokeStyle = color;
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.arc(p.x, p.y, r + 3, 0, 2 * Math.PI);
  ctx.stroke();
}
