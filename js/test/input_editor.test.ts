import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { strings } from "../src/i18n";
import { InputEditor, type EditorSpec } from "../src/ui/input_editor";
import { FakeCtx } from "./fake_ctx";

const en = strings("en");
let parent: HTMLDivElement;
let edits: Float32Array[];
let editor: InputEditor;

beforeEach(() => {
  document.body.replaceChildren();
  parent = document.createElement("div");
  document.body.appendChild(parent);
  edits = [];
  editor = new InputEditor(parent, (values) => edits.push(values));
  // What jsdom does without the canvas package, minus its "not implemented" console noise.
  vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue(null);
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** A mouse event at (x, y) inside its target (jsdom has no layout, so offsetX/Y are set by hand). */
function mouse(type: string, x: number, y: number, shiftKey = false): MouseEvent {
  const event = new MouseEvent(type, { bubbles: true, shiftKey });
  Object.defineProperty(event, "offsetX", { value: x });
  Object.defineProperty(event, "offsetY", { value: y });
  return event;
}

describe("InputEditor: sliders", () => {
  const spec: EditorSpec = { kind: "sliders", shape: [3], range: [0, 1] };

  it("makes one range input per value", () => {
    expect(editor.el.parentElement).toBe(parent);
    expect(editor.el.hidden).toBe(true);
    editor.render(spec, Float32Array.from([0.1, 0.5, 0.9]), en);
    expect(editor.el.hidden).toBe(false);
    expect(editor.el.dataset.kind).toBe("sliders");
    const inputs = [...editor.el.querySelectorAll<HTMLInputElement>('input[type="range"]')];
    expect(inputs).toHaveLength(3);
    expect(inputs.map((i) => Number(i.value))).toEqual([0.1, 0.5, 0.9].map(Math.fround));
    expect([...editor.el.querySelectorAll(".dlw-slider > span:first-child")].map((s) => s.textContent)).toEqual([
      "x[0]",
      "x[1]",
      "x[2]",
    ]);
  });

  it("a change hands over the whole sample with the edited value", () => {
    editor.render(spec, Float32Array.from([0.1, 0.5, 0.9]), en);
    const input = editor.el.querySelectorAll<HTMLInputElement>('input[type="range"]')[1]!;
    input.value = "0.7";
    input.dispatchEvent(new Event("input", { bubbles: true }));
    expect(edits).toHaveLength(0); // dragging: not yet
    expect(input.parentElement?.querySelector(".dlw-value")?.textContent).toBe("0.7000");
    input.dispatchEvent(new Event("change", { bubbles: true }));
    expect(edits).toHaveLength(1);
    expect(edits[0]).toBeInstanceOf(Float32Array);
    expect(edits[0]).toEqual(Float32Array.from([0.1, 0.7, 0.9]));
  });

  it("hands over a copy, not its own array", () => {
    const values = Float32Array.from([0.2, 0.4]);
    editor.render({ ...spec, shape: [2] }, values, en);
    const input = editor.el.querySelector<HTMLInputElement>('input[type="range"]')!;
    input.dispatchEvent(new Event("change", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
    expect(edits).toHaveLength(2);
    expect(edits[0]).not.toBe(edits[1]);
    expect(edits[0]).not.toBe(values);
    edits[0]![0] = 99;
    expect(edits[1]![0]).toBeCloseTo(0.2, 6);
  });
});

describe("InputEditor: hidden", () => {
  it("kind none, no spec or no values hide it", () => {
    const values = Float32Array.from([0.5]);
    editor.render({ kind: "sliders", shape: [1], range: [0, 1] }, values, en);
    expect(editor.el.hidden).toBe(false);
    editor.render({ kind: "none", shape: [1], range: [0, 1] }, values, en);
    expect(editor.el.hidden).toBe(true);
    editor.render({ kind: "sliders", shape: [1], range: [0, 1] }, values, en);
    editor.render(undefined, values, en);
    expect(editor.el.hidden).toBe(true);
    editor.render({ kind: "sliders", shape: [1], range: [0, 1] }, null, en);
    expect(editor.el.hidden).toBe(true);
  });
});

describe("InputEditor: image", () => {
  const spec: EditorSpec = { kind: "image", shape: [1, 8, 8], range: [-1, 1] };
  const values = (): Float32Array => Float32Array.from({ length: 64 }, (_, k) => (k % 5) / 4 - 0.5);

  it("makes a w·cell × h·cell pad and a clear button (painting without a 2D context)", () => {
    expect(() => editor.render(spec, values(), en)).not.toThrow();
    const canvas = editor.el.querySelector<HTMLCanvasElement>("canvas.dlw-pad")!;
    expect(canvas).not.toBeNull();
    const cell = Math.max(6, Math.floor(196 / 8));
    expect(canvas.width).toBe(8 * cell);
    expect(canvas.height).toBe(8 * cell);
    expect(canvas.title).toBe(en.drawHint);
    expect(editor.el.querySelector('[data-action="clear"]')?.textContent).toBe(en.clear);
    expect(editor.el.dataset.kind).toBe("image");
  });

  it("paints each cell grey by its value: low end white, high end black", () => {
    const ctx = new FakeCtx();
    vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue(ctx as unknown as CanvasRenderingContext2D);
    const v = new Float32Array(64).fill(-1);
    v[9] = 1;
    v[10] = 0;
    editor.render(spec, v, en);
    const cell = Math.max(6, Math.floor(196 / 8));
    const rects = ctx.ops("fillRect");
    expect(rects).toHaveLength(64);
    expect(rects[9]!.args).toEqual([1 * cell, 1 * cell, cell, cell]);
    expect(rects[9]!.fillStyle).toBe("rgb(0,0,0)");
    expect(rects[10]!.fillStyle).toBe("rgb(128,128,128)");
    expect(rects[0]!.fillStyle).toBe("rgb(255,255,255)");
  });

  it("keeps a small cell size readable on a wide pad", () => {
    editor.render({ ...spec, shape: [1, 28, 56] }, new Float32Array(28 * 56), en);
    const canvas = editor.el.querySelector<HTMLCanvasElement>("canvas")!;
    expect(canvas.width).toBe(56 * 6);
    expect(canvas.height).toBe(28 * 6);
  });

  it("clear sets every value to the low end of the range", () => {
    editor.render(spec, values(), en);
    editor.el.querySelector<HTMLButtonElement>('[data-action="clear"]')!.click();
    expect(edits).toHaveLength(1);
    expect(edits[0]).toEqual(new Float32Array(64).fill(-1));
  });

  it("drawing inks the cell under the pointer, committed on mouseup", () => {
    editor.render(spec, values(), en);
    const canvas = editor.el.querySelector<HTMLCanvasElement>("canvas")!;
    const cell = canvas.width / 8;
    canvas.dispatchEvent(mouse("mousedown", 1.5 * cell, 2.5 * cell));
    canvas.dispatchEvent(mouse("mousemove", 3.5 * cell, 2.5 * cell));
    expect(edits).toHaveLength(0);
    // Mid-stroke, a new render from the kernel must not replace the pad.
    editor.render(spec, new Float32Array(64), en);
    expect(editor.el.querySelector("canvas")).toBe(canvas);
    canvas.dispatchEvent(mouse("mouseup", 3.5 * cell, 2.5 * cell));
    expect(edits).toHaveLength(1);
    const expected = values();
    expected[2 * 8 + 1] = 1;
    expected[2 * 8 + 3] = 1;
    expect(edits[0]).toEqual(expected);
  });

  it("shift erases to the low end", () => {
    editor.render(spec, new Float32Array(64).fill(1), en);
    const canvas = editor.el.querySelector<HTMLCanvasElement>("canvas")!;
    const cell = canvas.width / 8;
    canvas.dispatchEvent(mouse("mousedown", 0.5 * cell, 7.5 * cell, true));
    canvas.dispatchEvent(mouse("mouseleave", -1, -1));
    const expected = new Float32Array(64).fill(1);
    expected[7 * 8] = -1;
    expect(edits).toEqual([expected]);
  });
});

describe("InputEditor: plane", () => {
  const spec: EditorSpec = { kind: "plane", shape: [2], range: [-1, 1] };

  it("renders a square canvas and nothing else", () => {
    expect(() => editor.render(spec, Float32Array.from([0.2, -0.4]), en)).not.toThrow();
    expect(editor.el.hidden).toBe(false);
    expect(editor.el.dataset.kind).toBe("plane");
    expect(editor.el.children).toHaveLength(1);
    const canvas = editor.el.querySelector<HTMLCanvasElement>("canvas.dlw-plane")!;
    expect(canvas).not.toBeNull();
    expect(canvas.width).toBe(150);
    expect(canvas.height).toBe(150);
    expect(canvas.title).toBe(en.pickHint);
  });

  it("a click moves the point: x to the right, y upwards", () => {
    editor.render(spec, Float32Array.from([0.2, -0.4]), en);
    const canvas = editor.el.querySelector<HTMLCanvasElement>("canvas")!;
    canvas.dispatchEvent(mouse("mousedown", 112.5, 37.5));
    canvas.dispatchEvent(mouse("mouseup", 112.5, 37.5));
    expect(edits).toHaveLength(1);
    expect(Array.from(edits[0]!)).toEqual([0.5, 0.5]);
  });

  it("a drag released on the canvas leaves the editor free to follow the kernel", () => {
    editor.render(spec, Float32Array.from([0.2, -0.4]), en);
    const canvas = editor.el.querySelector<HTMLCanvasElement>("canvas")!;
    canvas.dispatchEvent(mouse("mousedown", 10, 10));
    canvas.dispatchEvent(mouse("mouseup", 10, 10));
    editor.render({ kind: "sliders", shape: [2], range: [-1, 1] }, Float32Array.from([0, 0]), en);
    expect(editor.el.dataset.kind).toBe("sliders");
  });

  // A drag that leaves the plane ends there, so later renders from the kernel get through.
  it("a drag released outside the plane still lets later renders through", () => {
    editor.render(spec, Float32Array.from([0.2, -0.4]), en);
    const canvas = editor.el.querySelector<HTMLCanvasElement>("canvas")!;
    canvas.dispatchEvent(mouse("mousedown", 10, 10));
    canvas.dispatchEvent(mouse("mouseleave", -5, 10));
    document.body.dispatchEvent(mouse("mouseup", -5, 10));
    editor.render({ kind: "sliders", shape: [2], range: [-1, 1] }, Float32Array.from([0, 0]), en);
    expect(editor.el.dataset.kind).toBe("sliders");
  });
});
