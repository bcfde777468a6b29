import { describe, expect, it } from "vitest";
import { layoutNetwork, MARGIN, neuronAt, preferredHeight, unitY } from "../src/scene/layout";
import { BLOCK, blockAt, GROUP_NODES, MIN_GAP, middleY, slotCounts, slotUnits } from "../src/scene/layout";

describe("layoutNetwork", () => {
  const layout = layoutNetwork([4, 8, 8, 3], 760, 400);
  const centreY = MARGIN.top + (400 - MARGIN.top - MARGIN.bottom) / 2; // 213

  it("spaces columns evenly between the side margins", () => {
    const xs = layout.columns.map((c) => c.x);
    expect(xs[0]).toBe(MARGIN.side);
    expect(xs[3]).toBeCloseTo(760 - MARGIN.side, 9);
    const step = (760 - 2 * MARGIN.side) / 3;
    xs.forEach((x, i) => expect(x).toBeCloseTo(MARGIN.side + i * step, 9));
    expect(layout.columns.map((c) => c.units)).toEqual([4, 8, 8, 3]);
  });

  it("centres units vertically with comfortable spacing", () => {
    for (const col of layout.columns) {
      const mid = (unitY(col, 0) + unitY(col, col.units - 1)) / 2;
      expect(mid).toBeCloseTo(centreY, 9);
      expect(col.dy).toBe(34);
      expect(col.r).toBe(12);
    }
    expect(layout.columns[0]!.y0).toBe(centreY - 1.5 * 34);
  });

  it("keeps a 784-unit column inside the margins with the minimum radius", () => {
    const big = layoutNetwork([784, 16, 10], 760, 400).columns[0]!;
    expect(big.dy).toBeCloseTo(338 / 784, 12);
    expect(big.r).toBe(0.8);
    expect(unitY(big, 0)).toBeGreaterThanOrEqual(MARGIN.top);
    expect(unitY(big, 783)).toBeLessThanOrEqual(400 - MARGIN.bottom);
    expect((unitY(big, 0) + unitY(big, 783)) / 2).toBeCloseTo(centreY, 9);
  });

  it("bounds the radius between 0.8 and 12", () => {
    for (const n of [1, 2, 5, 20, 100, 1000, 5000]) {
      const col = layoutNetwork([n], 300, 500).columns[0]!;
      expect(col.r).toBeGreaterThanOrEqual(0.8);
      expect(col.r).toBeLessThanOrEqual(12);
      expect(col.x).toBe(150); // a single column sits in the middle
    }
  });
});

describe("preferredHeight", () => {
  const extra = MARGIN.top + MARGIN.bottom;
  it("gives 34 px per unit of the widest column, within [240, 640] plus margins", () => {
    expect(preferredHeight([4, 8, 8, 3])).toBe(8 * 34 + extra);
    expect(preferredHeight([1])).toBe(240 + extra);
    expect(preferredHeight([])).toBe(240 + extra);
    expect(preferredHeight([784, 10])).toBe(640 + extra);
  });
});

describe("neuronAt", () => {
  function everyCentreHits(units: number[], width: number, height: number): void {
    const layout = layoutNetwork(units, width, height);
    layout.columns.forEach((col, column) => {
      for (let unit = 0; unit < col.units; unit++) {
        expect(neuronAt(layout, col.x, unitY(col, unit))).toEqual({ column, unit });
      }
    });
  }

  it("finds the neuron at each unit centre of 4-8-8-3", () => everyCentreHits([4, 8, 8, 3], 760, 400));
  it("finds the neuron at each unit centre of a 784-unit column", () => everyCentreHits([784, 16, 10], 760, 400));

  it("finds a neuron slightly off its centre", () => {
    const layout = layoutNetwork([4, 8, 8, 3], 760, 400);
    const col = layout.columns[2]!;
    expect(neuronAt(layout, col.x + 6, unitY(col, 5) - 8)).toEqual({ column: 2, unit: 5 });
  });

  it("returns null far from every neuron", () => {
    const layout = layoutNetwork([4, 8, 8, 3], 760, 400);
    const [first, second] = [layout.columns[0]!, layout.columns[1]!];
    expect(neuronAt(layout, (first.x + second.x) / 2, 213)).toBeNull(); // between columns
    expect(neuronAt(layout, first.x, unitY(first, 3) + 60)).toBeNull(); // below the last unit
    expect(neuronAt(layout, first.x, unitY(first, 0) - 60)).toBeNull(); // above the first unit
    expect(neuronAt(layout, first.x + 20, unitY(first, 1))).toBeNull(); // beside, out of reach
    expect(neuronAt(layout, -500, -500)).toBeNull();
  });
});

