// Editors for the input of the chosen sample: a drawing pad for small images,
// a point on a plane for two features, sliders for a few. Each finished edit
// hands the whole sample's values to `onEdit` (the kernel runs the model).

import { formatNumber, type Strings } from "../i18n";

export interface EditorSpec {
  kind: "image" | "plane" | "sliders" | "none";
  shape: number[];
  range: [number, number];
}

const PLANE = 150;

export class InputEditor {
  readonly el: HTMLDivElement;
  private spec: EditorSpec = { kind: "none", shape: [], range: [0, 1] };
  private values = new Float32Array(0);
  private drawing = false;

  constructor(
    parent: HTMLElement,
    private readonly onEdit: (values: Float32Array) => void,
  ) {
    this.el = document.createElement("div");
    this.el.className = "dlw-editor";
    this.el.hidden = true;
    parent.appendChild(this.el);
  }

  /** Show the editor for `values` (the chosen sample's input), unless the user is mid-edit. */
  render(spec: EditorSpec | undefined, values: Float32Array | null, t: Strings): void {
    if (this.drawing) return;
    if (spec === undefined || spec.kind === "none" || values === null) {
      this.el.hidden = true;
      return;
    }
    this.spec = spec;
    this.values = Float32Array.from(values);
    this.el.hidden = false;
    this.el.dataset.kind = spec.kind;
    if (spec.kind === "image") this.renderImage(t);
    else if (spec.kind === "plane") this.renderPlane(t);
    else this.renderSliders();
  }

  private commit(): void {
    this.onEdit(Float32Array.from(this.values));
  }

  /** A press and drag on `canvas` calls `onPoint`; releasing or leaving it commits the edit once. */
  private trackDrag(canvas: HTMLCanvasElement, onPoint: (event: MouseEvent) => void): void {
    canvas.addEventListener("mousedown", (e) => {
      this.drawing = true;
      onPoint(e);
    });
    canvas.addEventListener("mousemove", (e) => {
      if (this.drawing) onPoint(e);
    });
    const finish = (): void => {
      if (!this.drawing) return;
      this.drawing = false;
      this.commit();
    };
    canvas.addEventListener("mouseup", finish);
    canvas.addEventListener("mouseleave", finish);
  }

  private renderImage(t: Strings): void {
    const [h, w] = this.spec.shape.slice(-2) as [number, number];
    const cell = Math.max(6, Math.floor(196 / Math.max(h, w)));
    const canvas = document.createElement("canvas");
    canvas.className = "dlw-pad";
    canvas.width = w * cell;
    canvas.height = h * cell;
    canvas.title = t.drawHint;
    const [lo, hi] = this.spec.range;
    const paint = (): void => {
      const ctx = canvas.getContext("2d");
      if (ctx === null) return;
      for (let r = 0; r < h; r++) {
        for (let c = 0; c < w; c++) {
          const level = Math.round(255 * (1 - (this.values[r * w + c]! - lo) / (hi - lo || 1)));
          ctx.fillStyle = `rgb(${level},${level},${level})`;
          ctx.fillRect(c * cell, r * cell, cell, cell);
        }
      }
    };
    const ink = (event: MouseEvent): void => {
      const c = Math.floor(event.offsetX / cell);
      const r = Math.floor(event.offsetY / cell);
      if (r < 0 || r >= h || c < 0 || c >= w) return;
      const erase = event.shiftKey;
      // A soft brush on large pads, one cell on small ones (the 8×8 digits).
      const spots: [number, number, number][] = h > 12 ? [[0, 0, 1], [0, 1, 0.5], [1, 0, 0.5], [0, -1, 0.5], [-1, 0, 0.5]] : [[0, 0, 1]];
      for (const [dr, dc, strength] of spots) {
        const rr = r + dr;
        const cc = c + dc;
        if (rr < 0 || rr >= h || cc < 0 || cc >= w) continue;
        const k = rr * w + cc;
        const target = erase ? lo : lo + strength * (hi - lo);
        this.values[k] = erase ? Math.min(this.values[k]!, target) : Math.max(this.values[k]!, target);
      }
      paint();
    };
    this.trackDrag(canvas, ink);
    const clear = document.createElement("button");
    clear.type = "button";
    clear.textContent = t.clear;
    clear.dataset.action = "clear";
    clear.addEventListener("click", () => {
      this.values.fill(lo);
      paint();
      this.commit();
    });
    paint();
    this.el.replaceChildren(canvas, clear);
  }

  private renderPlane(t: Strings): void {
    const canvas = document.createElement("canvas");
    canvas.className = "dlw-plane";
    canvas.width = PLANE;
    canvas.height = PLANE;
    canvas.title = t.pickHint;
    const [lo, hi] = this.spec.range;
    const toPx = (v: number): number => ((v - lo) / (hi - lo || 1)) * PLANE;
    const fromPx = (px: number): number => lo + (px / PLANE) * (hi - lo);
    const paint = (): void => {
      const ctx = canvas.getContext("2d");
      if (ctx === null) return;
      ctx.fillStyle = "#f6f8fa";
      ctx.fillRect(0, 0, PLANE, PLANE);
      ctx.strokeStyle = "#d0d7de";
      ctx.beginPath();
      ctx.moveTo(PLANE / 2, 0);
      ctx.lineTo(PLANE / 2, PLANE);
      ctx.moveTo(0, PLANE / 2);
      ctx.lineTo(PLANE, PLANE / 2);
      ctx.stroke();
      ctx.fillStyle = "#1f2328";
      ctx.beginPath();
      ctx.arc(toPx(this.values[0]!), PLANE - toPx(this.values[1]!), 5, 0, 2 * Math.PI);
      ctx.fill();
    };
    const move = (event: MouseEvent): void => {
      this.values[0] = fromPx(event.offsetX);
      this.values[1] = fromPx(PLANE - event.offsetY);
      paint();
    };
    this.trackDrag(canvas, move);
    paint();
    this.el.replaceChildren(canvas);
  }

  private renderSliders(): void {
    const [lo, hi] = this.spec.range;
    const span = hi - lo;
    const sliders = Array.from(this.values, (value, k) => {
      const label = document.createElement("label");
      label.className = "dlw-slider";
      const name = document.createElement("span");
      name.textContent = `x[${k}]`;
      const input = document.createElement("input");
      input.type = "range";
      input.min = String(lo - 0.5 * span);
      input.max = String(hi + 0.5 * span);
      input.step = String(span / 200);
      input.value = String(value);
      const shown = document.createElement("span");
      shown.className = "dlw-value";
      shown.textContent = formatNumber(value);
      input.addEventListener("input", () => {
        this.values[k] = Number(input.value);
        shown.textContent = formatNumber(this.values[k]!);
      });
      input.addEventListener("change", () => this.commit());
      label.append(name, input, shown);
      return label;
    });
    this.el.replaceChildren(...sliders);
  }
}
