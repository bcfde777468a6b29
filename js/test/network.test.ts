import { describe, expect, it } from "vitest";
import { NetworkData } from "../src/scene/network";
import { network, traits, wire } from "./fixtures";

describe("NetworkData", () => {
  const act = (c: number, u: number, s: number): number => c * 100 + u + s * 0.5;
  const wgt = (c: number, j: number, i: number): number => c * 1000 + j * 10 + i;
  const data = network([4, 8, 8, 3], { samples: 3, activation: act, weight: wgt, bias: (c, u) => -c - u / 8 });

  it("counts neurons and edges", () => {
    expect(data.neuronCount).toBe(23);
    expect(data.edgeCount).toBe(4 * 8 + 8 * 8 + 8 * 3);
    expect(data.samples).toBe(3);
    expect(data.totalSamples).toBe(100);
    expect(data.revision).toBe(3);
    expect(data.sentAt).toBe(1234.5);
  });

  it("reads activations row-major [samples, units]", () => {
    expect(data.activation(0, 3, 0)).toBe(3);
    expect(data.activation(1, 5, 2)).toBe(106);
    expect(data.activation(3, 2, 1)).toBe(302.5);
  });

  it("reads pre-activations, null for the input column", () => {
    expect(data.preActivation(0, 1, 1)).toBeNull();
    expect(data.preActivation(2, 7, 2)).toBe(act(2, 7, 2) - 0.5);
  });

  it("reads biases, null for the input column", () => {
    expect(data.bias(0, 0)).toBeNull();
    expect(data.bias(2, 4)).toBe(-2.5);
    expect(data.bias(3, 2)).toBe(-3.25);
  });

  it("reads weights as [units, previous units]", () => {
    expect(data.weight(1, 7, 3)).toBe(1073);
    expect(data.weight(2, 2, 6)).toBe(2026);
    expect(data.weight(3, 2, 7)).toBe(3027);
  });

  it("refuses column counts that disagree", () => {
    const t = traits([2, 3]);
    const extra = { a: wire([0, 0], [1, 2]), z: null };
    expect(() => new NetworkData(t.topology, t.params, { ...t.values, columns: [...t.values.columns, extra] })).toThrow(
      "network: 2 columns in the topology, 2 in params, 3 in values",
    );
    expect(() => new NetworkData(t.topology, { ...t.params, columns: [null] }, t.values)).toThrow(
      /2 columns in the topology, 1 in params/,
    );
  });
});
