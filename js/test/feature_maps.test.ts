import { describe, expect, it, vi } from "vitest";
import { fitFeatureMaps, hitTest, layoutFeatureMaps, rectOnTile, toFull, toShown, TOP } from "../src/render/feature_maps_layout";
import { decodeColumn, decodeMaps, decodeScene, mapValue, shownClasses, type ColumnSpec, type Structure } from "../src/scene/feature_maps";
import { coalesced } from "../src/ui/coalesce";
import { ConvPanel, type Detail } from "../src/ui/conv_panel";
import { featureMapStrings } from "../src/ui/feature_map_strings";
import type { WireArray } from "../src/wire";

const f32 = (values: number[], shape: number[]): WireArray => ({
  dtype: "float32",
  shape,
  data: new DataView(Float32Array.from(values).buffer),
});
const i32 = (values: number[]): WireArray => ({ dtype: "int32", shape: [values.length], data: new DataView(Int32Array.from(values).buffer) });

function spec(name: string, role: ColumnSpec["role"], shape: number[], kind = "Conv2d"): ColumnSpec {
  return { name, kind, role, shape, sources: [0], records: [name], activations: [], geometry: null };
}

describe("decoding feature maps", () => {
  it("dequantises 8-bit maps with one offset and step per map", () => {
    const q = { dtype: "uint8", shape: [2, 1, 2], data: new DataView(Uint8Array.from([0, 255, 10, 20]).buffer) };
    const maps = decodeMaps({ q, lo: f32([-1, 2], [2]), step: f32([2 / 255, 0.5], [2]) });
    expect(maps.shape).toEqual([2, 1, 2]);
    expect(maps.data[0]).toBeCloseTo(-1);
    expect(maps.data[1]).toBeCloseTo(1);
    expect(maps.data[3]).toBeCloseTo(12);
  });

  it("marks the grouped mean map with channel -1 and keeps a range per map", () => {
    const values = [1, -2, 3, 4, 0.5, 0.5, 0.5, 0.5, 9, 0, 0, 0];
    const column = decodeColumn(spec("c", "maps", [5, 2, 2]), {
      channels: i32([4, 1]),
      grouped: 3,
      maps: f32(values, [3, 2, 2]),
    });
    expect(column.channels).toEqual([4, 1, -1]);
    expect(column.size).toEqual([2, 2]);
    expect(column.range).toBe(9);
    expect(column.mapRanges).toEqual([4, 0.5, 9]);
    expect(mapValue(column, 0, 1, 0)).toBe(3);
  });

  it("rejects values that do not match the structure", () => {
    const structure: Structure = { kind: "feature_maps", labels: [], columns: [spec("a", "block", [3])] };
    expect(() => decodeScene(structure, { revision: 0, sent_at: 0, sample: 0, samples: 1, bytes: 0, columns: [] })).toThrow(/1 columns but 0/);
  });

  it("shows every class up to the limit, else the most probable", () => {
    expect(shownClasses(Float32Array.from([0.1, 0.7, 0.2]), 10)).toEqual([0, 1, 2]);
    expect(shownClasses(Float32Array.from([0.1, 0.5, 0.05, 0.35]), 2)).toEqual([1, 3]);
  });
});

