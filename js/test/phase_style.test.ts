import { describe, expect, it } from "vitest";
import { phaseStyle, updatedWeights } from "../src/render/phase_style";
import { NetworkData } from "../src/scene/network";
import { grads, network, traits, trainedNetwork } from "./fixtures";

const UNITS = [3, 4, 5, 2];
const data = trainedNetwork(UNITS, { weightRange: 0.9, valueRange: 1.5 }, { neuronRange: 0.2, edgeRange: 0.04 });
const back = data.backward!;

describe("updatedWeights", () => {
  it("is w − lr·dw element by element, in a new array", () => {
    for (let c = 1; c < UNITS.length; c++) {
      const w = data.params[c]!.weight!;
      const dw = back.columns[c]!.dw!;
      const before = Float32Array.from(w.data);
      const out = updatedWeights(data, c, 0.5)!;
      expect(w.data).toEqual(before); // the weights themselves are untouched
      expect(out.shape).toEqual(w.shape);
      expect(out.data).not.toBe(w.data);
      expect(out.data).toHaveLength(w.data.length);
      out.data.forEach((v, k) => expect(v).toBeCloseTo(w.data[k]! - 0.5 * dw.data[k]!, 6));
    }
  });

  it("returns the weights themselves without a ∂L/∂w", () => {
    const plain = network(UNITS);
    expect(updatedWeights(plain, 2, 0.5)).toBe(plain.params[2]!.weight);
    const t = traits(UNITS);
    const g = grads(UNITS);
    g.columns[2] = { ...g.columns[2]!, dw: null };
    const partial = new NetworkData(t.topology, t.params, t.values, g);
    expect(updatedWeights(partial, 2, 0.5)).toBe(partial.params[2]!.weight);
    expect(updatedWeights(partial, 1, 0.5)).not.toBe(partial.params[1]!.weight);
  });

  it("is null for a column without weights", () => {
    expect(updatedWeights(data, 0, 0.5)).toBeNull();
    const units = [3, 0, 2];
    const t = traits(units);
    expect(updatedWeights(new NetworkData(t.topology, t.params, t.values, grads(units)), 2, 0.5)).toBeNull();
  });
});

describe("phaseStyle", () => {
  const sample = 1;

  it("forward: weights on the edges, faded after the step column; activations on the neurons", () => {
    const style = phaseStyle(data, { phase: "forward", column: 1 }, sample, 0.1);
    expect(style.neuronLabel).toBe("activation");
    expect(style.neuronRange).toBe(1.5);
    for (let c = 1; c < UNITS.length; c++) {
      expect(style.edges.matrix(c)).toBe(data.params[c]!.weight);
      expect(style.edges.range(c)).toBe(0.9);
      expect(style.edges.faded(c)).toBe(c > 1);
      expect(style.neurons.faded(c)).toBe(c > 1);
    }
    expect(style.neurons.tone(2, 3)).toBeCloseTo(data.activation(2, 3, sample) / 1.5, 12);
  });

  it("backward without grads falls back to the forward style", () => {
    const plain = network(UNITS, { valueRange: 2 });
    const style = phaseStyle(plain, { phase: "backward", column: 2 }, 0, 0.1);
    expect(style.neuronLabel).toBe("activation");
    expect(style.edges.matrix(3)).toBe(plain.params[3]!.weight);
    expect(style.edges.faded(3)).toBe(true); // forward style at column 2
    expect(style.neurons.tone(1, 0)).toBeCloseTo(plain.activation(1, 0, 0) / 2, 12);
  });

  it("backward at column b: ∂L/∂w into columns ≥ b, faded weights before", () => {
    const b = 2;
    const style = phaseStyle(data, { phase: "backward", column: b }, sample, 0.1);
    expect(style.neuronLabel).toBe("gradient");
    expect(style.neuronRange).toBe(0.2);
    for (let c = 1; c < UNITS.length; c++) {
      if (c >= b) {
        expect(style.edges.matrix(c)).toBe(back.columns[c]!.dw);
        expect(style.edges.range(c)).toBe(0.04);
        expect(style.edges.faded(c)).toBe(false);
      } else {
        expect(style.edges.matrix(c)).toBe(data.params[c]!.weight);
        expect(style.edges.range(c)).toBe(0.9);
        expect(style.edges.faded(c)).toBe(true);
      }
    }
  });

  it("backward at column b: ∂L/∂a tones from b on, activation tones before, none faded", () => {
    const b = 2;
    const style = phaseStyle(data, { phase: "backward", column: b }, sample, 0.1);
    for (let c = 0; c < UNITS.length; c++) {
      expect(style.neurons.faded(c)).toBe(false);
      for (let u = 0; u < UNITS[c]!; u++) {
        const expected = c >= b ? data.gradA(c, u, sample)! / 0.2 : data.activation(c, u, sample) / 1.5;
        expect(style.neurons.tone(c, u)).toBeCloseTo(expected, 12);
      }
    }
  });

  it("backward with a zero neuron range divides by 1", () => {
    const flat = trainedNetwork(UNITS, {}, { neuronRange: 0 });
    const style = phaseStyle(flat, { phase: "backward", column: 1 }, 0, 0.1);
    expect(style.neurons.tone(3, 1)).toBeCloseTo(flat.gradA(3, 1, 0)!, 12);
  });

  it("update: edges are the updated weights, nothing faded, activations on the neurons", () => {
    const lr = 0.3;
    const style = phaseStyle(data, { phase: "update", column: 3 }, sample, lr);
    expect(style.neuronLabel).toBe("activation");
    expect(style.neuronRange).toBe(1.5);
    expect(style.edges.matrix(0)).toBeNull();
    for (let c = 1; c < UNITS.length; c++) {
      const m = style.edges.matrix(c)!;
      expect(Array.from(m.data)).toEqual(Array.from(updatedWeights(data, c, lr)!.data));
      expect(m.data[0]).not.toBe(data.params[c]!.weight!.data[0]);
      expect(style.edges.range(c)).toBe(0.9);
      expect(style.edges.faded(c)).toBe(false);
      expect(style.neurons.faded(c)).toBe(false);
    }
    expect(style.neurons.tone(3, 1)).toBeCloseTo(data.activation(3, 1, sample) / 1.5, 12);
  });
});
