// FeatureMapView's traits decoded for drawing: each column's maps (8-bit maps
// dequantised), vectors and probabilities, and the colour ranges. Pure data.

import { decodeFloat32, type WireArray } from "../wire";

export type Role = "maps" | "vector" | "output" | "block";

export interface ColumnSpec {
  name: string;
  kind: string;
  role: Role;
  shape: number[];
  sources: number[];
  records: string[];
  activations: string[];
  geometry: { kernel: number[]; stride: number[]; padding: number[]; dilation: number[] } | null;
}

export interface Structure {
  kind: "feature_maps";
  labels: string[];
  columns: ColumnSpec[];
}

interface Quantised {
  q: WireArray;
  lo: WireArray;
  step: WireArray;
}

export interface ColumnValues {
  channels?: WireArray;
  grouped?: number;
  size?: number[];
  exact?: boolean;
  maps?: WireArray | Quantised;
  values?: WireArray;
  probs?: WireArray;
}

export interface ValuesTrait {
  revision: number;
  sent_at: number;
  sample: number;
  samples: number;
  /** Bytes of this pass's binary buffers. */
  bytes: number;
  columns: (ColumnValues | null)[];
}

export interface MapColumn {
  spec: ColumnSpec;
  /** Original channel index of each drawn map; -1 marks the grouped mean map. */
  channels: number[];
  grouped: number;
  /** Shown map size [h, w]; the full size is spec.shape[1..2]. */
  size: [number, number];
  exact: boolean;
  /** [maps, h, w] row-major. */
  maps: Float32Array;
  values: Float32Array | null;
  probs: Float32Array | null;
  /** Largest |value| of the column, and of each map. */
  range: number;
  mapRanges: number[];
}

function maxAbs(data: Float32Array, start = 0, end = data.length): number {
  let m = 0;
  for (let i = start; i < end; i++) {
    const v = Math.abs(data[i]!);
    if (v > m && Number.isFinite(v)) m = v;
  }
  return m || 1;
}

function isQuantised(maps: WireArray | Quantised): maps is Quantised {
  return "q" in maps;
}

/** Maps as float32: 8-bit maps are `lo + q·step` per map. */
export function decodeMaps(maps: WireArray | Quantised): { shape: number[]; data: Float32Array } {
  if (!isQuantised(maps)) return decodeFloat32(maps);
  const q = decodeFloat32(maps.q);
  const lo = decodeFloat32(maps.lo).data;
  const step = decodeFloat32(maps.step).data;
  const per = q.shape.slice(1).reduce((a, b) => a * b, 1);
  const data = new Float32Array(q.data.length);
  for (let i = 0; i < data.length; i++) {
    const m = Math.floor(i / per);
    data[i] = lo[m]! + q.data[i]! * step[m]!;
  }
  return { shape: q.shape, data };
}

export function decodeColumn(spec: ColumnSpec, values: ColumnValues | null): MapColumn {
  const column: MapColumn = {
    spec,
    channels: [],
    grouped: 0,
    size: [0, 0],
    exact: true,
    maps: new Float32Array(0),
    values: null,
    probs: null,
    range: 1,
    mapRanges: [],
  };
  if (values === null) return column;
  if (spec.role === "maps" && values.maps !== undefined && values.channels !== undefined) {
    const maps = decodeMaps(values.maps);
    column.channels = Array.from(decodeFloat32(values.channels).data);
    column.grouped = values.grouped ?? 0;
    if (column.grouped > 0) column.channels.push(-1);
    column.size = [maps.shape[1] ?? 1, maps.shape[2] ?? 1];
    column.exact = values.exact ?? true;
    column.maps = maps.data;
    column.range = maxAbs(maps.data);
    const per = column.size[0] * column.size[1];
    column.mapRanges = column.channels.map((_, m) => maxAbs(maps.data, m * per, (m + 1) * per));
  }
  if (values.values !== undefined) {
    column.values = decodeFloat32(values.values).data;
    column.range = maxAbs(column.values);
  }
  if (values.probs !== undefined) column.probs = decodeFloat32(values.probs).data;
  return column;
}

export function decodeScene(structure: Structure, values: ValuesTrait): MapColumn[] {
  if (structure.columns.length !== values.columns.length) {
    throw new Error(`feature maps: ${structure.columns.length} columns but ${values.columns.length} values`);
  }
  return structure.columns.map((spec, c) => decodeColumn(spec, values.columns[c] ?? null));
}

/** The value of map `m` at shown pixel (py, px). */
export function mapValue(column: MapColumn, m: number, py: number, px: number): number {
  const [h, w] = column.size;
  return column.maps[m * h * w + py * w + px]!;
}

/** The output bars drawn: every class up to `max`, else the most probable ones (by index order). */
export function shownClasses(probs: Float32Array, max: number): number[] {
  const all = Array.from(probs.keys());
  if (probs.length <= max) return all;
  return all.sort((a, b) => probs[b]! - probs[a]!).slice(0, max);
}
