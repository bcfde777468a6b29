import { describe, expect, it } from "vitest";
import { css, diverging, NEGATIVE, POSITIVE } from "../src/render/colors";
import {
  edgeBatches,
  paintBlocks,
  paintEdges,
  paintLinks,
  paintNeurons,
  paintRing,
  paintVeil,
  WIDTH_LEVELS,
} from "../src/render/network_painter";
import { NetworkData } from "../src/scene/network";
import { layoutNetwork, unitY, type ColumnLayout } from "../src/scene/layout";
import { alphaOf, FakeCtx, type Call } from "./fake_ctx";
import { network, traits } from "./fixtures";

const UNITS = [4, 8, 8, 3];
const layout = layoutNetwork(UNITS, 760, 400);
const data = network(UNITS);
const rgbPrefix = (c: readonly number[]): string => `rgba(${c.join(",")},`;

interface Segment {
  column: number; // the column the edge goes into
  from: number;
  to: number;
  call: Call; // the lineTo, with the style in effect
}

/** Map every moveTo/lineTo pair back to (column, from unit, to unit). */
function segments(ctx: FakeCtx): Segment[] {
  const unitOf = (col: ColumnLayout, y: number): number => Math.round((y - col.y0) / col.dy);
  const out: Segment[] = [];
  ctx.calls.forEach((call, k) => {
    if (call.op !== "lineTo") return;
    const move = ctx.calls[k - 1]!;
    expect(move.op).toBe("moveTo");
    const column = layout.columns.findIndex((col) => Math.abs(col.x - col.r - call.args[0]!) < 1e-9);
    expect(column).toBeGreaterThan(0);
    const from = layout.columns[column - 1]!;
    const to = layout.columns[column]!;
    expect(move.args[0]).toBeCloseTo(from.x + from.r, 9);
    const i = unitOf(from, move.args[1]!);
    const j = unitOf(to, call.args[1]!);
    expect(move.args[1]).toBeCloseTo(unitY(from, i), 9);
    expect(call.args[1]).toBeCloseTo(unitY(to, j), 9);
    out.push({ column, from: i, to: j, call });
  });
  return out;
}

describe("paintEdges", () => {
  it("draws one moveTo/lineTo per edge, each edge once", () => {
    const ctx = new FakeCtx();
    expect(paintEdges(ctx, layout, data, 3)).toBe(120);
    expect(ctx.ops("moveTo")).toHaveLength(120);
    expect(ctx.ops("lineTo")).toHaveLength(120);
    const keys = new Set(segments(ctx).map((s) => `${s.column}:${s.to}:${s.from}`));
    expect(keys.size).toBe(120);
  });

  it("colours positive weights blue and negative ones orange", () => {
    const ctx = new FakeCtx();
    paintEdges(ctx, layout, data, 3);
    let positives = 0;
    for (const s of segments(ctx)) {
      const w = data.weight(s.column, s.to, s.from);
      expect(s.call.strokeStyle.startsWith(rgbPrefix(w >= 0 ? POSITIVE : NEGATIVE))).toBe(true);
      if (w >= 0) positives++;
    }
    expect(positives).toBeGreaterThan(10);
    expect(positives).toBeLessThan(110);
  });

  it("draws heavier weights with wider lines", () => {
    const ctx = new FakeCtx();
    paintEdges(ctx, layout, data, 3);
    const segs = segments(ctx).map((s) => ({ w: Math.abs(data.weight(s.column, s.to, s.from)), width: s.call.lineWidth }));
    for (const a of segs) for (const b of segs) if (a.w < b.w) expect(a.width).toBeLessThanOrEqual(b.width);
    expect(new Set(segs.map((s) => s.width)).size).toBeGreaterThan(2);
  });

  it("batches strokes: at most 2 * WIDTH_LEVELS per column pair", () => {
    const ctx = new FakeCtx();
    paintEdges(ctx, layout, data, 3);
    const strokes = ctx.ops("stroke");
    expect(ctx.ops("beginPath")).toHaveLength(strokes.length);
    expect(strokes.length).toBeLessThanOrEqual(3 * 2 * WIDTH_LEVELS);
    const perColumn = new Map<number, Set<string>>();
    for (const s of segments(ctx)) {
      const styles = perColumn.get(s.column) ?? new Set<string>();
      styles.add(`${s.call.strokeStyle}|${s.call.lineWidth}`);
      perColumn.set(s.column, styles);
    }
    for (const styles of perColumn.values()) expect(styles.size).toBeLessThanOrEqual(2 * WIDTH_LEVELS);
    const total = [...perColumn.values()].reduce((n, s) => n + s.size, 0);
    expect(strokes.length).toBe(total); // one stroke per (column, colour, width) group
  });

  it("fades the columns after `step`", () => {
    const full = new FakeCtx();
    const partial = new FakeCtx();
    paintEdges(full, layout, data, 3);
    expect(paintEdges(partial, layout, data, 1)).toBe(120);
    const a = segments(full);
    const b = segments(partial);
    const shown = b.filter((s) => s.column <= 1).map((s) => alphaOf(s.call.strokeStyle));
    const faded = b.filter((s) => s.column > 1).map((s) => alphaOf(s.call.strokeStyle));
    expect(faded).toHaveLength(88);
    expect(Math.max(...faded)).toBeLessThan(Math.min(...shown));
    b.forEach((s, k) => {
      const before = alphaOf(a[k]!.call.strokeStyle);
      if (s.column > 1) expect(alphaOf(s.call.strokeStyle)).toBeLessThan(before);
      else expect(alphaOf(s.call.strokeStyle)).toBe(before);
    });
  });

  it("skips a non-finite weight (a diverged model) and draws the rest", () => {
    const data = network([2, 2], { weight: (_c, to, from) => (to === 0 && from === 1 ? Number.NaN : 0.5) });
    const ctx = new FakeCtx();
    expect(paintEdges(ctx, layoutNetwork([2, 2], 400, 300), data, 1)).toBe(3);
  });

  it("skips columns without parameters", () => {
    const ctx = new FakeCtx();
    expect(paintEdges(ctx, layoutNetwork([5], 300, 300), network([5]), 0)).toBe(0);
    expect(ctx.calls).toHaveLength(0);
  });
});