describe("layout", () => {
  const input = decodeColumn(spec("input", "maps", [1, 8, 8], "Input"), { channels: i32([0]), maps: f32(new Array(64).fill(0.5), [1, 8, 8]) });
  const conv = decodeColumn(spec("conv", "maps", [16, 32, 32]), {
    channels: i32([...Array(15).keys()]),
    grouped: 1,
    maps: f32(new Array(16 * 16 * 16).fill(1), [16, 16, 16]),
  });
  const out = decodeColumn(spec("fc", "output", [10], "Linear"), {
    values: f32(new Array(10).fill(0), [10]),
    probs: f32(new Array(10).fill(0.1), [10]),
  });
  const columns = [input, conv, out];
  const layout = layoutFeatureMaps(columns, 520);

  it("puts columns left to right, every tile inside the height", () => {
    const xs = layout.columns.map((c) => c.x);
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    expect(layout.columns[1]!.boxes).toHaveLength(16);
    for (const col of layout.columns) {
      for (const box of col.boxes) {
        expect(box.y).toBeGreaterThanOrEqual(TOP);
        expect(box.y + box.h).toBeLessThanOrEqual(520);
      }
    }
    expect(layout.columns[2]!.classes).toHaveLength(10);
    expect(layout.width).toBeGreaterThan(layout.columns[2]!.x);
  });

  it("shrinks to fit a narrow output area, down to half size", () => {
    const wide = fitFeatureMaps(columns, 5000);
    expect(wide.width).toBe(layout.width);
    const narrow = fitFeatureMaps(columns, 380);
    expect(narrow.width).toBeLessThanOrEqual(380);
    expect(narrow.columns[1]!.boxes[0]!.w).toBeLessThan(layout.columns[1]!.boxes[0]!.w);
    expect(fitFeatureMaps(columns, 10).width).toBeGreaterThan(10);
  });

  it("hit-tests a map pixel and maps shown pixels to full ones and back", () => {
    const tile = layout.columns[1]!.boxes[3]!;
    const hit = hitTest(layout, columns, tile.x + tile.w * 0.99, tile.y + 1);
    expect(hit).toEqual({ column: 1, item: 3, py: 0, px: 15 });
    expect(toFull(conv, 0, 15)).toEqual([0, 30]);
    expect(toShown(conv, 31, 30)).toEqual([15, 15]);
    expect(hitTest(layout, columns, 1, 1)).toBeNull();
  });

  it("draws a full-resolution rectangle at its place on a tile", () => {
    const tile = { x: 10, y: 20, w: 64, h: 64 };
    expect(rectOnTile(conv, tile, { y0: 0, y1: 15, x0: 16, x1: 31 })).toEqual({ x: 42, y: 20, w: 32, h: 32 });
  });
});

describe("coalesced", () => {
  it("runs once for several calls in one task", async () => {
    const fn = vi.fn();
    const run = coalesced(fn);
    run();
    run();
    run();
    await Promise.resolve();
    expect(fn).toHaveBeenCalledTimes(1);
  });
});

describe("ConvPanel", () => {
  const t = featureMapStrings("en");
  const detail = (channels: number): Detail => {
    const kernel = Array.from({ length: channels * 4 }, (_, i) => (i % 3) - 1);
    const patch = Array.from({ length: channels * 4 }, (_, i) => i / 10);
    const terms = Array.from({ length: channels }, (_, c) =>
      [0, 1, 2, 3].reduce((s, j) => s + kernel[c * 4 + j]! * patch[c * 4 + j]!, 0),
    );
    const z = terms.reduce((s, v) => s + v, 0) + 0.5;
    return {
      layer: "conv",
      channel: 0,
      y: 0,
      x: 0,
      value: Math.max(0, z),
      rf: {},
      arithmetic: {
        kind: "conv",
        in_channels: [...Array(channels).keys()],
        kernel: f32(kernel, [channels, 2, 2]),
        patch: f32(patch, [channels, 2, 2]),
        terms,
        bias: 0.5,
        z,
        steps: [{ kind: "ReLU", value: Math.max(0, z) }],
      },
    };
  };

  it("writes the strongest terms, the rest, the bias, z and the activation", () => {
    const panel = new ConvPanel(document.body);
    panel.show(detail(12), "conv · channel 0", t);
    const rows = panel.el.querySelectorAll<HTMLElement>(".dlw-row");
    const keys = Array.from(rows, (r) => r.dataset.key);
    expect(keys.filter((k) => k?.startsWith("term-"))).toHaveLength(8);
    expect(keys.slice(8)).toEqual(["others", "bias", "z", "step-0", "a"]);
    const sum = Array.from(rows)
      .filter((r) => r.dataset.key !== "z" && r.dataset.key !== "a" && r.dataset.key !== "step-0")
      .reduce((s, r) => s + Number(r.dataset.value), 0);
    expect(sum).toBeCloseTo(Number(panel.el.querySelector<HTMLElement>('[data-key="z"]')!.dataset.value), 5);
    expect(panel.el.querySelector(".dlw-grids")).toBeNull();
    rows[0]!.click();
    const products = panel.el.querySelectorAll<HTMLElement>('.dlw-grid[data-key="products"] span');
    expect(products).toHaveLength(4);
    const total = Array.from(products).reduce((s, p) => s + Number(p.dataset.value), 0);
    expect(total).toBeCloseTo(Number(rows[0]!.dataset.value), 5);
  });

  it("shows the grids at once for a one-channel input, and hides when nothing is selected", () => {
    const panel = new ConvPanel(document.body);
    panel.show(detail(1), "conv", t);
    expect(panel.el.querySelectorAll(".dlw-grid")).toHaveLength(3);
    panel.show(null, "", t);
    expect(panel.el.hidden).toBe(true);
  });
});
