import { describe, expect, it } from "vitest";
import { css, NEGATIVE, POSITIVE } from "../src/render/colors";
import { MAX_SIGNALS, paintSignals, strongestSignals, type Signal } from "../src/render/signals";
import { layoutNetwork, unitY } from "../src/scene/layout";
import { FakeCtx } from "./fake_ctx";
import { network } from "./fixtures";

const UNITS = [3, 4, 2];
const layout = layoutNetwork(UNITS, 760, 400);
const data = network(UNITS);

/** (to, from) of a signal, read back from its end points. */
function edgeOf(s: Signal, column: number): { to: number; from: number } {
  const from = layout.columns[column - 1]!;
  const to = layout.columns[column]!;
  return { from: Math.round((s.y1 - from.y0) / from.dy), to: Math.round((s.y2 - to.y0) / to.dy) };
}

describe("strongestSignals", () => {
  it("gives one signal per non-zero w·a, strongest first, the first of strength 1", () => {
    for (const column of [1, 2]) {
      const signals = strongestSignals(data, layout, column, 1);
      expect(signals).toHaveLength(UNITS[column]! * UNITS[column - 1]!);
      expect(signals[0]!.strength).toBe(1);
      signals.forEach((s, k) => {
        expect(s.strength).toBeGreaterThan(0);
        expect(s.strength).toBeLessThanOrEqual(1);
        if (k > 0) expect(s.strength).toBeLessThanOrEqual(signals[k - 1]!.strength);
      });
    }
  });

  it("each signal is w·a of its edge: sign, relative strength and end points", () => {
    const column = 2;
    const sample = 0;
    const signals = strongestSignals(data, layout, column, sample);
    const from = layout.columns[1]!;
    const to = layout.columns[2]!;
    const wa = (e: { to: number; from: number }): number =>
      data.weight(column, e.to, e.from) * data.activation(column - 1, e.from, sample);
    const top = Math.abs(wa(edgeOf(signals[0]!, column)));
    const seen = new Set<string>();
    for (const s of signals) {
      const e = edgeOf(s, column);
      seen.add(`${e.to}:${e.from}`);
      expect(s.x1).toBe(from.x + from.r);
      expect(s.x2).toBe(to.x - to.r);
      expect(s.y1).toBe(unitY(from, e.from));
      expect(s.y2).toBe(unitY(to, e.to));
      expect(s.positive).toBe(wa(e) >= 0);
      expect(s.strength).toBeCloseTo(Math.abs(wa(e)) / top, 12);
    }
    expect(seen.size).toBe(signals.length);
    expect(signals.some((s) => s.positive)).toBe(true);
    expect(signals.some((s) => !s.positive)).toBe(true);
  });

  it("leaves out zero contributions", () => {
    const sparse = network(UNITS, { activation: (c, u) => (c === 0 && u === 1 ? 0 : 0.5) });
    const signals = strongestSignals(sparse, layout, 1, 0);
    expect(signals).toHaveLength(4 * 2);
    expect(signals.every((s) => edgeOf(s, 1).from !== 1)).toBe(true);
  });

  it("keeps at most MAX_SIGNALS, the strongest ones", () => {
    const units = [30, 20];
    const wide = network(units);
    const wideLayout = layoutNetwork(units, 760, 400);
    const signals = strongestSignals(wide, wideLayout, 1, 0);
    expect(signals).toHaveLength(MAX_SIGNALS);
    const all: number[] = [];
    for (let j = 0; j < 20; j++) for (let i = 0; i < 30; i++) all.push(Math.abs(wide.weight(1, j, i) * wide.activation(0, i, 0)));
    all.sort((a, b) => b - a);
    const top = all[0]!;
    expect(signals[signals.length - 1]!.strength).toBeCloseTo(all[MAX_SIGNALS - 1]! / top, 12);
    expect(signals[signals.length - 1]!.strength).toBeGreaterThanOrEqual(all[MAX_SIGNALS]! / top);
  });

  it("gives none for a column without weights", () => {
    expect(strongestSignals(data, layout, 0, 0)).toEqual([]);
    const units = [3, 0, 2];
    expect(strongestSignals(network(units), layoutNetwork(units, 760, 400), 2, 0)).toEqual([]);
    expect(strongestSignals(data, layout, 7, 0)).toEqual([]);
  });
});

describe("paintSignals", () => {
  const signals: Signal[] = [
    { x1: 10, y1: 20, x2: 110, y2: 60, strength: 1, positive: true },
    { x1: 10, y1: 80, x2: 110, y2: 40, strength: 0.25, positive: false },
  ];

  it("draws one filled dot per signal at the interpolated position", () => {
    const ctx = new FakeCtx();
    paintSignals(ctx, signals, 0.25);
    const arcs = ctx.ops("arc");
    expect(arcs).toHaveLength(2);
    expect(ctx.ops("fill")).toHaveLength(2);
    expect(arcs[0]!.args).toEqual([35, 30, 4.5, 0, 2 * Math.PI]);
    expect(arcs[1]!.args).toEqual([35, 70, 1.5 + 3 * 0.5, 0, 2 * Math.PI]);
    expect(arcs[0]!.fillStyle).toBe(css(POSITIVE, 0.95));
    expect(arcs[1]!.fillStyle).toBe(css(NEGATIVE, 0.35 + 0.6 * 0.25));
  });

  it("starts at the source and ends at the target", () => {
    const start = new FakeCtx();
    paintSignals(start, signals, 0);
    expect(start.ops("arc").map((c) => c.args.slice(0, 2))).toEqual([[10, 20], [10, 80]]);
    const end = new FakeCtx();
    paintSignals(end, signals, 1);
    expect(end.ops("arc").map((c) => c.args.slice(0, 2))).toEqual([[110, 60], [110, 40]]);
  });

  it("draws nothing for no signals", () => {
    const ctx = new FakeCtx();
    paintSignals(ctx, [], 0.5);
    expect(ctx.ops("arc")).toHaveLength(0);
  });
});
