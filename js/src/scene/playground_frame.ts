// The Playground's traits, decoded: every neuron's map and every weight of one
// frame, with the lookups the drawing needs (which map is which unit, which
// weight joins which two units).

import { decodeFloat32, type WireArray } from "../wire";

export type Problem = "classification" | "regression";

export interface Settings {
  dataset: string;
  noise: number;
  samples: number;
  classes: number;
  train_fraction: number;
  batch_size: number;
  features: string[];
  layers: number[];
  activation: string[];
  learning_rate: number;
  regularization: string;
  regularization_rate: number;
  seed: number;
  grid: number;
  lang: string;
  problem: Problem;
  outputs: number;
}

export interface FrameTrait {
  revision: number;
  sent_at: number;
  epoch: number;
  train_loss: number | null; // null: the training diverged
  test_loss: number | null;
  train_accuracy: number | null;
  test_accuracy: number | null;
  widths: number[];
  params: WireArray;
  maps: WireArray;
  scales: WireArray;
}

export interface PointsTrait {
  extent: [number, number, number, number];
  features: string[];
  train: { x: WireArray; y: WireArray };
  test: { x: WireArray; y: WireArray };
}

export interface Points {
  x: Float32Array; // x1, x2 interleaved
  y: Float32Array;
}

export interface Layer {
  weight: Float32Array; // out × in, row-major
  bias: Float32Array;
  inputs: number;
  outputs: number;
}

/** One frame: `widths` are units per column (inputs, hidden layers, outputs). */
export class PlaygroundFrame {
  readonly layers: Layer[] = [];
  readonly maps: Uint8Array;
  readonly scales: Float32Array;
  readonly mapSize: number;
  readonly mapCount: number;

  constructor(
    readonly trait: FrameTrait,
    readonly featureCount: number,
  ) {
    const widths = trait.widths;
    const params = decodeFloat32(trait.params).data;
    let offset = 0;
    for (let i = 1; i < widths.length; i++) {
      const inputs = widths[i - 1]!;
      const outputs = widths[i]!;
      const weight = params.subarray(offset, offset + inputs * outputs);
      offset += inputs * outputs;
      const bias = params.subarray(offset, offset + outputs);
      offset += outputs;
      this.layers.push({ weight, bias, inputs, outputs });
    }
    if (offset !== params.length) {
      throw new Error(`frame: widths [${widths.join(", ")}] need ${offset} parameters, got ${params.length}`);
    }
    const [count, size] = trait.maps.shape;
    this.mapCount = count ?? 0;
    this.mapSize = size ?? 0;
    const expected = featureCount + widths.slice(1).reduce((a, b) => a + b, 0);
    if (this.mapCount !== expected) {
      throw new Error(`frame: expected ${expected} maps for widths [${widths.join(", ")}], got ${this.mapCount}`);
    }
    this.maps = bytesOf(trait.maps);
    this.scales = decodeFloat32(trait.scales).data;
  }

  get widths(): number[] {
    return this.trait.widths;
  }

  /** Index of the map of `unit` in network column `column` (0: the inputs, by feature index). */
  mapIndex(column: number, unit: number): number {
    if (column === 0) return unit;
    let index = this.featureCount;
    for (let c = 1; c < column; c++) index += this.widths[c]!;
    return index + unit;
  }

  /** The bytes of map `index` (size × size, row 0 at the top of the plane). */
  map(index: number): Uint8Array {
    const area = this.mapSize * this.mapSize;
    return this.maps.subarray(index * area, (index + 1) * area);
  }

  /** Weight from unit `from` of column `column - 1` into unit `to` of `column`. */
  weight(column: number, to: number, from: number): number {
    const layer = this.layers[column - 1]!;
    return layer.weight[to * layer.inputs + from]!;
  }
}

function bytesOf(wire: WireArray): Uint8Array {
  if (wire.dtype !== "uint8") throw new Error(`frame: maps must be uint8, got ${wire.dtype}`);
  const data = wire.data;
  if (Array.isArray(data)) return Uint8Array.from(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Points as drawn: coordinates and targets as float32. */
export function decodePoints(points: { x: WireArray; y: WireArray }): Points {
  return { x: decodeFloat32(points.x).data, y: decodeFloat32(points.y).data };
}
