import { describe, expect, it } from "vitest";
import { css, diverging, NEGATIVE, POSITIVE } from "../src/render/colors";
import { paintEdges, paintNeurons, type NeuronSource } from "../src/render/network_painter";
import { phaseStyle } from "../src/render/phase_style";
import { layoutNetwork, unitY, type ColumnLayout } from "../src/scene/layout";
import { FakeCtx } from "./fake_ctx";
import { trainedNetwork } from "./fixtures";

const UNITS = [4, 6, 3];
const layout = layoutNetwork(UNITS, 760, 400);
const rgbPrefix = (c: readonly number[]): string => `rgba(${c.join(",")},`;
const unitOf = (col: ColumnLayout, y: number): number => Math.round((y - col.y0) / col.dy);

describe("painting a custom source", () => {
  it("paintEdges draws the gradient matrix, coloured by the sign of ∂L/∂w", () => {
    // ∂L/∂w of the opposite sign to every weight: drawing the weights would get every colour wrong.
    const base = trainedNetwork(UNITS);
    const data = trainedNetwork(UNITS, {}, { dw: (c, j, i) => -0.01 * Math.sign(base.weight(c, j, i)) * (1 + i + j) });
    const source = phaseStyle(data, { phase: "backward", column: 1 }, 0, 0.1).edges;
    const ctx = new FakeCtx();
    expect(paintEdges(ctx, layout, data, 2, source)).toBe(4 * 6 + 6 * 3);
    let checked = 0;
    ctx.calls.forEach((call, k) => {
      if (call.op !== "lineTo") return;
      const move = ctx.calls[k - 1]!;
      const c = layout.columns.findIndex((col) => Math.abs(col.x - col.r - call.args[0]!) < 1e-9);
      const from = layout.columns[c - 1]!;
      const i = unitOf(from, move.args[1]!);
      const j = unitOf(layout.columns[c]!, call.args[1]!);
      expect(move.args[1]).toBeCloseTo(unitY(from, i), 9);
      const g = data.backward!.columns[c]!.dw!.data[j * from.units + i]!;
      expect(Math.sign(g)).toBe(-Math.sign(data.weight(c, j, i)));
      expect(call.strokeStyle.startsWith(rgbPrefix(g >= 0 ? POSITIVE : NEGATIVE))).toBe(true);
      checked++;
    });
    expect(checked).toBe(42);
  });

  it("paintNeurons fills each neuron by the source's tone, white when the source fades it", () => {
    const data = trainedNetwork(UNITS);
    const tone = (c: number, u: number): number => (c - 1) * 0.4 + (u % 2 === 0 ? 0.3 : -0.3);
    const source: NeuronSource = { tone, faded: (c) => c === 2 };
    const ctx = new FakeCtx();
    expect(paintNeurons(ctx, layout, data, 0, 2, source)).toBe(13);
    let checked = 0;
    ctx.calls.forEach((call, k) => {
      if (call.op !== "arc") return;
      const c = layout.columns.findIndex((col) => col.x === call.args[0]);
      const u = unitOf(layout.columns[c]!, call.args[1]!);
      const fill = ctx.calls[k + 1]!;
      expect(fill.op).toBe("fill");
      expect(fill.fillStyle).toBe(c === 2 ? "#ffffff" : css(diverging(tone(c, u))));
      checked++;
    });
    expect(checked).toBe(13);
  });
});