describe("blocks and wide models", () => {
  it("gives a block its box and skips it when looking for neurons", () => {
    const layout = layoutNetwork([4, 0, 3], 760, 400);
    const block = layout.columns[1]!;
    expect(block.units).toBe(0);
    expect(block.half).toBe(BLOCK.width / 2);
    expect(blockAt(layout, block.x, middleY(layout))).toBe(1);
    expect(blockAt(layout, block.x, middleY(layout) + BLOCK.height)).toBeNull();
    expect(neuronAt(layout, block.x, middleY(layout))).toBeNull();
  });

  it("keeps columns MIN_GAP apart by growing wider than the view", () => {
    const units = Array.from({ length: 20 }, () => 0);
    const layout = layoutNetwork(units, 760, 400);
    expect(layout.width).toBeGreaterThan(760);
    const gaps = layout.columns.slice(1).map((c, i) => c.x - layout.columns[i]!.x);
    for (const gap of gaps) expect(gap).toBeCloseTo(MIN_GAP, 6);
  });
});

describe("grouping wide columns", () => {
  const closed = { threshold: 200, expanded: () => new Set<number>() };

  it("draws a column wider than the threshold as about GROUP_NODES groups, the rest as before", () => {
    const layout = layoutNetwork([784, 128, 10], 760, 700, closed);
    const wide = layout.columns[0]!;
    const size = Math.ceil(784 / GROUP_NODES);
    expect(wide.groups).toHaveLength(Math.ceil(784 / size));
    expect(wide.slots).toBe(wide.groups.length);
    expect(wide.groups.at(-1)!.end).toBe(784);
    // every unit of a group sits at its group's node; groups are evenly spaced
    expect(unitY(wide, 0)).toBe(unitY(wide, size - 1));
    expect(unitY(wide, size) - unitY(wide, 0)).toBeCloseTo(wide.dy, 9);
    expect(layout.columns[1]!.slots).toBe(128);
    expect(layout.columns[1]!.groups).toEqual([]);
  });

  it("opens a group: its units get slots of their own, the others stay grouped", () => {
    const open = { threshold: 200, expanded: (c: number) => new Set(c === 0 ? [1] : []) };
    const layout = layoutNetwork([784, 10], 760, 700, open);
    const wide = layout.columns[0]!;
    const size = Math.ceil(784 / GROUP_NODES);
    expect(wide.slots).toBe(wide.groups.length - 1 + size);
    const ys = Array.from({ length: size }, (_, k) => unitY(wide, size + k));
    expect(new Set(ys).size).toBe(size);
    expect(slotUnits(wide, 1)).toEqual([size, size + 1]);
    expect(unitY(wide, 2 * size)).toBe(unitY(wide, 3 * size - 1)); // the next group is closed
  });

  it("neuronAt names the group under the pointer, and the unit in an opened one", () => {
    const layout = layoutNetwork([784, 10], 760, 700, closed);
    const wide = layout.columns[0]!;
    const hit = neuronAt(layout, wide.x, unitY(wide, 40));
    const group = wide.groups.find((g) => g.start <= 40 && 40 < g.end)!;
    expect(hit).toEqual({ column: 0, unit: group.start, group });
    const open = layoutNetwork([784, 10], 760, 700, { threshold: 200, expanded: () => new Set([group.index]) });
    const col = open.columns[0]!;
    expect(neuronAt(open, col.x, unitY(col, 40))).toEqual({ column: 0, unit: 40 });
  });

  it("never groups with threshold 0, and counts slots for the preferred height", () => {
    expect(layoutNetwork([784], 760, 700).columns[0]!.slots).toBe(784);
    expect(slotCounts([784, 0, 10], closed)).toEqual([Math.ceil(784 / Math.ceil(784 / GROUP_NODES)), 0, 10]);
  });
});
