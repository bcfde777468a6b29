// NetworkView's front end: reads the traits, lays out once per structure,
// renders the edge layer when weights change, composes a frame per change.
// It never recomputes the model: every number shown came from the kernel.

import type { AnyModel, RenderProps } from "@anywidget/types";
import { formatNumber, strings, type Strings } from "../i18n";
import { paintBlocks, paintEdges, paintLinks, paintNeurons, paintRing } from "../render/network_painter";
import {
  blockAt,
  layoutNetwork,
  middleY,
  neuronAt,
  preferredHeight,
  unitY,
  type Layout,
  type UnitRef,
} from "../scene/layout";
import { NetworkData, type ParamsTrait, type Topology, type ValuesTrait } from "../scene/network";
import { Banner } from "../ui/banner";
import { Legend } from "../ui/legend";
import { Tooltip, type TooltipRow } from "../ui/tooltip";

interface Selection {
  layer: string;
  index: number;
}

interface Traits {
  topology: Topology;
  params: ParamsTrait;
  values: ValuesTrait;
  selected: Selection | null;
  step: number;
  sample: number;
  error: string;
  lang: string;
}

/** What tests and the benchmark read from the page (`root.dlwidgetsView`). */
export interface ViewHandle {
  neuronCenter(layer: string, index: number): { x: number; y: number } | null;
  readonly neurons: number;
  readonly edges: number;
}

const DEFAULT_WIDTH = 760;

class NetworkViewController {
  private readonly root: HTMLDivElement;
  private readonly stage: HTMLDivElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly edgeLayer: HTMLCanvasElement;
  private readonly labels: HTMLDivElement;
  private readonly picker: HTMLLabelElement;
  private readonly pickerInput: HTMLInputElement;
  private readonly pickerLabel: HTMLSpanElement;
  private readonly pickerTotal: HTMLSpanElement;
  private readonly tooltip: Tooltip;
  private readonly legend: Legend;
  private readonly banner: Banner;
  private readonly resize: ResizeObserver;
  private data: NetworkData | null = null;
  private layout: Layout | null = null;
  private layoutWidth = 0; // the stage width the layout was made for (it may scroll wider)
  private seen: { topology?: Topology; params?: ParamsTrait; values?: ValuesTrait } = {};
  private edgesDirty = true;
  private edgeStep = -1;
  private hover: UnitRef | null = null;
  private syncQueued = false;
  private frames = 0;
  private readonly onChange = (): void => this.queueSync();

  constructor(
    private readonly model: AnyModel<Traits>,
    el: HTMLElement,
  ) {
    this.root = document.createElement("div");
    this.root.className = "dlw-network";
    this.root.tabIndex = 0;
    this.banner = new Banner(this.root);

    this.picker = document.createElement("label");
    this.picker.className = "dlw-sample";
    this.pickerInput = document.createElement("input");
    this.pickerInput.type = "number";
    this.pickerInput.min = "0";
    this.pickerInput.addEventListener("input", () => {
      const value = Number(this.pickerInput.value);
      const count = this.data?.samples ?? 1;
      if (Number.isInteger(value) && value >= 0 && value < count) {
        this.model.set("sample", value);
        this.model.save_changes();
      }
    });
    this.pickerLabel = document.createElement("span");
    this.pickerTotal = document.createElement("span");
    this.picker.append(this.pickerLabel, this.pickerInput, this.pickerTotal);
    this.root.appendChild(this.picker);

    this.stage = document.createElement("div");
    this.stage.className = "dlw-stage";
    this.canvas = document.createElement("canvas");
    this.canvas.className = "dlw-canvas";
    this.edgeLayer = document.createElement("canvas");
    this.labels = document.createElement("div");
    this.labels.className = "dlw-labels";
    this.stage.append(this.canvas, this.labels);
    this.tooltip = new Tooltip(this.stage);
    this.root.appendChild(this.stage);
    this.legend = new Legend(this.root);
    el.appendChild(this.root);

    this.canvas.addEventListener("mousemove", (e) => this.onPointer(e.offsetX, e.offsetY));
    this.canvas.addEventListener("mouseleave", () => this.onPointer(-1, -1));
    this.canvas.addEventListener("click", (e) => this.onClick(e.offsetX, e.offsetY));
    for (const name of ["topology", "params", "values", "selected", "step", "sample", "error", "lang"]) {
      this.model.on(`change:${name}`, this.onChange);
    }
    this.resize = new ResizeObserver(() => {
      if (this.layout !== null && Math.round(this.stage.clientWidth) !== this.layoutWidth) {
        this.layout = null;
        this.queueSync();
      }
    });
    this.resize.observe(this.stage);

    const root = this.root;
    const handle: ViewHandle = {
      neuronCenter: (layer, index) => this.neuronCenter(layer, index),
      get neurons() {
        return Number(root.dataset.neurons ?? 0);
      },
      get edges() {
        return Number(root.dataset.edges ?? 0);
      },
    };
    Object.defineProperty(this.root, "dlwidgetsView", { value: handle });
    this.sync();
  }

