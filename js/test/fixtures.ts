// Shared builders: wire arrays as the kernel sends them, and small dense networks.

import {
  NetworkData,
  type ColumnSpec,
  type GradsTrait,
  type ParamsTrait,
  type Topology,
  type ValuesTrait,
} from "../src/scene/network";
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

export interface GradOptions {
  samples?: number;
  loss?: number;
  neuronRange?: number;
  edgeRange?: number;
  /** da(column, unit, sample): ∂L/∂a */
  da?: (column: number, unit: number, sample: number) => number;
  /** dz(column, unit, sample): ∂L/∂z */
  dz?: (column: number, unit: number, sample: number) => number;
  /** dw(column, to, from): ∂L/∂w */
  dw?: (column: number, to: number, from: number) => number;
  /** db(column, unit): ∂L/∂b */
  db?: (column: number, unit: number) => number;
}

/**
 * A grads trait matching `traits(units)`: the input column has only ∂L/∂a, a
 * block column (0) has none, a layer reading a block has no ∂L/∂w.
 */
export function grads(units: number[], o: GradOptions = {}): GradsTrait {
  const samples = o.samples ?? 2;
  const da = o.da ?? ((c, u, s) => 0.1 * pseudo(c * 4001 + u * 17 + s + 0.75));
  const dz = o.dz ?? ((c, u, s) => 0.1 * pseudo(c * 6007 + u * 19 + s + 0.125));
  const dw = o.dw ?? ((c, j, i) => 0.05 * pseudo(c * 8009 + j * 53 + i + 0.375));
  const db = o.db ?? ((c, u) => 0.05 * pseudo(c * 911 + u + 0.625));
  const grid = (rows: number, cols: number, f: (r: number, k: number) => number): number[] =>
    Array.from({ length: rows * cols }, (_, idx) => f(Math.floor(idx / cols), idx % cols));
  return {
    revision: 4,
    loss: o.loss ?? 0.6931,
    neuron_range: o.neuronRange ?? 0.1,
    edge_range: o.edgeRange ?? 0.05,
    columns: units.map((n, c) => {
      if (n === 0) return null;
      const a = wire(grid(samples, n, (s, u) => da(c, u, s)), [samples, n]);
      if (c === 0) return { da: a, dz: null, dw: null, db: null };
      const prev = units[c - 1]!;
      return {
        da: a,
        dz: wire(grid(samples, n, (s, u) => dz(c, u, s)), [samples, n]),
        dw: prev === 0 ? null : wire(grid(n, prev, (j, i) => dw(c, j, i)), [n, prev]),
        db: wire(grid(1, n, (_, u) => db(c, u)), [n]),
      };
    }),
  };
}

/** A network with a backward pass: `traits(units, o)` plus `grads(units, g)`. */
export function trainedNetwork(units: number[], o: NetOptions = {}, g: GradOptions = {}): NetworkData {
  const t = traits(units, o);
  return new NetworkData(t.topology, t.params, t.values, grads(units, { samples: o.samples ?? 2, ...g }));
}
