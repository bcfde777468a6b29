import { describe, expect, it } from "vitest";
import { mapPixelAt, paintBlockMapPixels, THUMB, THUMB_GAP, thumbBox } from "../src/render/block_maps";
import { css, diverging } from "../src/render/colors";
import { BLOCK, layoutNetwork, middleY } from "../src/scene/layout";
import { NetworkData } from "../src/scene/network";
import { FakeCtx } from "./fake_ctx";
import { traits } from "./fixtures";

describe("block thumbnails", () => {
  it("sit in a 2×2 grid under the block and map a point to the right pixel", () => {
    const units = [0, 0, 3];
    const t = traits(units, { samples: 1 });
    t.values.maps = [
      null,
      {
        maps: { dtype: "float32", shape: [1, 4, 8, 6], data: new DataView(new Float32Array(192).fill(0.5).buffer) },
        channels: [3, 0, 2, 1],
        shape: [5, 16, 12],
      },
      null,
    ];
    const data = new NetworkData(t.topology, t.params, t.values);
    const layout = layoutNetwork(units, 760, 400);
    const first = thumbBox(layout, data, 1, 0)!;
    const fourth = thumbBox(layout, data, 1, 3)!;
    expect(first.y).toBe(middleY(layout) + BLOCK.height / 2 + 8);
    expect(fourth.x).toBe(first.x + THUMB + THUMB_GAP);
    expect(fourth.y).toBe(first.y + THUMB + THUMB_GAP);
    expect(thumbBox(layout, data, 0, 0)).toBeNull();
    expect(thumbBox(layout, data, 1, 4)).toBeNull();
    // pixel (y 7, x 0) of map 3: the bottom-left of the fourth box
    const hit = mapPixelAt(layout, data, fourth.x + 1, fourth.y + fourth.size - 1);
    expect(hit).toEqual({ column: 1, map: 3, y: 7, x: 0 });
    expect(data.maps[1]!.value(0, 3, 7, 0)).toBeCloseTo(0.5, 6);
    expect(data.maps[1]!.range).toBeCloseTo(0.5, 6);
  });
});

describe("paintBlockMapPixels", () => {
  it("fills one rectangle per thumbnail pixel, coloured by value over the block's range", () => {
    const units = [0, 0, 3];
    const t = traits(units, { samples: 1 });
    const values = new Float32Array(2 * 3 * 3).map((_, i) => (i % 2 === 0 ? 0.8 : -0.4));
    t.values.maps = [
      null,
      { maps: { dtype: "float32", shape: [1, 2, 3, 3], data: new DataView(values.buffer) }, channels: [1, 0], shape: [2, 3, 3] },
      null,
    ];
    const data = new NetworkData(t.topology, t.params, t.values);
    const layout = layoutNetwork(units, 760, 400);
    const ctx = new FakeCtx();
    expect(paintBlockMapPixels(ctx, layout, data, 0, 2)).toBe(18);
    const rects = ctx.ops("fillRect");
    expect(rects).toHaveLength(18);
    expect(rects[0]!.fillStyle).toBe(css(diverging(1), 1)); // 0.8 of a range of 0.8
    expect(rects[1]!.fillStyle).toBe(css(diverging(-0.5), 1));
    const box = thumbBox(layout, data, 1, 0)!;
    expect(rects[0]!.args).toEqual([box.x, box.y, box.size / 3, box.size / 3]);
    const faded = new FakeCtx();
    paintBlockMapPixels(faded, layout, data, 0, 0);
    expect(faded.ops("fillRect")[0]!.fillStyle).toBe(css(diverging(1), 0.25));
  });
});
