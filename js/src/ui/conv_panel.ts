// The arithmetic of the selected pixel, as the kernel computed it: per input
// channel Σ kernel ⊙ patch, + bias = z, then each activation; the kernel,
// patch and products as small grids (at once for one input channel, on click
// of a channel's row otherwise); for a pooled pixel, its window and the max.

import { formatNumber } from "../i18n";
import { css, diverging } from "../render/colors";
import { decodeFloat32, type WireArray } from "../wire";
import type { FeatureMapStrings } from "./feature_map_strings";
import { rowElements, type Row } from "./rows";

interface Step {
  kind: string;
  value: number;
}

export interface Detail {
  layer: string;
  channel: number;
  y: number;
  x: number;
  value: number | null;
  rf: Record<string, { y0: number; y1: number; x0: number; x1: number }>;
  arithmetic:
    | { kind: "conv"; in_channels: number[]; kernel: WireArray; patch: WireArray; terms: number[]; bias: number; z: number; steps: Step[] }
    | { kind: "pool"; op: string; window: WireArray; mask: WireArray; value: number; steps: Step[] }
    | null;
}

const SHOWN_TERMS = 8;

function grid(title: string, values: Float32Array, rows: number, cols: number, key: string, mask?: Float32Array): HTMLElement {
  const box = document.createElement("div");
  box.className = "dlw-grid-box";
  const heading = document.createElement("div");
  heading.className = "dlw-grid-title";
  heading.textContent = title;
  const table = document.createElement("div");
  table.className = "dlw-grid";
  table.dataset.key = key;
  table.style.gridTemplateColumns = `repeat(${cols}, auto)`;
  const range = Math.max(1e-12, ...Array.from(values, Math.abs));
  for (let i = 0; i < rows * cols; i++) {
    const cell = document.createElement("span");
    const v = values[i]!;
    cell.textContent = mask !== undefined && mask[i] === 0 ? "·" : v.toFixed(2);
    cell.dataset.value = String(v);
    cell.style.background = css(diverging((0.8 * v) / range));
    table.appendChild(cell);
  }
  box.append(heading, table);
  return box;
}

export class ConvPanel {
  readonly el: HTMLDivElement;
  private expanded: number | null = null;
  private shown: Detail | null = null;
  private title = "";
  private t: FeatureMapStrings | null = null;

  constructor(parent: HTMLElement) {
    this.el = document.createElement("div");
    this.el.className = "dlw-arithmetic dlw-conv-panel";
    this.el.setAttribute("aria-live", "polite");
    parent.appendChild(this.el);
  }

  show(detail: Detail | null, title: string, t: FeatureMapStrings): void {
    if (detail === null) {
      this.el.hidden = true;
      this.shown = null;
      return;
    }
    if (detail !== this.shown) this.expanded = null;
    this.shown = detail;
    this.title = title;
    this.t = t;
    this.render();
  }

  private render(): void {
    const detail = this.shown;
    const t = this.t;
    if (detail === null || t === null) return;
    const title = this.title;
    const heading = document.createElement("div");
    heading.className = "dlw-arithmetic-title";
    heading.textContent = title;
    const parts: HTMLElement[] = [heading];
    const a = detail.arithmetic;
    if (a === null) {
      const value = detail.value ?? NaN;
      parts.push(...rowElements([{ key: "a", label: t.inputPixel, value: formatNumber(value), numeric: value }]));
    } else if (a.kind === "conv") {
      parts.push(...this.conv(a, t));
    } else {
      const window = decodeFloat32(a.window);
      const mask = decodeFloat32(a.mask).data;
      const [kh, kw] = [window.shape[0] ?? 1, window.shape[1] ?? 1];
      const grids = document.createElement("div");
      grids.className = "dlw-grids";
      grids.appendChild(grid(t.window, window.data, kh, kw, "window", mask));
      parts.push(grids);
      const rows: Row[] = [{ key: "pool", label: `${a.op}(${t.window})`, value: formatNumber(a.value), numeric: a.value }];
      a.steps.forEach((s, i) => rows.push({ key: `step-${i}`, label: `${s.kind}(…)`, value: formatNumber(s.value), numeric: s.value }));
      const last = a.steps.length > 0 ? a.steps[a.steps.length - 1]!.value : a.value;
      rows.push({ key: "a", label: t.value, value: formatNumber(last), numeric: last });
      parts.push(...rowElements(rows));
    }
    this.el.replaceChildren(...parts);
    this.el.hidden = false;
  }

  private conv(a: Extract<NonNullable<Detail["arithmetic"]>, { kind: "conv" }>, t: FeatureMapStrings): HTMLElement[] {
    const kernel = decodeFloat32(a.kernel);
    const patch = decodeFloat32(a.patch);
    const [channels, kh, kw] = [kernel.shape[0] ?? 1, kernel.shape[1] ?? 1, kernel.shape[2] ?? 1];
    const per = kh * kw;
    const order = a.terms.map((_, i) => i).sort((i, j) => Math.abs(a.terms[j]!) - Math.abs(a.terms[i]!));
    const shown = order.slice(0, SHOWN_TERMS);
    const rest = order.slice(SHOWN_TERMS);
    const parts: HTMLElement[] = [];
    const expanded = channels === 1 ? 0 : this.expanded;
    const termRows = rowElements(
      shown.map((i) => ({
        key: `term-${a.in_channels[i]}`,
        label: `${t.inChannel} ${a.in_channels[i]}: Σ w·x`,
        value: formatNumber(a.terms[i]!),
        numeric: a.terms[i]!,
      })),
    );
    termRows.forEach((row, r) => {
      const i = shown[r]!;
      row.classList.add("dlw-term");
      row.addEventListener("click", () => {
        this.expanded = this.expanded === i ? null : i;
        this.render();
      });
      parts.push(row);
      if (i !== expanded) return;
      row.classList.add("dlw-expanded");
      const k = kernel.data.subarray(i * per, (i + 1) * per);
      const x = patch.data.subarray(i * per, (i + 1) * per);
      const products = k.map((w, j) => w * x[j]!);
      const grids = document.createElement("div");
      grids.className = "dlw-grids";
      grids.dataset.channel = String(a.in_channels[i]);
      const op = (text: string): HTMLSpanElement => {
        const s = document.createElement("span");
        s.className = "dlw-grid-op";
        s.textContent = text;
        return s;
      };
      grids.append(
        grid(t.patch, x, kh, kw, "patch"),
        op("×"),
        grid(t.kernel, k, kh, kw, "kernel"),
        op("="),
        grid(t.products, products, kh, kw, "products"),
      );
      parts.push(grids); // under the row it explains
    });
    const rows: Row[] = [];
    if (rest.length > 0) {
      const sum = rest.reduce((s, i) => s + a.terms[i]!, 0);
      rows.push({ key: "others", label: `${t.others} (${rest.length})`, value: formatNumber(sum), numeric: sum });
    }
    rows.push({ key: "bias", label: t.bias, value: formatNumber(a.bias), numeric: a.bias });
    rows.push({ key: "z", label: t.z, value: formatNumber(a.z), numeric: a.z });
    a.steps.forEach((s, i) => {
      rows.push({ key: `step-${i}`, label: `${s.kind}(${i === 0 ? "z" : "…"})`, value: formatNumber(s.value), numeric: s.value });
    });
    const last = a.steps.length > 0 ? a.steps[a.steps.length - 1]!.value : a.z;
    rows.push({ key: "a", label: `a (${t.value})`, value: formatNumber(last), numeric: last });
    parts.push(...rowElements(rows));
    return parts;
  }
}
