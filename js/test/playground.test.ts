import { beforeEach, describe, expect, it } from "vitest";
import { playgroundStrings } from "../src/i18n";
import { diverging } from "../src/render/colors";
import { classColor, DIVERGING_LUT, paintAtlas, paintRegions } from "../src/render/heatmap";
import { linkStyle, paintLinks, paintPoints, pointColor } from "../src/render/playground_painter";
import { PlaygroundFrame, type FrameTrait, type Settings } from "../src/scene/playground_frame";
import { layoutNetwork, minimumWidth, tileAt } from "../src/scene/playground_layout";
import { formatEpoch, PlaygroundControls, type Command } from "../src/ui/playground_controls";
import { FakeCtx } from "./fake_ctx";

const FEATURES = ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"];

/** A frame of a widths network whose parameters count 0, 1, 2… and whose maps hold their index. */
function frameOf(widths: number[], size = 2): PlaygroundFrame {
  let params = 0;
  for (let i = 1; i < widths.length; i++) params += widths[i - 1]! * widths[i]! + widths[i]!;
  const count = FEATURES.length + widths.slice(1).reduce((a, b) => a + b, 0);
  const maps = new Uint8Array(count * size * size).map((_, i) => Math.floor(i / (size * size)));
  const trait: FrameTrait = {
    revision: 1,
    sent_at: 0,
    epoch: 3,
    train_loss: 0.5,
    test_loss: 0.6,
    train_accuracy: 0.9,
    test_accuracy: null,
    widths,
    params: { dtype: "float32", shape: [params], data: Float32Array.from({ length: params }, (_, i) => i) },
    maps: { dtype: "uint8", shape: [count, size, size], data: maps },
    scales: { dtype: "float32", shape: [count], data: new Float32Array(count).fill(1) },
  };
  return new PlaygroundFrame(trait, FEATURES.length);
}

describe("PlaygroundFrame", () => {
  it("splits the parameters into each layer's weight and bias", () => {
    const frame = frameOf([2, 3, 1]);
    expect(frame.layers.map((l) => [l.inputs, l.outputs])).toEqual([[2, 3], [3, 1]]);
    expect(Array.from(frame.layers[0]!.weight)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Array.from(frame.layers[0]!.bias)).toEqual([6, 7, 8]);
    expect(frame.weight(1, 2, 1)).toBe(5); // into unit 2 from input 1: row 2, column 1
    expect(frame.weight(2, 0, 2)).toBe(11);
  });

  it("finds each unit's map: every feature, then hidden units, then outputs", () => {
    const frame = frameOf([2, 3, 1]);
    expect(frame.mapCount).toBe(7 + 3 + 1);
    expect(frame.mapIndex(0, 5)).toBe(5);
    expect(frame.mapIndex(1, 2)).toBe(9);
    expect(frame.mapIndex(2, 0)).toBe(10);
    expect(Array.from(frame.map(9))).toEqual([9, 9, 9, 9]);
  });

  it("refuses parameters or maps that do not fit the widths", () => {
    const good = frameOf([2, 3, 1]).trait;
    expect(() => new PlaygroundFrame({ ...good, widths: [2, 4, 1] }, 7)).toThrow(/parameters/);
    expect(() => new PlaygroundFrame(good, 6)).toThrow(/maps/);
  });
});

describe("layoutNetwork", () => {
  const base = { features: FEATURES, active: ["x2", "x1"], hidden: [3, 2], outputs: 1, width: 600, top: 60, left: 60 };

  it("places a column per layer and links only the features in use", () => {
    const layout = layoutNetwork({ ...base, showInactive: true });
    expect(layout.columns.map((c) => c.length)).toEqual([7, 3, 2, 1]);
    expect(layout.columnX[0]).toBe(60);
    expect(layout.columnX[3]! + 40).toBeLessThanOrEqual(600);
    // 2 features × 3 + 3 × 2 + 2 × 1
    expect(layout.links).toHaveLength(14);
    const fromX1 = layout.links.find((l) => l.column === 1 && l.from.unit === 0)!;
    expect(fromX1.fromUnit).toBe(1); // x1 is the network's second input
    expect(layout.columns[1]![1]!.y).toBe(60 + 40 + 14);
    expect(tileAt(layout, layout.columns[2]![1]!.x + 5, layout.columns[2]![1]!.y + 5)).toBe(layout.columns[2]![1]);
    expect(tileAt(layout, 1, 1)).toBeNull();
  });

  it("shows only the features in use when the toggles are hidden, and never squeezes columns", () => {
    const layout = layoutNetwork({ ...base, showInactive: false, width: 100 });
    expect(layout.columns[0]!.map((t) => t.unit)).toEqual([0, 1]);
    expect(layout.width).toBeGreaterThanOrEqual(minimumWidth(4, 40, 60));
  });
});

