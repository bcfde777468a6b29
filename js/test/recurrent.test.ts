import { describe, expect, it } from "vitest";
import { strongestEdges } from "../src/scene/edge_filter";
import { strings } from "../src/i18n";
import { paintEdges, paintLabels, paintUnits, visible } from "../src/render/recurrent_painter";
import { RecurrentData, type RecurrentTopology, type RecurrentValues } from "../src/scene/recurrent";
import { recurrentArithmetic, strongestHidden } from "../src/scene/recurrent_arithmetic";
import { gatePoint, layoutRecurrent, MARGIN, unitAt, unitPoint } from "../src/scene/recurrent_layout";
import { coalesced } from "../src/ui/coalesce";
import { stepperKey } from "../src/ui/player";
import { FakeCtx } from "./fake_ctx";

const wire = (shape: number[], data: number[]) => ({ dtype: "float32", shape, data });

/** An LSTM with 2 hidden units over 3 steps, one input feature, outputs at every step. */
function lstm(): RecurrentData {
  const topology: RecurrentTopology = {
    kind: "recurrent", module: "lstm", cell: "LSTM", nonlinearity: "tanh", gates: ["i", "f", "g", "o"],
    steps: 3, first_step: 0, total_steps: 3, samples: 1, sample: 0, output_steps: [0, 1, 2],
    bands: [
      { name: "x", role: "input", layer: -1, units: 1, total_units: 1, unit_index: [0] },
      { name: "h0", role: "hidden", layer: 0, units: 2, total_units: 4, unit_index: [1, 3] },
      { name: "y", role: "output", layer: -1, units: 1, total_units: 1, unit_index: [0] },
    ],
  }; // prettier-ignore
  const gates: number[] = [];
  for (let g = 0; g < 4; g++) for (let t = 0; t < 3; t++) gates.push(0.1 * (g + 1), 0.01 * t);
  const values: RecurrentValues = {
    revision: 0, labels: ["a", " ", "\n"], agreement: 0,
    ranges: { input: 1, hidden: 0.5, output: 2, cell: 1, weight: 1 },
    bands: [
      { a: wire([3, 1], [1, 2, 3]) },
      {
        a: wire([3, 2], [0.1, -0.4, 0.2, 0.3, -0.25, 0.05]),
        pre_ih: wire([4, 3, 2], gates.map((v) => v + 1)),
        pre_hh: wire([4, 3, 2], gates.map((v) => v - 1)),
        h0: wire([2], [0.7, 0.8]),
        w_in: wire([2, 1], [0.5, -0.5]),
        w_hh: wire([2, 2], [0.1, 0.2, 0.3, 0.4]),
        gates: wire([4, 3, 2], gates),
        cell: wire([3, 2], [1, 2, 3, 4, 5, 6]),
        c0: wire([2], [9, 8]),
      },
      { a: wire([3, 1], [7, 8, 9]) },
    ],
  }; // prettier-ignore
  return new RecurrentData(topology, values);
}

