// The dense network as the page holds it: topology (JSON), parameters and
// values (decoded arrays). Built from the three traits; no drawing here.

import { decodeFloat32, type Float32Tensor, type WireArray } from "../wire";

/** A column: `units` neurons, or a labelled block when `units` is 0. */
export interface ColumnSpec {
  name: string;
  kind: string;
  units: number;
  shape: number[]; // per sample
  sources: number[]; // the columns it reads
  activation: string | null;
  activations: string[];
  records: string[];
}

export interface Topology {
  kind: "network";
  columns: ColumnSpec[];
}

export interface ParamsTrait {
  revision: number;
  weight_range: number;
  columns: ({ weight: WireArray | null; bias: WireArray } | null)[];
}

export interface ValuesTrait {
  revision: number;
  sent_at: number;
  samples: number;
  total_samples: number;
  value_range: number;
  layer_ranges?: number[]; // largest |a| of each column
  columns: ({ a: WireArray; z: WireArray | null } | null)[];
  /** Blocks that hold images: thumbnails [samples, k, h, w] of their most active channels. */
  maps?: ({ maps: WireArray; channels: number[]; shape: number[] } | null)[];
}

/** A block's thumbnails, with the scale they are coloured on (largest |value|). */
export class BlockMapsData {
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly range: number;

  constructor(
    readonly maps: Float32Tensor,
    readonly channels: number[],
    readonly shape: number[], // the full per-sample [C, H, W]
  ) {
    [, this.count, this.height, this.width] = maps.shape as [number, number, number, number];
    let range = 0;
    for (const v of maps.data) if (Number.isFinite(v)) range = Math.max(range, Math.abs(v));
    this.range = range > 0 ? range : 1;
  }

  value(sample: number, k: number, y: number, x: number): number {
    return this.maps.data[((sample * this.count + k) * this.height + y) * this.width + x]!;
  }
}

export interface GradsTrait {
  revision: number;
  loss: number;
  neuron_range: number;
  edge_range: number;
  columns: ({ da: WireArray | null; dz: WireArray | null; dw: WireArray | null; db: WireArray | null } | null)[];
}

export interface ColumnGrads {
  da: Float32Tensor | null; // ∂L/∂a [samples, units]
  dz: Float32Tensor | null; // ∂L/∂z [samples, units]
  dw: Float32Tensor | null; // ∂L/∂w [units, previous units]
  db: Float32Array | null; // ∂L/∂b [units]
}

export interface Backward {
  loss: number;
  neuronRange: number;
  edgeRange: number;
  columns: (ColumnGrads | null)[];
}

export interface ColumnParams {
  weight: Float32Tensor | null; // [units, previous units]; null when no edges are drawn
  bias: Float32Array;
}

export interface ColumnValues {
  a: Float32Tensor; // [samples, units]
  z: Float32Tensor | null;
}

export class NetworkData {
  readonly columns: ColumnSpec[];
  readonly params: (ColumnParams | null)[];
  readonly values: (ColumnValues | null)[];
  readonly weightRange: number;
  readonly valueRange: number;
  readonly layerRanges: number[];
  readonly samples: number;
  readonly totalSamples: number;
  readonly revision: number;
  readonly sentAt: number;
  readonly backward: Backward | null;
  readonly maps: (BlockMapsData | null)[];

  constructor(topology: Topology, params: ParamsTrait, values: ValuesTrait, grads: GradsTrait | null = null) {
    this.columns = topology.columns;
    if (params.columns.length !== this.columns.length || values.columns.length !== this.columns.length) {
      throw new Error(
        `network: ${this.columns.length} columns in the topology, ` +
          `${params.columns.length} in params, ${values.columns.length} in values`,
      );
    }
    this.params = params.columns.map((p) =>
      p === null
        ? null
        : { weight: p.weight === null ? null : decodeFloat32(p.weight), bias: decodeFloat32(p.bias).data },
    );
    this.values = values.columns.map((v) =>
      v === null ? null : { a: decodeFloat32(v.a), z: v.z === null ? null : decodeFloat32(v.z) },
    );
    this.maps = this.columns.map((_, c) => {
      const m = values.maps?.[c] ?? null;
      return m === null ? null : new BlockMapsData(decodeFloat32(m.maps), m.channels, m.shape);
    });
    this.weightRange = params.weight_range;
    this.valueRange = values.value_range;
    this.layerRanges = values.layer_ranges ?? this.columns.map(() => values.value_range);
    this.samples = values.samples;
    this.totalSamples = values.total_samples;
    this.revision = values.revision;
    this.sentAt = values.sent_at;
    this.backward =
      grads === null || grads.columns === undefined || grads.columns.length !== this.columns.length
        ? null
        : {
            loss: grads.loss,
            neuronRange: grads.neuron_range,
            edgeRange: grads.edge_range,
            columns: grads.columns.map((g) =>
              g === null
                ? null
                : {
                    da: g.da === null ? null : decodeFloat32(g.da),
                    dz: g.dz === null ? null : decodeFloat32(g.dz),
                    dw: g.dw === null ? null : decodeFloat32(g.dw),
                    db: g.db === null ? null : decodeFloat32(g.db).data,
                  },
            ),
          };
  }

  /** ∂L/∂a of a unit for one sample (null without a backward pass). */
  gradA(column: number, unit: number, sample: number): number | null {
    const da = this.backward?.columns[column]?.da ?? null;
    return da === null ? null : da.data[sample * da.shape[1]! + unit]!;
  }

  gradZ(column: number, unit: number, sample: number): number | null {
    const dz = this.backward?.columns[column]?.dz ?? null;
    return dz === null ? null : dz.data[sample * dz.shape[1]! + unit]!;
  }

  /** Activations of column c for one sample, as a view (no copy). */
  row(column: number, sample: number): Float32Array | null {
    const a = this.values[column]?.a;
    if (a === undefined) return null;
    const n = a.shape[1]!;
    return a.data.subarray(sample * n, (sample + 1) * n);
  }

  get neuronCount(): number {
    return this.columns.reduce((n, c) => n + c.units, 0);
  }

  get edgeCount(): number {
    return this.params.reduce((n, p) => n + (p?.weight?.data.length ?? 0), 0);
  }

  /** Activation a of a unit for one sample (NaN for a block). */
  activation(column: number, unit: number, sample: number): number {
    const a = this.values[column]?.a;
    return a === undefined ? Number.NaN : a.data[sample * a.shape[1]! + unit]!;
  }

  /** Pre-activation z (null for the input column and for steps without one). */
  preActivation(column: number, unit: number, sample: number): number | null {
    const z = this.values[column]?.z ?? null;
    return z === null ? null : z.data[sample * z.shape[1]! + unit]!;
  }

  bias(column: number, unit: number): number | null {
    const p = this.params[column];
    return p === null || p === undefined ? null : p.bias[unit]!;
  }

  /** Weight from unit `from` of column-1 to unit `to` of column. */
  weight(column: number, to: number, from: number): number {
    const w = this.params[column]?.weight;
    if (w === null || w === undefined) throw new Error(`network: column ${column} has no weights`);
    return w.data[to * w.shape[1]! + from]!;
  }
}