describe("heatmaps", () => {
  it("colours bytes on the diverging scale", () => {
    expect(Array.from(DIVERGING_LUT.subarray(0, 3))).toEqual([...diverging(-1)]);
    expect(Array.from(DIVERGING_LUT.subarray(255 * 3, 256 * 3))).toEqual([...diverging(1)]);
    const maps = new Uint8Array([0, 0, 0, 0, 255, 255, 255, 255]);
    const out = new Uint8ClampedArray(2 * 2 * 2 * 4);
    paintAtlas(maps, 2, 2, out);
    // the atlas is 4 pixels wide: map 0 on the left, map 1 on the right
    expect(Array.from(out.subarray(0, 4))).toEqual([...diverging(-1), 255]);
    expect(Array.from(out.subarray(8, 12))).toEqual([...diverging(1), 255]);
  });

  it("paints decision regions: paler than the points, the likeliest class for several", () => {
    const one = new Uint8ClampedArray(4);
    paintRegions([new Uint8Array([255])], 1, one);
    const blue = diverging(1);
    expect(one[2]).toBeGreaterThan(blue[2]);
    expect(one[0]! - one[2]!).toBeLessThan(0); // still blue
    const three = new Uint8ClampedArray(4);
    paintRegions([new Uint8Array([10]), new Uint8Array([250]), new Uint8Array([20])], 1, three);
    const orange = classColor(1, 3);
    expect(Math.sign(three[0]! - three[2]!)).toBe(Math.sign(orange[0] - orange[2]));
  });

  it("gives two classes the scale's ends and more classes their own colours", () => {
    expect(classColor(0, 2)).toEqual(diverging(-1));
    expect(classColor(1, 2)).toEqual(diverging(1));
    expect(new Set([0, 1, 2, 3].map((k) => classColor(k, 4).join())).size).toBe(4);
    expect(pointColor(1.5, "regression", 0)).toBe("rgb(33,102,172)"); // clamped to +1
  });
});

describe("painting", () => {
  it("draws a link per weight, wider and darker for larger |w|", () => {
    expect(linkStyle(3).width).toBeGreaterThan(linkStyle(0.1).width);
    expect(linkStyle(-1).color).toBe("rgb(179,88,6)");
    const frame = frameOf([2, 3, 1]);
    const layout = layoutNetwork({
      features: FEATURES, active: ["x1", "x2"], showInactive: true, hidden: [3], outputs: 1, width: 500,
    }); // prettier-ignore
    const ctx = new FakeCtx();
    paintLinks(ctx, layout, frame);
    expect(ctx.ops("stroke")).toHaveLength(2 * 3 + 3 * 1);
    expect(ctx.ops("bezierCurveTo")).toHaveLength(9);
  });

  it("draws points where they are, training ringed white and test black", () => {
    const ctx = new FakeCtx();
    const points = { x: Float32Array.from([-6, 6, 6, -6]), y: Float32Array.from([0, 1]) };
    const box = { x: 0, y: 0, size: 120, extent: [-6, 6, -6, 6] as const };
    paintPoints(ctx, box, points, "classification", 2, false);
    const arcs = ctx.ops("arc");
    expect(arcs.map((a) => a.args.slice(0, 2))).toEqual([[0, 0], [120, 120]]);
    expect(ctx.ops("stroke")[0]!.strokeStyle).toBe("#ffffff");
    expect(ctx.ops("fill").map((c) => c.fillStyle)).toEqual(["rgb(179,88,6)", "rgb(33,102,172)"]);
  });
});