describe("RecurrentData", () => {
  const data = lstm();

  it("gives a step's row, so edges can be ranked by |w·h_{t−1}| at each step", () => {
    expect(Array.from(data.stepRow(1, 1)!)).toEqual([Math.fround(0.2), Math.fround(0.3)]);
    expect(Array.from(data.stepRow(0, 2)!)).toEqual([3]);
    expect(data.stepRow(2, 1)).not.toBeNull(); // output step 1
    expect(data.stepRow(5, 0)).toBeNull();
    // with h_0 = (0.1, −0.4): |w·h| is largest for w[1][1] = 0.4 (0.16), not for |w| alone
    const picked = strongestEdges(data.bands[1]!.wHh!, data.stepRow(1, 0), 1).indices!;
    expect(Array.from(picked)).toEqual([3]);
    const byWeight = strongestEdges(data.bands[1]!.wHh!, Float32Array.of(1, 0.01), 1).indices!;
    expect(Array.from(byWeight)).toEqual([2]); // 0.3 · 1
  });

  it("reads values, gates, the cell state and the previous state per step", () => {
    expect(data.value(1, 2, 1)).toBeCloseTo(0.05, 6);
    expect(data.value(2, 1, 0)).toBe(8);
    expect(data.gate(1, 3, 1, 0)).toBeCloseTo(0.4, 6); // o at t=1, unit 0
    expect(data.gate(1, 4, 2, 1)).toBe(6); // the cell state
    expect(data.previous(1, 0, 1)).toBeCloseTo(0.8, 6); // h0
    expect(data.previous(1, 0, 0, true)).toBe(9); // c0
    expect(data.previous(1, 2, 0, true)).toBe(3);
    expect(data.sum(1, "ih", 2, 1, 0)).toBeCloseTo(1.3, 6);
    expect(data.sum(1, "hh", 2, 1, 1)).toBeCloseTo(-0.99, 6);
    expect(data.range(1)).toBe(0.5);
    expect(data.band("h0")).toBe(1);
  });

  it("has outputs only at the output steps", () => {
    const only = lstm();
    only.topology.output_steps = [2];
    expect(only.present(2, 1)).toBe(false);
    expect(only.present(2, 2)).toBe(true);
    expect(Number.isNaN(only.value(2, 0, 0))).toBe(true);
  });
});

describe("recurrentArithmetic", () => {
  it("writes an LSTM unit's gates, c_t and h_t with the kernel's numbers", () => {
    const { title, rows } = recurrentArithmetic(lstm(), 1, 1, 1, strings("en"));
    expect(title).toBe("lstm · layer 0 · t = 1 · unit 3");
    const byKey = Object.fromEntries(rows.map((r) => [r.key, r]));
    expect(Object.keys(byKey)).toEqual(["prev", "gate-i", "gate-f", "gate-g", "gate-o", "cprev", "c", "h"]);
    expect(byKey["gate-i"]!.label).toBe("i = σ(1.0100 − 0.9900)");
    expect(byKey["gate-g"]!.label).toBe("g = tanh(1.0100 − 0.9900)");
    expect(byKey.c!.label).toBe("c_t = f·c_{t−1} + i·g = 0.0100·2.0000 + 0.0100·0.0100");
    expect(byKey.c!.numeric).toBe(4);
    expect(byKey.h!.numeric).toBeCloseTo(0.3, 6);
  });

  it("explains the largest |h_t| of the top layer when nothing is selected", () => {
    expect(strongestHidden(lstm(), 0)).toEqual({ band: 1, unit: 1 });
  });
});

describe("layoutRecurrent", () => {
  const bands = [
    { units: 1, hidden: false },
    { units: 4, hidden: true },
    { units: 4, hidden: true },
    { units: 3, hidden: false },
  ];

  it("gives one evenly spaced column per step inside the margins", () => {
    const layout = layoutRecurrent(5, bands, 0, 800);
    expect(layout.width).toBe(800);
    expect(layout.columns).toHaveLength(5);
    const spacing = (800 - MARGIN.left - MARGIN.right) / 5;
    layout.columns.forEach((x, t) => expect(x).toBeCloseTo(MARGIN.left + spacing * (t + 0.5), 9));
  });

  it("stacks the bands bottom to top: input lowest, output highest", () => {
    const layout = layoutRecurrent(5, bands, 0, 800);
    const tops = layout.bands.map((b) => b.y0);
    expect(tops[0]).toBeGreaterThan(tops[1]!);
    expect(tops[1]).toBeGreaterThan(tops[2]!);
    expect(tops[2]).toBeGreaterThan(tops[3]!);
    const bottom = layout.bands[0]!;
    expect(layout.labelY).toBeGreaterThan(bottom.y0 + bottom.r);
    // neighbouring bands sit on either side of the column centre, so input edges fan out
    expect(Math.sign(layout.bands[0]!.x)).toBe(-Math.sign(layout.bands[1]!.x));
  });

  it("scrolls wider for long sequences and wider again with the gates on", () => {
    const plain = layoutRecurrent(40, bands, 0, 800);
    const gated = layoutRecurrent(40, bands, 5, 800);
    expect(plain.width).toBeGreaterThan(800);
    expect(gated.width).toBeGreaterThan(plain.width);
    const unit = unitPoint(gated, 1, 3, 2);
    const square = gatePoint(gated, 1, 3, 2, 0);
    expect(square.x).toBeGreaterThan(unit.x + gated.bands[1]!.r);
  });

  it("finds the unit under a point, and nothing between units", () => {
    const layout = layoutRecurrent(6, bands, 5, 900);
    const p = unitPoint(layout, 2, 4, 3);
    expect(unitAt(layout, p.x + 1, p.y - 1)).toEqual({ band: 2, step: 4, unit: 3 });
    expect(unitAt(layout, 5, p.y)).toBeNull();
    expect(unitAt(layout, p.x, layout.height - 2)).toBeNull();
  });
});

