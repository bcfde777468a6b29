// Shared builders: wire arrays as the kernel sends them, and small dense networks.

import { NetworkData, type ColumnSpec, type ParamsTrait, type Topology, type ValuesTrait } from "../src/scene/network";
import type { WireArray } from "../src/wire";

/** A float32 wire array backed by a DataView, like a binary comm buffer. */
export function wire(values: readonly number[], shape: number[]): WireArray {
  const f = Float32Array.from(values);
  return { dtype: "float32", shape, data: new DataView(f.buffer, f.byteOffset, f.byteLength) };
}

/** Deterministic value in [-1, 1) for index k (no Math.random, so failures repeat). */
export function pseudo(k: number): number {
  const x = Math.sin(k * 12.9898 + 78.233) * 43758.5453;
  return 2 * (x - Math.floor(x)) - 1;
}

export interface NetOptions {
  samples?: number;
  weightRange?: number;
  valueRange?: number;
  /** weight(column, to, from) */
  weight?: (column: number, to: number, from: number) => number;
  /** activation(column, unit, sample) */
  activation?: (column: number, unit: number, sample: number) => number;
  bias?: (column: number, unit: number) => number;
}

export function traits(units: number[], o: NetOptions = {}): { topology: Topology; params: ParamsTrait; values: ValuesTrait } {
  const samples = o.samples ?? 2;
  const weight = o.weight ?? ((c, j, i) => pseudo(c * 10007 + j * 101 + i));
  const activation = o.activation ?? ((c, u, s) => pseudo(c * 7919 + u * 31 + s + 0.5));
  const bias = o.bias ?? ((c, u) => pseudo(c * 313 + u + 0.25));
  // A 0 in `units` is a block (a Conv2d-like layer of shape 4×6×6).
  const columns: ColumnSpec[] = units.map((n, c) => ({
    name: c === 0 ? "input" : `fc${c}`,
    kind: c === 0 ? "Input" : n === 0 ? "Conv2d" : "Linear",
    units: n,
    shape: n === 0 ? [4, 6, 6] : [n],
    sources: c === 0 ? [] : [c - 1],
    activation: c === 0 ? null : "ReLU",
    activations: c === 0 ? [] : ["ReLU"],
    records: [],
  }));
  const grid = (rows: number, cols: number, f: (r: number, k: number) => number): number[] =>
    Array.from({ length: rows * cols }, (_, idx) => f(Math.floor(idx / cols), idx % cols));
  const params: ParamsTrait = {
    revision: 1,
    weight_range: o.weightRange ?? 1,
    columns: units.map((n, c) => {
      if (c === 0 || n === 0) return null;
      const prev = units[c - 1]!;
      return {
        weight: prev === 0 ? null : wire(grid(n, prev, (j, i) => weight(c, j, i)), [n, prev]),
        bias: wire(grid(1, n, (_, u) => bias(c, u)), [n]),
      };
    }),
  };
  const values: ValuesTrait = {
    revision: 3,
    sent_at: 1234.5,
    samples,
    total_samples: 100,
    value_range: o.valueRange ?? 1,
    columns: units.map((n, c) => {
      if (n === 0) return null;
      const a = wire(grid(samples, n, (s, u) => activation(c, u, s)), [samples, n]);
      return { a, z: c === 0 ? null : wire(grid(samples, n, (s, u) => activation(c, u, s) - 0.5), [samples, n]) };
    }),
  };
  return { topology: { kind: "network", columns }, params, values };
}

export function network(units: number[], o: NetOptions = {}): NetworkData {
  const t = traits(units, o);
  return new NetworkData(t.topology, t.params, t.values);
}