describe("PlaygroundControls", () => {
  const settings = {
    dataset: "spiral", noise: 0.1, samples: 500, classes: 2, train_fraction: 0.5, batch_size: 10,
    features: ["x1", "x2"], layers: [4, 2], activation: ["tanh", "tanh"], learning_rate: 0.03,
    regularization: "none", regularization_rate: 0, seed: 0, grid: 64, lang: "en",
    problem: "classification", outputs: 1,
  } as Settings; // prettier-ignore
  let sent: Command[];
  beforeEach(() => {
    document.body.replaceChildren();
    sent = [];
  });
  const make = (hidden: string[], fixed: string[] = [], lang = "en") => {
    const controls = new PlaygroundControls(
      { hidden: new Set(hidden), fixed: new Set(fixed) },
      playgroundStrings(lang),
      (command) => sent.push(command),
    );
    document.body.append(controls.topBar, controls.dataPanel);
    controls.render({ settings, playing: false, epoch: 1234 });
    return controls;
  };

  it("creates no element for a hidden control", () => {
    make(["noise", "play", "learning_rate", "dataset"]);
    expect(document.querySelector('[data-control="noise"]')).toBeNull();
    expect(document.querySelector(".pg-play")).toBeNull();
    expect(document.querySelector(".pg-learning_rate")).toBeNull();
    expect(document.querySelector(".pg-dataset")).toBeNull();
    expect(document.querySelector(".pg-step")).not.toBeNull();
    expect(document.querySelector('[data-control="batch_size"]')).not.toBeNull();
  });

  it("shows the state and sends a command per change", () => {
    const controls = make([]);
    expect(document.querySelector(".pg-epoch-value")?.textContent).toBe("001,234");
    const play = document.querySelector<HTMLButtonElement>(".pg-play")!;
    play.click();
    controls.render({ settings, playing: true, epoch: 1300 });
    expect(play.dataset.icon).toBe("pause");
    play.click();
    const rate = document.querySelector<HTMLSelectElement>("select.pg-learning_rate")!;
    expect(rate.value).toBe("0.03");
    rate.value = "0.3";
    rate.dispatchEvent(new Event("change"));
    const activation = document.querySelector<HTMLSelectElement>("select.pg-activation")!;
    activation.value = "relu";
    activation.dispatchEvent(new Event("change"));
    document.querySelector<HTMLButtonElement>('[data-dataset="xor"]')!.click();
    const noise = document.querySelector<HTMLInputElement>("input.pg-noise")!;
    expect(noise.value).toBe("0.1");
    noise.value = "0.25";
    noise.dispatchEvent(new Event("change"));
    expect(sent).toEqual([
      { type: "play" },
      { type: "pause" },
      { type: "set", key: "learning_rate", value: 0.3 },
      { type: "set", key: "activation", value: ["relu", "relu"] },
      { type: "set", key: "dataset", value: "xor" },
      { type: "set", key: "noise", value: 0.25 },
    ]);
  });

  it("shows a dash for layers with different activations, and a rate the menu lacks", () => {
    const controls = make([]);
    controls.render({
      settings: { ...settings, activation: ["tanh", "relu"], learning_rate: 0.05 },
      playing: false,
      epoch: 0,
    });
    const activation = document.querySelector<HTMLSelectElement>("select.pg-activation")!;
    expect(activation.selectedOptions[0]?.textContent).toBe("—");
    expect(document.querySelector<HTMLSelectElement>("select.pg-learning_rate")!.value).toBe("0.05");
  });

  it("disables fixed settings and speaks Vietnamese", () => {
    make([], ["learning_rate", "noise", "dataset"], "vi");
    expect(document.querySelector<HTMLSelectElement>("select.pg-learning_rate")!.disabled).toBe(true);
    expect(document.querySelector<HTMLInputElement>("input.pg-noise")!.disabled).toBe(true);
    expect(document.querySelector<HTMLButtonElement>('[data-dataset="xor"]')!.disabled).toBe(true);
    expect(document.querySelector<HTMLInputElement>("input.pg-batch_size")!.disabled).toBe(false);
    expect(document.body.textContent).toContain("tốc độ học");
    expect(formatEpoch(0)).toBe("000,000");
  });
});