describe("paintNeurons", () => {
  const known = network(UNITS, {
    samples: 2,
    valueRange: 0.6,
    activation: (c, u, s) => (c === 1 && u === 2 ? (s === 1 ? 0.3 : -0.45) : 0.1 * (u - 3)),
  });

  /** The fill colour of each neuron, keyed by column and unit, from arc → fill pairs. */
  function fills(ctx: FakeCtx): Map<string, string> {
    const out = new Map<string, string>();
    ctx.calls.forEach((call, k) => {
      if (call.op !== "arc") return;
      const fill = ctx.calls[k + 1]!;
      expect(fill.op).toBe("fill");
      const c = layout.columns.findIndex((col) => col.x === call.args[0]);
      const col = layout.columns[c]!;
      expect(call.args[2]).toBe(col.r);
      out.set(`${c}:${Math.round((call.args[1]! - col.y0) / col.dy)}`, fill.fillStyle);
    });
    return out;
  }

  it("draws every neuron once", () => {
    const ctx = new FakeCtx();
    expect(paintNeurons(ctx, layout, known, 0, 3)).toBe(23);
    expect(ctx.ops("arc")).toHaveLength(23);
    expect(fills(ctx).size).toBe(23);
    expect(ctx.ops("fillRect")).toHaveLength(8 + 8 + 3); // bias marks, not on the input column
  });

  it("fills a neuron by diverging(value / range) for the chosen sample", () => {
    const ctx = new FakeCtx();
    paintNeurons(ctx, layout, known, 1, 3);
    const f = fills(ctx);
    expect(f.get("1:2")).toBe(css(diverging(0.3 / 0.6)));
    expect(f.get("1:2")).toBe("rgb(146,197,222)");
    const other = new FakeCtx();
    paintNeurons(other, layout, known, 0, 3);
    expect(fills(other).get("1:2")).toBe(css(diverging(-0.45 / 0.6)));
  });

  it("fills the columns after `step` white with a dashed outline", () => {
    const ctx = new FakeCtx();
    paintNeurons(ctx, layout, known, 1, 1);
    for (const [key, color] of fills(ctx)) {
      const column = Number(key.split(":")[0]);
      if (column > 1) expect(color).toBe("#ffffff");
      else expect(color).not.toBe("#ffffff");
    }
    const dashes = ctx.ops("setLineDash").map((c) => c.args.length > 0);
    expect(dashes).toEqual([false, false, true, true, false]);
  });
});

describe("paintRing", () => {
  it("strokes one circle around the neuron, nothing for a unit out of range", () => {
    const ctx = new FakeCtx();
    paintRing(ctx, layout, { column: 2, unit: 4 }, "#f00", 2);
    const arcs = ctx.ops("arc");
    const col = layout.columns[2]!;
    expect(arcs).toHaveLength(1);
    expect(arcs[0]!.args.slice(0, 3)).toEqual([col.x, unitY(col, 4), col.r + 3]);
    expect(ctx.ops("stroke")[0]!.strokeStyle).toBe("#f00");
    const none = new FakeCtx();
    paintRing(none, layout, { column: 3, unit: 3 }, "#f00", 2);
    paintRing(none, layout, { column: 9, unit: 0 }, "#f00", 2);
    expect(none.calls).toHaveLength(0);
  });
});

