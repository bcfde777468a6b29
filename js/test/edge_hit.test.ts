import { describe, expect, it } from "vitest";
import { edgeAt } from "../src/scene/edge_hit";
import { GROUP_NODES, layoutNetwork, unitY, type Layout } from "../src/scene/layout";
import { network } from "./fixtures";

const UNITS = [3, 4, 2];
const layout = layoutNetwork(UNITS, 760, 400);
const data = network(UNITS);

/** The point a fraction `t` of the way along edge (column, to, from). */
function along(l: Layout, column: number, to: number, from: number, t: number): [number, number] {
  const a = l.columns[column - 1]!;
  const b = l.columns[column]!;
  const x1 = a.x + a.r;
  const x2 = b.x - b.r;
  const y1 = unitY(a, from);
  const y2 = unitY(b, to);
  return [x1 + t * (x2 - x1), y1 + t * (y2 - y1)];
}

describe("edgeAt", () => {
  // Units are evenly spaced and centred, so midpoints of edges with the same
  // from + to coincide: these edges have a midpoint of their own.
  it.each([
    { column: 1, to: 0, from: 0 },
    { column: 1, to: 3, from: 2 },
    { column: 2, to: 0, from: 0 },
    { column: 2, to: 1, from: 3 },
  ])("finds edge $from → $to into column $column at its middle", (edge) => {
    const [x, y] = along(layout, edge.column, edge.to, edge.from, 0.5);
    expect(edgeAt(layout, data, x, y)).toEqual(edge);
    expect(edgeAt(layout, data, x, y + 1)).toEqual(edge); // within the tolerance
  });

  it("finds an edge a quarter of the way along, where no other crosses", () => {
    const [x, y] = along(layout, 1, 2, 1, 0.25);
    expect(edgeAt(layout, data, x, y)).toEqual({ column: 1, to: 2, from: 1 });
  });

  it("is null far from any edge", () => {
    const [x] = along(layout, 1, 0, 0, 0.5);
    expect(edgeAt(layout, data, x, 5)).toBeNull();
    expect(edgeAt(layout, data, x, 395)).toBeNull();
    expect(edgeAt(layout, data, 5, 200)).toBeNull(); // left of the first column
    expect(edgeAt(layout, data, layout.width - 5, 200)).toBeNull(); // right of the last
  });

  it("is null between columns without weights", () => {
    const units = [3, 0, 2];
    const l = layoutNetwork(units, 760, 400);
    const [x, y] = along(l, 2, 0, 0, 0.5);
    expect(edgeAt(l, network(units), x, y)).toBeNull();
  });

  it("finds edges in a 784 × 256 pair (200,704 edges) and agrees with a scan of every edge", () => {
    const units = [784, 256, 10];
    const big = network(units, { samples: 1 });
    const l = layoutNetwork(units, 1200, 700);
    // The brute-force answer: the nearest edge by true distance.
    const scan = (x: number, y: number): number => {
      const a = l.columns[0]!;
      const b = l.columns[1]!;
      const x1 = a.x + a.r;
      const x2 = b.x - b.r;
      const t = (x - x1) / (x2 - x1);
      let best = Infinity;
      for (let j = 0; j < 256; j++) {
        for (let i = 0; i < 784; i++) {
          const y1 = unitY(a, i);
          const y2 = unitY(b, j);
          best = Math.min(best, Math.abs(y1 + (y2 - y1) * t - y) / Math.hypot(1, (y2 - y1) / (x2 - x1)));
        }
      }
      return best;
    };
    const distanceTo = (hit: { to: number; from: number }, x: number, y: number): number => {
      const [xa, ya] = along(l, 1, hit.to, hit.from, 0);
      const [xb, yb] = along(l, 1, hit.to, hit.from, 1);
      const t = (x - xa) / (xb - xa);
      return Math.abs(ya + (yb - ya) * t - y) / Math.hypot(1, (yb - ya) / (xb - xa));
    };
    for (const [t, to, from] of [
      [0.5, 100, 400],
      [0.1, 3, 700],
      [0.9, 250, 20],
    ] as const) {
      const [x, y] = along(l, 1, to, from, t);
      const hit = edgeAt(l, big, x, y, 3);
      expect(hit).not.toBeNull();
      expect(hit!.column).toBe(1);
      expect(distanceTo(hit!, x, y)).toBeCloseTo(scan(x, y), 6);
    }
  });

  it("only hits drawn edges when they are filtered", () => {
    const units = [40, 30];
    const l = layoutNetwork(units, 760, 400);
    const data2 = network(units, { samples: 1 });
    const [x, y] = along(l, 1, 7, 11, 0.5);
    const k = 7 * 40 + 11;
    expect(edgeAt(l, data2, x, y, 3, () => Uint32Array.of(k))).toEqual({ column: 1, to: 7, from: 11 });
    expect(edgeAt(l, data2, x, y, 1, () => Uint32Array.of(0))).toBeNull();
  });

  it("in a collapsed group, gives the heaviest edge drawn on that line", () => {
    const units = [300, 4];
    const grouping = { threshold: 200, expanded: () => new Set<number>() };
    const l = layoutNetwork(units, 760, 400, grouping);
    const size = Math.ceil(300 / GROUP_NODES);
    // Weight 1 on unit 2 of group 1 into unit 3; tiny elsewhere.
    const heavy = size + 2;
    const data2 = network(units, { samples: 1, weight: (_c, j, i) => (j === 3 && i === heavy ? 1 : 0.01) });
    const [x, y] = along(l, 1, 3, size, 0.5);
    expect(edgeAt(l, data2, x, y)).toEqual({ column: 1, to: 3, from: heavy });
  });
});
