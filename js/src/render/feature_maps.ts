// Paints FeatureMapView: map tiles as heatmaps (one canvas pixel per map
// pixel, scaled without smoothing), vector cells, output bars, the receptive
// field rectangles and the selected pixel.

import type { MapColumn } from "../scene/feature_maps";
import { mapValue } from "../scene/feature_maps";
import { diverging, css } from "./colors";
import { rectOnTile, toShown, type Box, type FeatureLayout } from "./feature_maps_layout";

export interface Rect {
  y0: number;
  y1: number;
  x0: number;
  x1: number;
}

export const FIELD = "#d29922"; // the receptive field: amber, apart from the blue/orange scale
const SELECTED = "#111111";
const TILE_BORDER = "#c8ced6";

/** One map as an image of its shown size, ready to be scaled onto its tile. */
function mapImage(column: MapColumn, m: number, range: number): HTMLCanvasElement {
  const [h, w] = column.size;
  const canvas = document.createElement("canvas");
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext("2d");
  if (ctx === null) return canvas;
  const image = ctx.createImageData(w, h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [r, g, b] = diverging(mapValue(column, m, y, x) / range);
      const i = (y * w + x) * 4;
      image.data[i] = r;
      image.data[i + 1] = g;
      image.data[i + 2] = b;
      image.data[i + 3] = 255;
    }
  }
  ctx.putImageData(image, 0, 0);
  return canvas;
}

export function paintColumns(
  ctx: CanvasRenderingContext2D,
  layout: FeatureLayout,
  columns: MapColumn[],
  perMap: boolean,
  labels: string[],
): void {
  ctx.imageSmoothingEnabled = false;
  columns.forEach((column, c) => {
    const boxes = layout.columns[c]!;
    const role = column.spec.role;
    if (role === "maps") {
      column.channels.forEach((_, m) => {
        const box = boxes.boxes[m]!;
        const range = perMap ? column.mapRanges[m]! : column.range;
        ctx.drawImage(mapImage(column, m, range), box.x, box.y, box.w, box.h);
        ctx.strokeStyle = TILE_BORDER;
        ctx.lineWidth = 1;
        ctx.strokeRect(box.x - 0.5, box.y - 0.5, box.w + 1, box.h + 1);
        if (column.channels[m] === -1) {
          // The grouped mean map: say how many channels it stands for.
          const text = `+${column.grouped}`;
          ctx.font = "600 10px system-ui, sans-serif";
          ctx.textAlign = "center";
          ctx.textBaseline = "middle";
          const width = ctx.measureText(text).width + 4;
          ctx.fillStyle = "rgba(255,255,255,0.75)";
          ctx.fillRect(box.x + (box.w - width) / 2, box.y + box.h / 2 - 6, width, 12);
          ctx.fillStyle = "#1f2328";
          ctx.fillText(text, box.x + box.w / 2, box.y + box.h / 2);
        }
      });
    } else if (role === "vector" && column.values !== null) {
      column.values.forEach((v, i) => {
        const box = boxes.boxes[i]!;
        ctx.fillStyle = css(diverging(v / column.range));
        ctx.fillRect(box.x, box.y, box.w, box.h);
      });
      const first = boxes.boxes[0];
      if (first !== undefined) {
        ctx.strokeStyle = TILE_BORDER;
        const last = boxes.boxes[boxes.boxes.length - 1]!;
        ctx.strokeRect(first.x - 0.5, first.y - 0.5, last.x + last.w - first.x + 1, Math.max(...boxes.boxes.map((b) => b.y + b.h)) - first.y + 1);
      }
    } else if (role === "output" && column.probs !== null) {
      paintBars(ctx, boxes.boxes, boxes.classes, column.probs, labels);
    } else {
      const box = boxes.boxes[0]!;
      ctx.strokeStyle = TILE_BORDER;
      ctx.strokeRect(box.x, box.y, box.w, box.h);
    }
  });
}

function paintBars(ctx: CanvasRenderingContext2D, boxes: Box[], classes: number[], probs: Float32Array, labels: string[]): void {
  let best = 0;
  probs.forEach((p, i) => {
    if (p > probs[best]!) best = i;
  });
  ctx.textBaseline = "middle";
  classes.forEach((k, i) => {
    const box = boxes[i]!;
    const p = probs[k]!;
    const mid = box.y + box.h / 2;
    ctx.fillStyle = "#eef1f4";
    ctx.fillRect(box.x, box.y, box.w, box.h);
    ctx.fillStyle = k === best ? "#2166ac" : "#92c5de";
    ctx.fillRect(box.x, box.y, Math.max(1, p * box.w), box.h);
    ctx.fillStyle = "#1f2328";
    ctx.font = `${k === best ? "600 " : ""}12px system-ui, sans-serif`;
    ctx.textAlign = "right";
    ctx.fillText(labels[k] ?? String(k), box.x - 6, mid);
    ctx.textAlign = "left";
    ctx.font = "11px system-ui, sans-serif";
    ctx.fillText(`${(p * 100).toFixed(1)}%`, box.x + box.w + 4, mid);
  });
}

/** On whole pixels: a 2-pixel line then covers two pixels, not three half-tones. */
function crisp(box: Box): Box {
  const x = Math.round(box.x);
  const y = Math.round(box.y);
  return { x, y, w: Math.round(box.x + box.w) - x, h: Math.round(box.y + box.h) - y };
}

/** The receptive field on every tile of each earlier map column, and the selected pixel. */
export function paintSelection(
  ctx: CanvasRenderingContext2D,
  layout: FeatureLayout,
  columns: MapColumn[],
  fields: Record<string, Rect>,
  selected: { column: number; map: number; y: number; x: number } | null,
): void {
  columns.forEach((column, c) => {
    const rect = fields[column.spec.name];
    if (rect === undefined || column.spec.role !== "maps") return;
    const isSelected = selected !== null && selected.column === c;
    column.channels.forEach((_, m) => {
      const tile = layout.columns[c]!.boxes[m]!;
      if (isSelected && m !== selected.map) return;
      const box = crisp(rectOnTile(column, tile, rect));
      ctx.strokeStyle = isSelected ? SELECTED : FIELD;
      ctx.lineWidth = 2;
      ctx.strokeRect(box.x, box.y, box.w, box.h);
    });
  });
  if (selected === null) return;
  // Lines from the selected pixel back to its field on the maps of the column it reads.
  const column = columns[selected.column]!;
  const source = columns[column.spec.sources[0] ?? -1];
  const rect = source === undefined ? undefined : fields[source.spec.name];
  const tile = layout.columns[selected.column]!.boxes[selected.map];
  if (source === undefined || rect === undefined || tile === undefined) return;
  const [py, px] = toShown(column, selected.y, selected.x);
  const [h, w] = column.size;
  const from = { x: tile.x + ((px + 0.5) / w) * tile.w, y: tile.y + ((py + 0.5) / h) * tile.h };
  const s = columns.indexOf(source);
  ctx.strokeStyle = "rgba(210,153,34,0.55)";
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (const t of layout.columns[s]!.boxes.slice(0, source.channels.length)) {
    const box = rectOnTile(source, t, rect);
    ctx.moveTo(box.x + box.w, box.y + box.h / 2);
    ctx.lineTo(from.x, from.y);
  }
  ctx.stroke();
}