describe("paintLinks and paintBlocks", () => {
  it("links columns without drawn weights, and arcs over skipped columns", () => {
    const t = traits([4, 0, 8, 3]);
    t.topology.columns[3]!.sources = [1, 2];
    const data = new NetworkData(t.topology, t.params, t.values);
    const ctx = new FakeCtx();
    const layout = layoutNetwork([4, 0, 8, 3], 760, 400);
    // input→block, block→fc2 (fc2 has no matrix: it reads a block), block→fc3 as a skip;
    // fc2→fc3 is drawn as weighted edges instead
    expect(paintLinks(ctx, layout, data, 3)).toBe(3);
    expect(ctx.ops("bezierCurveTo")).toHaveLength(1);
    expect(ctx.ops("lineTo")).toHaveLength(2);
  });

  it("draws a block as a box with its kind and shape", () => {
    const data = network([4, 0, 3]);
    const ctx = new FakeCtx();
    expect(paintBlocks(ctx, layoutNetwork([4, 0, 3], 760, 400), data, 2)).toBe(1);
    expect(ctx.ops("strokeRect")).toHaveLength(1);
    const texts = ctx.ops("fillText").map((c) => c.text);
    expect(texts).toEqual(["Conv2d", "4×6×6", "ReLU"]);
  });

  it("paints no neuron and no edge for a block", () => {
    const data = network([4, 0, 3]);
    const ctx = new FakeCtx();
    const layout = layoutNetwork([4, 0, 3], 760, 400);
    expect(paintNeurons(ctx, layout, data, 0, 2)).toBe(7);
    expect(paintEdges(new FakeCtx(), layout, data, 2)).toBe(0);
  });
});

describe("paintNeurons with groups", () => {
  const units = [300, 4];
  const grouping = { threshold: 200, expanded: (c: number) => new Set(c === 0 ? [0] : []) };
  const grouped = layoutNetwork(units, 760, 700, grouping);
  const net = network(units, { samples: 1, valueRange: 1, activation: (c, u) => (c === 0 ? (u % 3) - 1 : 0.5) });
  const wide = grouped.columns[0]!;

  it("draws a circle per unit of an opened group and two cards per closed group, filled with its mean", () => {
    const ctx = new FakeCtx();
    const drawn = paintNeurons(ctx, grouped, net, 0, 1);
    expect(drawn).toBe(304);
    const first = wide.groups[0]!;
    const circles = ctx.ops("arc").filter((c) => c.args[0] === wide.x);
    expect(circles).toHaveLength(first.end - first.start);
    const closed = wide.groups.slice(1);
    const cards = ctx.ops("fillRect").filter((c) => Math.abs(c.args[0]! - wide.x) < 20);
    expect(cards).toHaveLength(2 * closed.length);
    const g = closed[0]!;
    let sum = 0;
    for (let u = g.start; u < g.end; u++) sum += (u % 3) - 1;
    expect(cards[0]!.fillStyle).toBe(css(diverging(sum / (g.end - g.start))));
    // the opened group is bracketed
    expect(ctx.ops("lineTo").length).toBeGreaterThanOrEqual(3);
  });
});

describe("paintVeil", () => {
  it("veils the space between the columns after `step`, nothing before", () => {
    const ctx = new FakeCtx();
    paintVeil(ctx, layout, 1);
    const rects = ctx.ops("fillRect");
    expect(rects).toHaveLength(2); // into columns 2 and 3
    const [a, b, c] = [layout.columns[1]!, layout.columns[2]!, layout.columns[3]!];
    expect(rects[0]!.args).toEqual([a.x + a.half, 0, b.x - b.half - (a.x + a.half), layout.height]);
    expect(rects[1]!.args[0]).toBe(b.x + b.half);
    expect(rects[1]!.args[0]! + rects[1]!.args[2]!).toBeCloseTo(c.x - c.half, 9);
    expect(rects[0]!.fillStyle).toMatch(/^rgba\(255,255,255,0\.8/);
    const none = new FakeCtx();
    paintVeil(none, layout, 3);
    expect(none.ops("fillRect")).toHaveLength(0);
  });
});

describe("edgeBatches with groups", () => {
  it("draws the edges of a collapsed group's line once, as the heaviest", () => {
    const units = [300, 2];
    const grouping = { threshold: 200, expanded: () => new Set<number>() };
    const grouped = layoutNetwork(units, 760, 700, grouping);
    const wide = grouped.columns[0]!;
    const net = network(units, { samples: 1, weight: (_c, j, i) => (j === 1 && i === 5 ? -3 : 0.01 * (i % 7)) });
    const batches = edgeBatches(grouped, net, 1);
    const segments = batches.reduce((n, b) => n + b.segments.length / 4, 0);
    expect(segments).toBe(wide.slots * 2); // one line per group and target
    // the line from group 0 into unit 1 is drawn as w = -3: orange, in the widest bucket
    const y1 = unitY(wide, 0);
    const y2 = unitY(grouped.columns[1]!, 1);
    const heavy = batches.find((b) => {
      for (let k = 0; k < b.segments.length; k += 4) if (b.segments[k + 1] === y1 && b.segments[k + 3] === y2) return true;
      return false;
    })!;
    expect(heavy.style.rgb).toEqual(NEGATIVE);
  });
});
