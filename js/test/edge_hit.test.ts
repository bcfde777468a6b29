import { describe, expect, it } from "vitest";
import { edgeAt, MAX_HIT_EDGES } from "../src/scene/edge_hit";
import { layoutNetwork, unitY, type Layout } from "../src/scene/layout";
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

  it("skips a column pair with more than MAX_HIT_EDGES edges, not the next one", () => {
    const units = [250, 250, 3];
    expect(250 * 250).toBeGreaterThan(MAX_HIT_EDGES);
    const big = network(units, { samples: 1, weight: () => 0.5 });
    const l = layoutNetwork(units, 760, 400);
    const [x, y] = along(l, 1, 10, 10, 0.5);
    expect(edgeAt(l, big, x, y)).toBeNull();
    const [x2, y2] = along(l, 2, 0, 0, 0.25);
    expect(edgeAt(l, big, x2, y2)).toEqual({ column: 2, to: 0, from: 0 });
  });
});