  dispose(): void {
    for (const name of ["topology", "params", "values", "selected", "step", "sample", "error", "lang"]) {
      this.model.off(`change:${name}`, this.onChange);
    }
    this.resize.disconnect();
    this.root.remove();
  }

  private get t(): Strings {
    return strings(this.model.get("lang"));
  }

  // Several traits arrive in one message; handle them together once.
  private queueSync(): void {
    if (this.syncQueued) return;
    this.syncQueued = true;
    queueMicrotask(() => {
      this.syncQueued = false;
      this.sync();
    });
  }

  private sync(): void {
    try {
      this.readTraits();
      const error = this.model.get("error");
      if (error) this.banner.show(this.t.error, error);
      else this.banner.hide();
      this.draw();
    } catch (err) {
      this.banner.show(this.t.error, err instanceof Error ? err.message : String(err));
    }
  }

  private readTraits(): void {
    const topology = this.model.get("topology");
    const params = this.model.get("params");
    const values = this.model.get("values");
    if (topology?.columns === undefined || params?.columns === undefined || values?.columns === undefined) {
      throw new Error("this view has no network to draw (its state is empty)");
    }
    if (topology !== this.seen.topology || params !== this.seen.params || values !== this.seen.values) {
      this.data = new NetworkData(topology, params, values);
      if (topology !== this.seen.topology) this.layout = null;
      if (params !== this.seen.params || topology !== this.seen.topology) this.edgesDirty = true;
      this.seen = { topology, params, values };
    }
    const data = this.data!;
    if (this.layout === null) {
      const units = data.columns.map((c) => c.units);
      this.layoutWidth = Math.round(this.stage.clientWidth) || DEFAULT_WIDTH;
      this.layout = layoutNetwork(units, this.layoutWidth, preferredHeight(units));
      this.resizeCanvases(this.layout);
      this.edgesDirty = true;
    }
    this.placeLabels(data, this.layout);
    this.legend.update(this.t, data.valueRange, data.weightRange);
    this.picker.hidden = data.samples <= 1;
    this.pickerInput.max = String(data.samples - 1);
    const sample = String(this.model.get("sample"));
    if (document.activeElement !== this.pickerInput || this.pickerInput.value === "") {
      this.pickerInput.value = sample;
    }
    this.pickerLabel.textContent = `${this.t.sample} `;
    this.pickerTotal.textContent = ` ${this.t.of} ${data.samples}`;
    this.root.dataset.neurons = String(data.neuronCount);
    this.root.dataset.edges = String(data.edgeCount);
    this.root.dataset.revision = String(data.revision);
  }

  private resizeCanvases(layout: Layout): void {
    const dpr = window.devicePixelRatio || 1;
    for (const canvas of [this.canvas, this.edgeLayer]) {
      canvas.width = Math.round(layout.width * dpr);
      canvas.height = Math.round(layout.height * dpr);
    }
    this.canvas.style.width = `${layout.width}px`;
    this.canvas.style.height = `${layout.height}px`;
  }

  private placeLabels(data: NetworkData, layout: Layout): void {
    const t = this.t;
    const items = data.columns.map((column, c) => {
      const item = document.createElement("div");
      item.className = "dlw-column-label";
      item.dataset.layer = column.name;
      item.style.left = `${layout.columns[c]!.x}px`;
      const name = document.createElement("strong");
      name.textContent = column.kind === "Input" ? t.input : column.name;
      const detail = document.createElement("span");
      if (column.units === 0) {
        detail.textContent = column.kind === "Input" ? `[${column.shape.join(", ")}]` : column.kind;
      } else {
        const kind = column.kind === "Input" ? "" : `${column.kind} · ${column.activation ?? t.identity} · `;
        detail.textContent = `${kind}${column.units} ${t.units}`;
      }
      item.append(name, detail);
      return item;
    });
    this.labels.replaceChildren(...items);
  }

