import { describe, expect, it } from "vitest";
import { strings } from "../src/i18n";
import { arithmetic, SHOWN_TERMS, strongestUnit } from "../src/scene/arithmetic";
import { NetworkData } from "../src/scene/network";
import type { Step } from "../src/scene/steps";
import type { Row } from "../src/ui/rows";
import { grads, pseudo, traits, wire } from "./fixtures";

const t = strings("en");
const FORWARD = (column: number): Step => ({ phase: "forward", column });
const BACKWARD = (column: number): Step => ({ phase: "backward", column });
const UPDATE = (column: number): Step => ({ phase: "update", column });

/**
 * A dense network whose values really follow from its parameters:
 * z = W·a_prev + b, a = ReLU(z), computed from the float32 numbers sent.
 */
function consistent(units: number[], samples = 2, withGrads = true): NetworkData {
  const f32 = (x: number): number => Math.fround(x);
  const weight = (c: number, j: number, i: number): number => f32(pseudo(c * 10007 + j * 101 + i));
  const bias = (c: number, u: number): number => f32(0.5 * pseudo(c * 313 + u + 0.25));
  const A: number[][][] = []; // [column][sample][unit]
  const Z: number[][][] = [];
  units.forEach((n, c) => {
    A.push([]);
    Z.push([]);
    for (let s = 0; s < samples; s++) {
      if (c === 0) {
        A[c]!.push(Array.from({ length: n }, (_, u) => f32(pseudo(u * 31 + s + 0.5))));
        continue;
      }
      const prev = A[c - 1]![s]!;
      const z = Array.from({ length: n }, (_, j) => f32(prev.reduce((sum, a, i) => sum + weight(c, j, i) * a, bias(c, j))));
      Z[c]!.push(z);
      A[c]!.push(z.map((v) => Math.max(0, v)));
    }
  });
  const tr = traits(units, { samples, weight, bias, activation: (c, u, s) => A[c]![s]![u]! });
  tr.values.columns.forEach((v, c) => {
    if (v !== null && c > 0) v.z = wire(Z[c]!.flat(), [samples, units[c]!]);
  });
  return new NetworkData(tr.topology, tr.params, tr.values, withGrads ? grads(units, { samples }) : null);
}

const numeric = (row: Row): number => {
  expect(row.numeric).toBeDefined();
  return row.numeric!;
};
const keyed = (rows: readonly Row[], key: string): Row[] => rows.filter((r) => r.key === key);
const indexIn = (label: string): number => Number(/\[(\d+)\]/.exec(label)![1]);

