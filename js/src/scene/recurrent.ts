// RecurrentView's data: the traits decoded once per message. Bands are drawn
// bottom to top: the input x, each stacked layer's hidden state h, the
// model's output y. Every number here came from the kernel.

import { decodeFloat32, type Float32Tensor, type WireArray } from "../wire";

export type BandRole = "input" | "hidden" | "output";

export interface BandInfo {
  name: string; // "x", "h0", "h1", "y"
  role: BandRole;
  layer: number; // the stacked layer (hidden bands), -1 otherwise
  units: number; // units drawn
  total_units: number;
  unit_index: number[]; // the true index of each unit drawn
}

export interface RecurrentTopology {
  kind: "recurrent";
  module: string;
  cell: "RNN" | "GRU" | "LSTM";
  nonlinearity: string;
  gates: string[];
  steps: number;
  first_step: number;
  total_steps: number;
  samples: number;
  sample: number;
  output_steps: number[];
  bands: BandInfo[];
}

type Maybe<T> = T | null;

interface BandWire {
  a: WireArray;
  pre_ih?: WireArray;
  pre_hh?: WireArray;
  h0?: WireArray;
  w_in?: WireArray;
  w_hh?: WireArray;
  gates?: Maybe<WireArray>;
  cell?: Maybe<WireArray>;
  c0?: Maybe<WireArray>;
}

export interface RecurrentValues {
  revision: number;
  labels: string[];
  agreement: number;
  ranges: { input: number; hidden: number; output: number; cell: number; weight: number };
  bands: BandWire[];
}

/** A band's arrays: `a` [steps or output steps, units]; hidden bands carry the rest. */
export interface BandData {
  info: BandInfo;
  a: Float32Tensor;
  preIh: Float32Tensor | null; // [G, steps, units]
  preHh: Float32Tensor | null;
  h0: Float32Array | null;
  wIn: Float32Tensor | null; // [units, units of the band below]
  wHh: Float32Tensor | null; // [units, units]
  gates: Float32Tensor | null; // [G, steps, units]
  cell: Float32Tensor | null; // [steps, units]
  c0: Float32Array | null;
}

function maybe(wire: Maybe<WireArray> | undefined): Float32Tensor | null {
  return wire === null || wire === undefined ? null : decodeFloat32(wire);
}

export class RecurrentData {
  readonly bands: BandData[];

  constructor(
    readonly topology: RecurrentTopology,
    readonly values: RecurrentValues,
  ) {
    if (values.bands.length !== topology.bands.length) {
      throw new Error(`recurrent view: ${topology.bands.length} bands in the topology, ${values.bands.length} in the values`);
    }
    this.bands = topology.bands.map((info, b) => {
      const wire = values.bands[b]!;
      return {
        info,
        a: decodeFloat32(wire.a),
        preIh: maybe(wire.pre_ih),
        preHh: maybe(wire.pre_hh),
        h0: maybe(wire.h0)?.data ?? null,
        wIn: maybe(wire.w_in),
        wHh: maybe(wire.w_hh),
        gates: maybe(wire.gates),
        cell: maybe(wire.cell),
        c0: maybe(wire.c0)?.data ?? null,
      };
    });
  }

  get steps(): number {
    return this.topology.steps;
  }

  band(name: string): number {
    return this.topology.bands.findIndex((b) => b.name === name);
  }

  /** The row of `a` for step `t`: t itself, or the index among the output steps (-1: none). */
  row(b: number, t: number): number {
    if (this.bands[b]!.info.role !== "output") return t;
    return this.topology.output_steps.indexOf(t);
  }

  /** Every drawn unit of band `b` at step `t`, as a view (null where the band has none). */
  stepRow(b: number, t: number): Float32Array | null {
    const band = this.bands[b];
    const row = band === undefined ? -1 : this.row(b, t);
    if (band === undefined || row < 0) return null;
    return band.a.data.subarray(row * band.info.units, (row + 1) * band.info.units);
  }

  /** The value of drawn unit `u` of band `b` at step `t` (NaN where the band has none). */
  value(b: number, t: number, u: number): number {
    const band = this.bands[b]!;
    const row = this.row(b, t);
    if (row < 0) return Number.NaN;
    return band.a.data[row * band.info.units + u]!;
  }

  /** Gate `g` (or the cell state, g = gates.length) of a hidden unit at step t. */
  gate(b: number, g: number, t: number, u: number): number {
    const band = this.bands[b]!;
    const units = band.info.units;
    if (g === this.topology.gates.length) return band.cell?.data[t * units + u] ?? Number.NaN;
    return band.gates?.data[(g * this.steps + t) * units + u] ?? Number.NaN;
  }

  /** The previous hidden (or cell) state of a unit: step t − 1, or the initial state. */
  previous(b: number, t: number, u: number, cell = false): number {
    const band = this.bands[b]!;
    if (t > 0) return cell ? this.gate(b, this.topology.gates.length, t - 1, u) : this.value(b, t - 1, u);
    return (cell ? band.c0 : band.h0)?.[u] ?? 0;
  }

  /** W_ih·x_t + b_ih (or W_hh·h_{t−1} + b_hh) of gate block `g` for unit u at step t. */
  sum(b: number, which: "ih" | "hh", g: number, t: number, u: number): number {
    const band = this.bands[b]!;
    const tensor = which === "ih" ? band.preIh : band.preHh;
    return tensor?.data[(g * this.steps + t) * band.info.units + u] ?? Number.NaN;
  }

  /** Scale of a band's colours. */
  range(b: number): number {
    const r = this.values.ranges;
    const role = this.bands[b]!.info.role;
    return role === "input" ? r.input : role === "output" ? r.output : r.hidden;
  }

  /** Whether band b has a unit at step t (an output band only at the output steps). */
  present(b: number, t: number): boolean {
    return this.row(b, t) >= 0;
  }
}
