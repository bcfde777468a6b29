import { describe, expect, it } from "vitest";
import { paintEdges, forwardEdges } from "../src/render/network_painter";
import { strongestEdges } from "../src/scene/edge_filter";
import { layoutNetwork } from "../src/scene/layout";
import { FakeCtx } from "./fake_ctx";
import { network } from "./fixtures";

const tensor = (values: number[], shape: number[]) => ({ shape, data: Float32Array.from(values) });

describe("strongestEdges", () => {
  it("keeps everything when the pair fits the limit", () => {
    const w = tensor([1, -2, 3, 4], [2, 2]);
    expect(strongestEdges(w, null, 4)).toEqual({ indices: null, shown: 4, total: 4 });
    expect(strongestEdges(w, null, 0).indices).toBeNull(); // 0: no limit
  });

  it("keeps the largest |w·a|, in index order", () => {
    // fan-in 3: a = [10, 0, 1]
    const w = tensor([1, 9, 2, -3, 100, 0.5, 0.2, 7, -4], [3, 3]);
    const pick = strongestEdges(w, Float32Array.from([10, 0, 1]), 3);
    // |w·a| = [10, 0, 2, 30, 0, 0.5, 2, 0, 4] → indices 0, 3, 8
    expect(Array.from(pick.indices!)).toEqual([0, 3, 8]);
    expect(pick.shown).toBe(3);
    expect(pick.total).toBe(9);
  });

  it("uses |w| without input values, and never returns more than the limit on ties", () => {
    const w = tensor([1, 1, 1, 1, 5, 1], [2, 3]);
    const pick = strongestEdges(w, null, 3);
    expect(pick.indices!.length).toBe(3);
    expect(Array.from(pick.indices!)).toContain(4);
  });
});

describe("paintEdges with a selection", () => {
  it("draws only the selected edges", () => {
    const data = network([4, 8, 3]);
    const ctx = new FakeCtx();
    const layout = layoutNetwork([4, 8, 3], 760, 400);
    const source = { ...forwardEdges(data, 2), selection: (c: number) => (c === 1 ? Uint32Array.from([0, 5, 31]) : null) };
    expect(paintEdges(ctx, layout, data, 2, source)).toBe(3 + 8 * 3);
  });
});