describe("arithmetic: forward", () => {
  it("terms + rest + bias add up to z when fan-in > SHOWN_TERMS", () => {
    const fanIn = SHOWN_TERMS + 4;
    const data = consistent([fanIn, 5, 3]);
    for (const sample of [0, 1]) {
      for (let unit = 0; unit < 5; unit++) {
        const { rows } = arithmetic(data, FORWARD(1), 1, unit, sample, 0.1, t);
        expect(keyed(rows, "term")).toHaveLength(SHOWN_TERMS);
        const rest = keyed(rows, "rest");
        expect(rest).toHaveLength(1);
        expect(rest[0]!.label).toBe(`+ 4 ${t.moreTerms}`);
        const sum = rows.filter((r) => ["term", "rest", "bias"].includes(r.key)).reduce((s, r) => s + numeric(r), 0);
        const z = numeric(keyed(rows, "z")[0]!);
        expect(z).toBe(data.preActivation(1, unit, sample));
        expect(Math.abs(sum - z)).toBeLessThan(1e-5);
        expect(numeric(keyed(rows, "bias")[0]!)).toBe(data.bias(1, unit));
      }
    }
  });

  it("terms + bias add up to z with no rest row when fan-in ≤ SHOWN_TERMS", () => {
    for (const fanIn of [3, SHOWN_TERMS]) {
      const data = consistent([4, fanIn, 3]);
      for (let unit = 0; unit < 3; unit++) {
        const { rows } = arithmetic(data, FORWARD(2), 2, unit, 1, 0.1, t);
        expect(keyed(rows, "term")).toHaveLength(fanIn);
        expect(keyed(rows, "rest")).toHaveLength(0);
        const sum = rows.filter((r) => r.key === "term" || r.key === "bias").reduce((s, r) => s + numeric(r), 0);
        expect(Math.abs(sum - numeric(keyed(rows, "z")[0]!))).toBeLessThan(1e-5);
      }
    }
  });

  it("orders the terms by |w·a|, the strongest of all first, each w·a of its input", () => {
    const data = consistent([12, 4]);
    const unit = 2;
    const sample = 1;
    const { rows } = arithmetic(data, FORWARD(1), 1, unit, sample, 0.1, t);
    const terms = keyed(rows, "term");
    const all = Array.from({ length: 12 }, (_, i) => data.weight(1, unit, i) * data.activation(0, i, sample));
    const shown = terms.map((r) => indexIn(r.label));
    expect(new Set(shown).size).toBe(SHOWN_TERMS);
    terms.forEach((r, k) => {
      expect(r.label).toBe(`w·a  x[${shown[k]}]`);
      expect(numeric(r)).toBe(all[shown[k]!]);
      if (k > 0) expect(Math.abs(numeric(r))).toBeLessThanOrEqual(Math.abs(numeric(terms[k - 1]!)));
    });
    const weakestShown = Math.min(...terms.map((r) => Math.abs(numeric(r))));
    const hidden = all.filter((_, i) => !shown.includes(i)).map(Math.abs);
    expect(Math.max(...hidden)).toBeLessThanOrEqual(weakestShown);
  });

  it("names the source column of a hidden layer's terms and ends with a = f(z)", () => {
    const data = consistent([4, 5, 3]);
    const { title, rows } = arithmetic(data, FORWARD(2), 2, 1, 0, 0.1, t);
    expect(title).toBe("fc2 · neuron 1");
    expect(keyed(rows, "term")[0]!.label).toMatch(/^w·a {2}fc1\[\d\]$/);
    expect(rows.map((r) => r.key).slice(-3)).toEqual(["bias", "z", "a"]);
    const a = rows[rows.length - 1]!;
    expect(a.label).toBe("a = ReLU(z)");
    expect(numeric(a)).toBe(data.activation(2, 1, 0));
    expect(numeric(a)).toBe(Math.max(0, data.preActivation(2, 1, 0)!));
  });

  it("a block column is a single row with the source and own shapes", () => {
    const t2 = traits([3, 0, 2]);
    const blocky = new NetworkData(t2.topology, t2.params, t2.values);
    const { title, rows } = arithmetic(blocky, FORWARD(1), 1, 0, 0, 0.1, t);
    expect(title).toBe("fc1 · Conv2d");
    expect(rows).toEqual([{ key: "block", label: "Conv2d · ReLU", value: "[3] → [4, 6, 6]" }]);
    for (const step of [BACKWARD(1), UPDATE(2)]) expect(arithmetic(blocky, step, 1, 0, 0, 0.1, t).rows).toEqual(rows);
  });

  it("a layer reading a block has no terms, only z and a", () => {
    const t2 = traits([3, 0, 2]);
    const blocky = new NetworkData(t2.topology, t2.params, t2.values);
    const { rows } = arithmetic(blocky, FORWARD(2), 2, 1, 1, 0.1, t);
    expect(rows.map((r) => r.key)).toEqual(["z", "a"]);
    expect(numeric(rows[0]!)).toBe(blocky.preActivation(2, 1, 1));
    expect(numeric(rows[1]!)).toBe(blocky.activation(2, 1, 1));
  });

  it("the input column is one a row, whatever the phase", () => {
    const data = consistent([4, 3]);
    for (const step of [FORWARD(0), BACKWARD(1), UPDATE(1)]) {
      const { title, rows } = arithmetic(data, step, 0, 2, 1, 0.1, t);
      expect(title).toBe("input · neuron 2");
      expect(rows).toHaveLength(1);
      expect(rows[0]!.key).toBe("a");
      expect(rows[0]!.label).toBe("x[2]");
      expect(rows[0]!.numeric).toBe(data.activation(0, 2, 1));
    }
  });
});