  private draw(): void {
    const data = this.data;
    const layout = this.layout;
    if (data === null || layout === null) return;
    const dpr = window.devicePixelRatio || 1;
    const step = this.model.get("step");
    if (this.edgesDirty || step !== this.edgeStep) {
      const edgeCtx = this.edgeLayer.getContext("2d");
      if (edgeCtx !== null) {
        edgeCtx.setTransform(dpr, 0, 0, dpr, 0, 0);
        edgeCtx.clearRect(0, 0, layout.width, layout.height);
        paintLinks(edgeCtx, layout, data, step);
        paintEdges(edgeCtx, layout, data, step);
      }
      this.edgesDirty = false;
      this.edgeStep = step;
    }
    const ctx = this.canvas.getContext("2d");
    if (ctx === null) return;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    ctx.drawImage(this.edgeLayer, 0, 0);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    paintBlocks(ctx, layout, data, step);
    paintNeurons(ctx, layout, data, this.model.get("sample"), step);
    const selected = this.selectedRef();
    if (selected !== null) paintRing(ctx, layout, selected, "#111111", 2.5);
    if (this.hover !== null) paintRing(ctx, layout, this.hover, "rgba(17,17,17,0.45)", 1.5);
    this.frames++;
    this.root.dataset.frames = String(this.frames);
    const { revision, sentAt } = data;
    requestAnimationFrame(() => {
      this.root.dataset.drawnRevision = String(revision);
      performance.mark("dlwidgets:frame", { detail: { revision, sentAt, drawnAt: Date.now() } });
    });
  }

  private selectedRef(): UnitRef | null {
    const selected = this.model.get("selected");
    if (selected === null || selected === undefined || this.data === null) return null;
    const column = this.data.columns.findIndex((c) => c.name === selected.layer);
    return column < 0 ? null : { column, unit: selected.index };
  }

  private neuronCenter(layer: string, index: number): { x: number; y: number } | null {
    if (this.data === null || this.layout === null) return null;
    const c = this.data.columns.findIndex((col) => col.name === layer);
    const col = this.layout.columns[c];
    if (col === undefined) return null;
    const box = this.canvas.getBoundingClientRect();
    if (col.units === 0) return { x: box.left + col.x, y: box.top + middleY(this.layout) };
    if (index < 0 || index >= col.units) return null;
    return { x: box.left + col.x, y: box.top + unitY(col, index) };
  }

  private onPointer(x: number, y: number): void {
    if (this.layout === null || this.data === null) return;
    const ref = x < 0 ? null : neuronAt(this.layout, x, y);
    const changed = ref?.column !== this.hover?.column || ref?.unit !== this.hover?.unit;
    this.hover = ref;
    const block = ref === null && x >= 0 ? blockAt(this.layout, x, y) : null;
    if (ref !== null) this.showTooltip(ref, x, y);
    else if (block !== null) this.showBlockTooltip(block, x, y);
    else this.tooltip.hide();
    if (changed) this.draw();
  }

  private showTooltip(ref: UnitRef, x: number, y: number): void {
    const data = this.data!;
    const t = this.t;
    const column = data.columns[ref.column]!;
    const sample = this.model.get("sample");
    const a = data.activation(ref.column, ref.unit, sample);
    if (column.kind === "Input") {
      this.tooltip.show(`${t.input} · ${t.unit} ${ref.unit}`, [{ key: "a", label: t.value, value: formatNumber(a) }], x, y);
      return;
    }
    const rows: TooltipRow[] = [];
    const z = data.preActivation(ref.column, ref.unit, sample);
    if (z !== null) rows.push({ key: "z", label: t.preActivation, value: formatNumber(z) });
    const bias = data.bias(ref.column, ref.unit);
    if (bias !== null) rows.push({ key: "bias", label: t.bias, value: formatNumber(bias) });
    const f = column.activation ?? t.identity;
    rows.push({ key: "a", label: `${t.activationOut} = ${f}(z)`, value: formatNumber(a) });
    this.tooltip.show(`${column.name} · ${t.neuron} ${ref.unit}`, rows, x, y);
  }

  private showBlockTooltip(c: number, x: number, y: number): void {
    const column = this.data!.columns[c]!;
    const rows: TooltipRow[] = [{ key: "shape", label: this.t.shape, value: `[${column.shape.join(", ")}]` }];
    if (column.records.length > 1) {
      rows.push({ key: "records", label: this.t.steps, value: column.records.join(", ") });
    }
    this.tooltip.show(`${column.name} · ${column.kind}`, rows, x, y);
  }

  private onClick(x: number, y: number): void {
    if (this.layout === null || this.data === null) return;
    const ref = neuronAt(this.layout, x, y);
    const selection = ref === null ? null : { layer: this.data.columns[ref.column]!.name, index: ref.unit };
    this.model.set("selected", selection);
    this.model.save_changes();
  }
}

export default {
  render({ model, el }: RenderProps<Traits>) {
    const controller = new NetworkViewController(model, el);
    return () => controller.dispose();
  },
};