describe("recurrent painter", () => {
  const data = lstm();
  const specs = data.bands.map((b) => ({ units: b.info.units, hidden: b.info.role === "hidden" }));

  it("fills the units of the steps reached and outlines the later ones", () => {
    const ctx = new FakeCtx();
    const layout = layoutRecurrent(3, specs, 0, 600);
    expect(paintUnits(ctx, layout, data, 1, false)).toBe(12); // 3 steps × (1 + 2 + 1) units
    const fills = ctx.calls.filter((c) => c.op === "fill").map((c) => c.fillStyle);
    expect(fills.filter((f) => f === "#ffffff")).toHaveLength(4); // step 2: not computed yet
    expect(ctx.calls.some((c) => c.op === "fillRect")).toBe(false);
  });

  it("draws five squares beside each hidden unit reached when the gates are on", () => {
    const ctx = new FakeCtx();
    const layout = layoutRecurrent(3, specs, 5, 600);
    paintUnits(ctx, layout, data, 1, true);
    expect(ctx.calls.filter((c) => c.op === "fillRect")).toHaveLength(2 * 2 * 5);
  });

  it("draws x_t → h_t edges for each step reached and h_{t−1} → h_t after the first", () => {
    const ctx = new FakeCtx();
    const layout = layoutRecurrent(3, specs, 0, 600);
    expect(paintEdges(ctx, layout, data, 1, () => null)).toBe(2 * 2 + 4);
    const picked = { input: Uint32Array.of(1), recurrent: Uint32Array.of(0, 3) };
    expect(paintEdges(new FakeCtx(), layout, data, 2, (_t, b) => (b === 1 ? picked : null))).toBe(3 + 2 * 2);
  });

  it("writes each step's token under its column, whitespace made visible", () => {
    const ctx = new FakeCtx();
    paintLabels(ctx, layoutRecurrent(3, specs, 0, 600), data, 2, false, (b) => `band ${b}`);
    const texts = ctx.calls.filter((c) => c.op === "fillText").map((c) => c.text);
    expect(texts).toEqual(expect.arrayContaining(["a", "␣", "↵", "t=2", "band 0", "band 2"]));
  });
});

describe("small helpers", () => {
  it("shows whitespace labels visibly and shortens long ones", () => {
    expect(visible(" ")).toBe("␣");
    expect(visible("\n")).toBe("↵");
    expect(visible("a long token")).toBe("a long t…");
    expect(visible("the cat")).toBe("the cat");
  });

  it("maps the stepper keys", () => {
    const went: number[] = [];
    const go = (s: number) => went.push(s);
    stepperKey("ArrowRight", 2, 5, go, () => undefined)?.();
    stepperKey("End", 2, 5, go, () => undefined)?.();
    expect(went).toEqual([3, 4]);
    expect(stepperKey("x", 2, 5, go, () => undefined)).toBeNull();
  });

  it("runs a coalesced callback once per microtask", async () => {
    let runs = 0;
    const run = coalesced(() => runs++);
    run();
    run();
    await Promise.resolve();
    expect(runs).toBe(1);
  });
});