describe("arithmetic: backward", () => {
  it("shows ∂L/∂a, ∂L/∂z, ∂L/∂b and the SHOWN_TERMS strongest ∂L/∂w", () => {
    const data = consistent([10, 4, 3]);
    const g = data.backward!.columns[1]!;
    for (const [unit, sample] of [[0, 0], [3, 1]] as const) {
      const { rows } = arithmetic(data, BACKWARD(1), 1, unit, sample, 0.1, t);
      expect(rows.map((r) => r.key)).toEqual(["da", "dz", "db", ...Array<string>(SHOWN_TERMS).fill("dw")]);
      expect(numeric(rows[0]!)).toBe(data.gradA(1, unit, sample));
      expect(numeric(rows[1]!)).toBe(data.gradZ(1, unit, sample));
      expect(rows[1]!.label).toBe("∂L/∂z = ∂L/∂a · ReLU′(z)");
      expect(numeric(rows[2]!)).toBe(g.db![unit]);
      const line = Array.from(g.dw!.data.subarray(unit * 10, unit * 10 + 10));
      const dw = keyed(rows, "dw");
      const shown = dw.map((r) => indexIn(r.label));
      dw.forEach((r, k) => {
        expect(r.label).toBe(`∂L/∂w  x[${shown[k]}]`);
        expect(numeric(r)).toBe(line[shown[k]!]);
        if (k > 0) expect(Math.abs(numeric(r))).toBeLessThanOrEqual(Math.abs(numeric(dw[k - 1]!)));
      });
      const hidden = line.filter((_, i) => !shown.includes(i)).map(Math.abs);
      expect(Math.max(...hidden)).toBeLessThanOrEqual(Math.abs(numeric(dw[dw.length - 1]!)));
    }
  });

  it("shows every ∂L/∂w when the fan-in is small", () => {
    const data = consistent([4, 3, 2]);
    const { rows } = arithmetic(data, BACKWARD(2), 2, 1, 0, 0.1, t);
    const dw = keyed(rows, "dw");
    expect(dw).toHaveLength(3);
    expect(dw.map((r) => r.label).sort()).toEqual(["∂L/∂w  fc1[0]", "∂L/∂w  fc1[1]", "∂L/∂w  fc1[2]"]);
  });

  it("shows nothing without a backward pass", () => {
    const data = consistent([4, 3], 2, false);
    expect(arithmetic(data, BACKWARD(1), 1, 0, 0, 0.1, t).rows).toEqual([]);
  });
});

describe("arithmetic: update", () => {
  it("previews b − lr·∂L/∂b and w − lr·∂L/∂w for the strongest gradients", () => {
    const data = consistent([9, 4]);
    const lr = 0.25;
    const g = data.backward!.columns[1]!;
    const unit = 2;
    const { rows } = arithmetic(data, UPDATE(1), 1, unit, 0, lr, t);
    expect(rows.map((r) => r.key)).toEqual(["bias", ...Array<string>(SHOWN_TERMS).fill("w")]);
    expect(rows[0]!.label).toBe("b ←");
    expect(numeric(rows[0]!)).toBeCloseTo(data.bias(1, unit)! - lr * g.db![unit]!, 12);
    const shown = rows.slice(1).map((r) => indexIn(r.label));
    expect(new Set(shown).size).toBe(SHOWN_TERMS);
    rows.slice(1).forEach((r, k) => {
      const i = shown[k]!;
      expect(r.label).toBe(`w[${i}] ←`);
      expect(numeric(r)).toBeCloseTo(data.weight(1, unit, i) - lr * g.dw!.data[unit * 9 + i]!, 12);
      expect(r.value).toContain(` − ${lr} × `);
    });
    const grad = (i: number): number => Math.abs(g.dw!.data[unit * 9 + i]!);
    for (let k = 1; k < shown.length; k++) expect(grad(shown[k]!)).toBeLessThanOrEqual(grad(shown[k - 1]!));
  });

  it("with lr = 0 the preview is the current value", () => {
    const data = consistent([3, 2]);
    const { rows } = arithmetic(data, UPDATE(1), 1, 0, 0, 0, t);
    expect(numeric(rows[0]!)).toBe(data.bias(1, 0));
    for (const r of keyed(rows, "w")) expect(numeric(r)).toBe(data.weight(1, 0, indexIn(r.label)));
  });
});

describe("strongestUnit", () => {
  it("forward: the unit with the largest |a|, negatives included", () => {
    const t2 = traits([3, 5], { activation: (c, u, s) => (c === 1 ? [0.2, -0.9, 0.5, 0.8, 0][u]! * (s === 0 ? 1 : -1) : 0) });
    const data = new NetworkData(t2.topology, t2.params, t2.values);
    expect(strongestUnit(data, FORWARD(1), 0)).toBe(1);
    expect(strongestUnit(data, FORWARD(1), 1)).toBe(1);
  });

  it("backward: the unit with the largest |∂L/∂a|", () => {
    const units = [3, 5];
    const t2 = traits(units, { activation: (_c, u) => (u === 4 ? 10 : 0.1) });
    const g = grads(units, { da: (c, u, s) => (c === 1 ? (s === 0 ? [0.1, 0.2, -0.7, 0.3, 0][u]! : [0.1, 0.6, 0, 0, 0.01][u]!) : 0) });
    const data = new NetworkData(t2.topology, t2.params, t2.values, g);
    expect(strongestUnit(data, FORWARD(1), 0)).toBe(4);
    expect(strongestUnit(data, BACKWARD(1), 0)).toBe(2);
    expect(strongestUnit(data, BACKWARD(1), 1)).toBe(1);
  });

  it("is 0 for a block column", () => {
    const t2 = traits([3, 0, 2]);
    expect(strongestUnit(new NetworkData(t2.topology, t2.params, t2.values), FORWARD(1), 0)).toBe(0);
  });
});
