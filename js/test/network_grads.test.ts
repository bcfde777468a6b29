import { describe, expect, it } from "vitest";
import { NetworkData, type GradsTrait } from "../src/scene/network";
import { grads, traits, trainedNetwork } from "./fixtures";

describe("NetworkData with a backward pass", () => {
  const UNITS = [3, 5, 2];
  const da = (c: number, u: number, s: number): number => c * 100 + u + s * 0.5;
  const dz = (c: number, u: number, s: number): number => -(c * 100 + u + s * 0.25);
  const dw = (c: number, j: number, i: number): number => c * 1000 + j * 10 + i;
  const db = (c: number, u: number): number => c + u / 8;
  const data = trainedNetwork(
    UNITS,
    { samples: 3 },
    { da, dz, dw, db, loss: 1.25, neuronRange: 0.5, edgeRange: 0.25 },
  );

  it("keeps loss and ranges", () => {
    expect(data.backward).not.toBeNull();
    expect(data.backward?.loss).toBe(1.25);
    expect(data.backward?.neuronRange).toBe(0.5);
    expect(data.backward?.edgeRange).toBe(0.25);
    expect(data.backward?.columns).toHaveLength(3);
  });

  it("reads ∂L/∂a and ∂L/∂z row-major [samples, units]", () => {
    for (let c = 0; c < UNITS.length; c++) {
      for (let u = 0; u < UNITS[c]!; u++) {
        for (let s = 0; s < 3; s++) {
          expect(data.gradA(c, u, s)).toBe(da(c, u, s));
          expect(data.gradZ(c, u, s)).toBe(c === 0 ? null : dz(c, u, s));
        }
      }
    }
  });

  it("decodes ∂L/∂w as [units, previous units] and ∂L/∂b", () => {
    const g = data.backward!.columns[2]!;
    expect(g.dw?.shape).toEqual([2, 5]);
    expect(g.dw?.data[1 * 5 + 3]).toBe(dw(2, 1, 3));
    expect(Array.from(g.db!)).toEqual([db(2, 0), db(2, 1)]);
    expect(data.backward!.columns[0]!.dw).toBeNull();
  });

  it("row(column, sample) is a view of that sample's activations", () => {
    for (let s = 0; s < 3; s++) {
      const row = data.row(1, s)!;
      expect(row).toHaveLength(5);
      expect(Array.from(row)).toEqual(Array.from({ length: 5 }, (_, u) => data.activation(1, u, s)));
      const a = data.values[1]!.a.data;
      expect(row.buffer).toBe(a.buffer); // no copy
      expect(row.byteOffset).toBe(a.byteOffset + s * 5 * Float32Array.BYTES_PER_ELEMENT);
    }
  });

  it("row() is null for a block column", () => {
    expect(network1Block().row(1, 0)).toBeNull();
  });

  it("has no gradients for a block column, and none without ∂L/∂z", () => {
    const blocky = network1Block();
    expect(blocky.backward).not.toBeNull();
    expect(blocky.gradA(1, 0, 0)).toBeNull();
    expect(blocky.gradZ(1, 0, 0)).toBeNull();
    expect(blocky.gradZ(0, 0, 0)).toBeNull(); // the input column: ∂L/∂a only
    expect(blocky.gradA(0, 0, 0)).not.toBeNull();
    expect(blocky.backward!.columns[2]!.dw).toBeNull(); // a layer reading a block
  });

  it("backward is null without grads", () => {
    const t = traits(UNITS);
    const plain = new NetworkData(t.topology, t.params, t.values);
    expect(plain.backward).toBeNull();
    expect(plain.gradA(1, 0, 0)).toBeNull();
    expect(plain.gradZ(1, 0, 0)).toBeNull();
    expect(new NetworkData(t.topology, t.params, t.values, null).backward).toBeNull();
  });

  it("backward is null when grads has a different column count", () => {
    const t = traits(UNITS);
    const g = grads(UNITS);
    const fewer: GradsTrait = { ...g, columns: g.columns.slice(0, 2) };
    const more: GradsTrait = { ...g, columns: [...g.columns, null] };
    expect(new NetworkData(t.topology, t.params, t.values, fewer).backward).toBeNull();
    expect(new NetworkData(t.topology, t.params, t.values, more).backward).toBeNull();
    expect(new NetworkData(t.topology, t.params, t.values, fewer).gradA(1, 0, 0)).toBeNull();
  });

  it("backward is null for the empty grads the kernel sends without a loss", () => {
    const t = traits(UNITS);
    const empty = {} as unknown as GradsTrait; // payload.grads() returns {} when there is no loss
    expect(new NetworkData(t.topology, t.params, t.values, empty).backward).toBeNull();
  });
});

function network1Block(): NetworkData {
  const units = [3, 0, 2];
  const t = traits(units);
  return new NetworkData(t.topology, t.params, t.values, grads(units));
}
