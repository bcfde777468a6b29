// Where each column, map tile, vector cell and output bar goes. Pure geometry:
// laid out once per structure and shown size, tested in vitest.

import type { MapColumn } from "../scene/feature_maps";
import { shownClasses } from "../scene/feature_maps";

export const TOP = 56; // room for the column labels
export const GAP = 6;
const COLUMN_GAP = 34;
const MAX_TILE = 64;
const MAX_INPUT_TILE = 120;
const MAX_COLUMN_WIDTH = 124;
const CELL = 12;
const BAR_WIDTH = 96;
const BAR_LABEL = 28;
const HEIGHT = 520;
const MIN_HEIGHT = 320;
const SCALES = [1, 0.9, 0.8, 0.7, 0.6, 0.5];
const MAX_BARS = 10;

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface ColumnBox {
  x: number;
  width: number;
  /** maps: one per drawn map; vector: one per cell; output: one bar row per shown class. */
  boxes: Box[];
  /** The class index of each output bar. */
  classes: number[];
}

export interface FeatureLayout {
  width: number;
  height: number;
  columns: ColumnBox[];
}

function grid(n: number, aspect: number, height: number, maxTile: number, maxWidth: number): { cols: number; tile: number } {
  let best = { cols: 1, tile: 0 };
  for (let cols = 1; cols <= 4; cols++) {
    const rows = Math.ceil(n / cols);
    const byHeight = (height - (rows - 1) * GAP) / rows / aspect;
    const byWidth = (maxWidth - (cols - 1) * GAP) / cols;
    const tile = Math.floor(Math.min(byHeight, byWidth, maxTile));
    if (tile > best.tile + 2) best = { cols, tile };
  }
  return best;
}

function stack(x: number, height: number, sizes: { w: number; h: number }[], cols: number): Box[] {
  const rows = Math.ceil(sizes.length / cols);
  const first = sizes[0] ?? { w: 0, h: 0 };
  const total = rows * first.h + (rows - 1) * GAP;
  const top = TOP + Math.max(0, (height - TOP - total) / 2);
  return sizes.map((s, i) => ({
    x: x + (i % cols) * (s.w + GAP),
    y: top + Math.floor(i / cols) * (s.h + GAP),
    w: s.w,
    h: s.h,
  }));
}

/** The largest layout (scale 1 down to 0.5) whose width fits `width`; the smallest if none does. */
export function fitFeatureMaps(columns: MapColumn[], width: number): FeatureLayout {
  let layout: FeatureLayout | null = null;
  for (const scale of SCALES) {
    layout = layoutFeatureMaps(columns, Math.max(MIN_HEIGHT, Math.round(HEIGHT * scale)), scale);
    if (layout.width <= width) break;
  }
  return layout!;
}

/** Columns left to right; `scale` shrinks tiles, bars and gaps (not the labels' room). */
export function layoutFeatureMaps(columns: MapColumn[], height: number, scale = 1): FeatureLayout {
  const area = height - TOP - 8;
  const gap = Math.round(COLUMN_GAP * scale);
  const barWidth = Math.round(BAR_WIDTH * scale);
  let x = 12;
  const boxes = columns.map((column): ColumnBox => {
    const role = column.spec.role;
    let result: ColumnBox;
    if (role === "maps" && column.channels.length > 0) {
      const [h, w] = column.size;
      const aspect = h / Math.max(1, w);
      const max = (column.spec.kind === "Input" ? MAX_INPUT_TILE : MAX_TILE) * scale;
      const { cols, tile } = grid(column.channels.length, aspect, area, max, MAX_COLUMN_WIDTH * scale);
      const size = { w: tile, h: Math.round(tile * aspect) };
      const tiles = stack(x, height, column.channels.map(() => size), cols);
      const used = Math.min(cols, column.channels.length);
      result = { x, width: used * tile + (used - 1) * GAP, boxes: tiles, classes: [] };
    } else if (role === "output" && column.probs !== null) {
      const classes = shownClasses(column.probs, MAX_BARS);
      const row = Math.min(22, Math.floor(area / Math.max(1, classes.length)));
      const bars = stack(x + BAR_LABEL, height, classes.map(() => ({ w: barWidth, h: row - 4 })), 1);
      result = { x, width: BAR_LABEL + barWidth + 44, boxes: bars, classes };
    } else if (role === "vector" && column.values !== null) {
      const n = column.values.length;
      const cell = Math.max(3, Math.min(CELL, Math.floor(area / n)));
      const perColumn = Math.floor(area / cell);
      const cols = Math.ceil(n / perColumn);
      const rows = Math.ceil(n / cols);
      const top = TOP + (area - rows * cell) / 2;
      const cells = Array.from({ length: n }, (_, i) => ({
        x: x + Math.floor(i / rows) * cell,
        y: top + (i % rows) * cell,
        w: cell,
        h: cell,
      }));
      result = { x, width: cols * cell, boxes: cells, classes: [] };
    } else {
      result = { x, width: 60, boxes: [{ x, y: TOP + area / 2 - 20, w: 60, h: 40 }], classes: [] };
    }
    x += Math.max(result.width, 56) + gap;
    return result;
  });
  return { width: x - gap + 12, height, columns: boxes };
}

export interface Hit {
  column: number;
  /** The map (tile), cell or bar index within the column. */
  item: number;
  /** For a map: the shown pixel. */
  py: number;
  px: number;
}

export function hitTest(layout: FeatureLayout, columns: MapColumn[], x: number, y: number): Hit | null {
  for (let c = 0; c < layout.columns.length; c++) {
    const col = layout.columns[c]!;
    for (let i = 0; i < col.boxes.length; i++) {
      const b = col.boxes[i]!;
      if (x < b.x || x >= b.x + b.w || y < b.y || y >= b.y + b.h) continue;
      const column = columns[c]!;
      if (column.spec.role !== "maps") return { column: c, item: i, py: 0, px: 0 };
      const [h, w] = column.size;
      const py = Math.min(h - 1, Math.floor(((y - b.y) / b.h) * h));
      const px = Math.min(w - 1, Math.floor(((x - b.x) / b.w) * w));
      return { column: c, item: i, py, px };
    }
  }
  return null;
}

/** Shown pixel → the full-resolution pixel it stands for (its block's first pixel). */
export function toFull(column: MapColumn, py: number, px: number): [number, number] {
  const [h, w] = column.size;
  const H = column.spec.shape[1] ?? h;
  const W = column.spec.shape[2] ?? w;
  return [Math.floor((py * H) / h), Math.floor((px * W) / w)];
}

/** Full-resolution pixel → the shown pixel that contains it. */
export function toShown(column: MapColumn, y: number, x: number): [number, number] {
  const [h, w] = column.size;
  const H = column.spec.shape[1] ?? h;
  const W = column.spec.shape[2] ?? w;
  return [Math.floor((y * h) / H), Math.floor((x * w) / W)];
}

/** A full-resolution inclusive rectangle drawn on a tile: its box in layout pixels. */
export function rectOnTile(column: MapColumn, tile: Box, rect: { y0: number; y1: number; x0: number; x1: number }): Box {
  const H = column.spec.shape[1] ?? 1;
  const W = column.spec.shape[2] ?? 1;
  return {
    x: tile.x + (rect.x0 / W) * tile.w,
    y: tile.y + (rect.y0 / H) * tile.h,
    w: ((rect.x1 + 1 - rect.x0) / W) * tile.w,
    h: ((rect.y1 + 1 - rect.y0) / H) * tile.h,
  };
}
