// FeatureMapView's front end: decodes the maps once per forward pass, lays the
// columns out once per structure, paints on change; hover reads values from the
// decoded maps, a click sets `selected` and the kernel answers with `detail`
// (the receptive field and the arithmetic), which is drawn as it comes.

import type { AnyModel, RenderProps } from "@anywidget/types";
import { formatNumber, strings } from "../i18n";
import { divergingGradient } from "../render/colors";
import { paintColumns, paintSelection } from "../render/feature_maps";
import { fitFeatureMaps, hitTest, toFull, toShown, type FeatureLayout, type Hit } from "../render/feature_maps_layout";
import { decodeScene, mapValue, type MapColumn, type Structure, type ValuesTrait } from "../scene/feature_maps";
import { Banner } from "../ui/banner";
import { coalesced } from "../ui/coalesce";
import { ConvPanel, type Detail } from "../ui/conv_panel";
import { featureMapStrings, type FeatureMapStrings } from "../ui/feature_map_strings";
import type { Row } from "../ui/rows";
import { selectElement } from "../ui/select";
import { createStage } from "../ui/stage";
import type { Tooltip } from "../ui/tooltip";

interface Pixel {
  layer: string;
  channel: number;
  y: number;
  x: number;
}

interface Traits {
  structure: Structure;
  values: ValuesTrait;
  selected: Pixel | null;
  detail: Detail | null;
  color_range: "layer" | "map";
  error: string;
  lang: string;
}

/** What tests read from the page (`root.dlwidgetsView`). */
export interface FeatureMapHandle {
  /** Screen coordinates of the centre of a full-resolution map pixel (null if not drawn). */
  pixelCenter(layer: string, channel: number, y: number, x: number): { x: number; y: number } | null;
  /** The receptive field rectangles drawn now, by column name. */
  readonly fields: Record<string, { y0: number; y1: number; x0: number; x1: number }>;
}

const TRAITS = ["structure", "values", "selected", "detail", "color_range", "error", "lang"] as const;
const DEFAULT_WIDTH = 760;

class FeatureMapController {
  private readonly root: HTMLDivElement;
  private readonly stage: HTMLDivElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly labels: HTMLDivElement;
  private readonly note: HTMLDivElement;
  private readonly tooltip: Tooltip;
  private readonly panel: ConvPanel;
  private readonly banner: Banner;
  private readonly legend: HTMLDivElement;
  private readonly rangeText = document.createElement("span");
  private readonly range: HTMLSelectElement;
  private columns: MapColumn[] = [];
  private layout: FeatureLayout | null = null;
  private layoutWidth = 0; // the stage width the layout was made for
  private readonly base = document.createElement("canvas"); // the painted maps, reused by hovers
  private baseKey = "";
  private readonly resize: ResizeObserver;
  private seen: { structure?: Structure; values?: ValuesTrait } = {};
  private hover: Hit | null = null;
  private readonly onChange = coalesced(() => this.sync());

  constructor(
    private readonly model: AnyModel<Traits>,
    el: HTMLElement,
  ) {
    this.root = document.createElement("div");
    this.root.className = "dlw-network dlw-feature-maps";
    this.banner = new Banner(this.root);
    this.note = document.createElement("div");
    this.note.className = "dlw-reduction";
    this.root.appendChild(this.note);
    ({ stage: this.stage, canvas: this.canvas, labels: this.labels, tooltip: this.tooltip } = createStage());
    this.root.appendChild(this.stage);
    this.legend = document.createElement("div");
    this.legend.className = "dlw-legend";
    this.range = selectElement("dlw-color-range", [["", "layer"], ["", "map"]], (value) => {
      this.model.set("color_range", value === "map" ? "map" : "layer");
      this.model.save_changes();
    });
    this.root.appendChild(this.legend);
    this.panel = new ConvPanel(this.root);
    el.appendChild(this.root);

    this.canvas.addEventListener("mousemove", (e) => this.onHover(e.offsetX, e.offsetY));
    this.canvas.addEventListener("mouseleave", () => this.onHover(-1, -1));
    this.canvas.addEventListener("click", (e) => this.onClick(e.offsetX, e.offsetY));
    for (const name of TRAITS) this.model.on(`change:${name}`, this.onChange);
    this.resize = new ResizeObserver(() => {
      if (Math.round(this.stage.clientWidth) !== this.layoutWidth) this.onChange();
    });
    this.resize.observe(this.stage);

    const handle: FeatureMapHandle = {
      pixelCenter: (layer, channel, y, x) => this.pixelCenter(layer, channel, y, x),
      get fields() {
        return (model.get("detail")?.rf ?? {}) as FeatureMapHandle["fields"];
      },
    };
    Object.defineProperty(this.root, "dlwidgetsView", { value: handle });
    this.sync();
  }

  dispose(): void {
    for (const name of TRAITS) this.model.off(`change:${name}`, this.onChange);
    this.resize.disconnect();
    this.root.remove();
  }

  private get t(): FeatureMapStrings {
    return featureMapStrings(this.model.get("lang"));
  }

  private sync(): void {
    try {
      const error = this.model.get("error");
      if (error) this.banner.show(strings(this.model.get("lang")).error, error);
      else this.banner.hide();
      this.read();
      this.legendContent();
      this.draw();
      this.showDetail();
    } catch (err) {
      this.banner.show(strings(this.model.get("lang")).error, err instanceof Error ? err.message : String(err));
    }
  }

  private read(): void {
    const structure = this.model.get("structure");
    const values = this.model.get("values");
    if (structure?.columns === undefined || values?.columns === undefined) {
      throw new Error("this view has no feature maps to draw (its state is empty)");
    }
    const width = Math.round(this.stage.clientWidth) || DEFAULT_WIDTH;
    if (structure === this.seen.structure && values === this.seen.values && width === this.layoutWidth) return;
    this.columns = decodeScene(structure, values);
    this.layout = fitFeatureMaps(this.columns, width);
    this.layoutWidth = width;
    this.baseKey = "";
    this.seen = { structure, values };
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(this.layout.width * dpr);
    this.canvas.height = Math.round(this.layout.height * dpr);
    this.canvas.style.width = `${this.layout.width}px`;
    this.canvas.style.height = `${this.layout.height}px`;
    this.placeLabels();
    this.showReduction();
    this.root.dataset.revision = String(values.revision);
  }

  private placeLabels(): void {
    const t = this.t;
    const layout = this.layout!;
    this.labels.replaceChildren(
      ...this.columns.map((column, c) => {
        const box = layout.columns[c]!;
        const spec = column.spec;
        const item = document.createElement("div");
        item.className = "dlw-column-label";
        item.dataset.layer = spec.name;
        item.style.left = `${box.x + box.width / 2}px`;
        // As wide as the column's share of the picture: narrow columns cut their labels short.
        const pitch = (layout.columns[c + 1]?.x ?? layout.width) - box.x;
        item.style.maxWidth = `${Math.max(48, pitch - 4)}px`;
        const name = document.createElement("strong");
        name.textContent = spec.kind === "Input" ? t.input : spec.name;
        const kind = document.createElement("span");
        const steps = [spec.kind, ...spec.activations];
        const softmax = spec.role === "output" && !spec.activations.some((a) => /softmax/i.test(a));
        kind.textContent = spec.kind === "Input" ? "" : [...steps, ...(softmax ? ["softmax"] : [])].join(" → ");
        const shape = document.createElement("span");
        shape.textContent = `[${spec.shape.join("×")}]`;
        item.append(name, kind, shape);
        item.title = [name, kind, shape].map((e) => e.textContent).filter((text) => text).join("\n");
        if (column.grouped > 0) {
          const note = document.createElement("span");
          note.className = "dlw-edge-count";
          note.textContent = `${column.channels.length - 1}/${spec.shape[0]} ${t.channels}`;
          item.appendChild(note);
        }
        return item;
      }),
    );
  }

  /** What was reduced before sending, said once above the picture. */
  private showReduction(): void {
    const t = this.t;
    const maps = this.columns.filter((c) => c.spec.role === "maps");
    const grouped = maps.filter((c) => c.grouped > 0);
    const shrunk = (c: MapColumn): boolean => c.size[0] !== c.spec.shape[1] || c.size[1] !== c.spec.shape[2];
    const small = maps.filter((c) => c.spec.kind !== "Input" && shrunk(c));
    const input = maps.find((c) => c.spec.kind === "Input" && shrunk(c));
    const parts: string[] = [];
    if (grouped.length > 0) {
      const all = grouped.reduce((s, c) => s + (c.spec.shape[0] ?? 0), 0);
      const shown = grouped.reduce((s, c) => s + c.channels.length - 1, 0);
      const rest = all - shown;
      parts.push(`${shown} ${t.shownOf} ${all} ${t.channels}, ${rest} ${t.groupedNote} (${grouped.length} ${t.layers})`);
    }
    const largest = (cs: MapColumn[]): string => `${Math.max(...cs.map((c) => c.size[0]))}×${Math.max(...cs.map((c) => c.size[1]))}`;
    if (small.length > 0) parts.push(`${t.downsampled} ${largest(small)} (${small.length} ${t.layers})`);
    if (input !== undefined) parts.push(`${t.inputShown} ${largest([input])}`);
    if (maps.some((c) => !c.exact)) parts.push(t.bits);
    if (parts.length > 0) parts.push(`${(this.model.get("values").bytes / 1024).toFixed(0)} KiB ${t.perPass}`);
    this.note.hidden = parts.length === 0;
    this.note.textContent = parts.length === 0 ? "" : `${t.reducedHeader}: ${parts.join(" · ")}`;
    this.root.dataset.grouped = String(grouped.reduce((s, c) => s + c.grouped, 0));
  }

  private draw(): void {
    const layout = this.layout;
    const ctx = this.canvas.getContext("2d");
    if (layout === null || ctx === null) return;
    const dpr = window.devicePixelRatio || 1;
    // The maps are painted once per pass, layout and colour scale; a hover only
    // copies them and draws its outline.
    const perMap = this.model.get("color_range") === "map";
    const baseKey = `${this.model.get("values").revision}:${perMap}:${layout.width}`;
    const base = this.base.getContext("2d");
    if (base !== null && (baseKey !== this.baseKey || this.base.width !== this.canvas.width)) {
      this.base.width = this.canvas.width;
      this.base.height = this.canvas.height;
      base.fillStyle = "#ffffff";
      base.fillRect(0, 0, this.base.width, this.base.height);
      base.setTransform(dpr, 0, 0, dpr, 0, 0);
      paintColumns(base, layout, this.columns, perMap, this.model.get("structure").labels);
      this.baseKey = baseKey;
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(this.base, 0, 0);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const detail = this.model.get("detail");
    const selected = this.model.get("selected");
    const sel = selected === null ? null : this.locate(selected);
    if (detail !== null && sel !== null) paintSelection(ctx, layout, this.columns, detail.rf, sel);
    if (this.hover !== null && this.columns[this.hover.column]?.spec.role === "maps") {
      const column = this.columns[this.hover.column]!;
      const tile = layout.columns[this.hover.column]!.boxes[this.hover.item]!;
      const [h, w] = column.size;
      ctx.strokeStyle = "rgba(17,17,17,0.6)";
      ctx.lineWidth = 1;
      ctx.strokeRect(tile.x + (this.hover.px / w) * tile.w, tile.y + (this.hover.py / h) * tile.h, tile.w / w, tile.h / h);
    }
    this.root.dataset.drawnRevision = String(this.model.get("values").revision);
    this.root.dataset.selected = selected === null ? "" : `${selected.layer}:${selected.channel}:${selected.y}:${selected.x}`;
  }

  private legendContent(): void {
    const t = this.t;
    const bar = document.createElement("span");
    bar.className = "dlw-legend-bar";
    bar.style.background = divergingGradient();
    const scale = document.createElement("div");
    const label = (text: string): HTMLSpanElement => {
      const s = document.createElement("span");
      s.textContent = text;
      return s;
    };
    scale.append(label(t.negative), bar, label(t.positive));
    const field = document.createElement("div");
    field.className = "dlw-legend-field";
    field.append(label(t.field));
    this.rangeText.textContent = `${t.colorScale} `;
    this.range.options[0]!.textContent = t.perLayer;
    this.range.options[1]!.textContent = t.perMap;
    this.range.value = this.model.get("color_range");
    const choice = document.createElement("label");
    choice.append(this.rangeText, this.range);
    const hint = document.createElement("div");
    hint.className = "dlw-hint";
    hint.textContent = t.hint;
    this.legend.replaceChildren(scale, field, choice, hint);
  }

  /** The drawn map of a selected pixel (null when its channel is grouped or not a map). */
  private locate(pixel: Pixel): { column: number; map: number; y: number; x: number } | null {
    const column = this.columns.findIndex((c) => c.spec.name === pixel.layer);
    const map = this.columns[column]?.channels.indexOf(pixel.channel) ?? -1;
    return column < 0 || map < 0 ? null : { column, map, y: pixel.y, x: pixel.x };
  }

  private pixelCenter(layer: string, channel: number, y: number, x: number): { x: number; y: number } | null {
    const at = this.locate({ layer, channel, y, x });
    if (at === null || this.layout === null) return null;
    const column = this.columns[at.column]!;
    const tile = this.layout.columns[at.column]!.boxes[at.map]!;
    const [py, px] = toShown(column, y, x);
    const [h, w] = column.size;
    const box = this.canvas.getBoundingClientRect();
    return { x: box.left + tile.x + ((px + 0.5) / w) * tile.w, y: box.top + tile.y + ((py + 0.5) / h) * tile.h };
  }

  private showDetail(): void {
    const detail = this.model.get("detail");
    const t = this.t;
    if (detail === null) {
      this.panel.show(null, "", t);
      return;
    }
    const name = detail.layer === "input" ? t.input : detail.layer;
    this.panel.show(detail, `${name} · ${t.channel} ${detail.channel} · (y ${detail.y}, x ${detail.x})`, t);
  }

  private onHover(x: number, y: number): void {
    if (this.layout === null) return;
    const hit = x < 0 ? null : hitTest(this.layout, this.columns, x, y);
    const changed = hit?.column !== this.hover?.column || hit?.item !== this.hover?.item || hit?.py !== this.hover?.py || hit?.px !== this.hover?.px;
    this.hover = hit;
    if (hit === null) this.tooltip.hide();
    else this.showTooltip(hit, x, y);
    if (changed) this.draw();
  }

  private showTooltip(hit: Hit, x: number, y: number): void {
    const t = this.t;
    const column = this.columns[hit.column]!;
    const spec = column.spec;
    const name = spec.kind === "Input" ? t.input : spec.name;
    const rows: Row[] = [];
    let title = name;
    if (spec.role === "maps") {
      const channel = column.channels[hit.item]!;
      const v = mapValue(column, hit.item, hit.py, hit.px);
      const [fy, fx] = toFull(column, hit.py, hit.px);
      title = channel < 0 ? `${name} · ${t.grouped}` : `${name} · ${t.channel} ${channel}`;
      rows.push({ key: "pixel", label: t.pixel, value: `(${fy}, ${fx})` });
      rows.push({ key: "value", label: column.exact ? t.value : t.approx, value: formatNumber(v), numeric: v });
    } else if (spec.role === "output" && column.probs !== null) {
      const k = this.layout!.columns[hit.column]!.classes[hit.item]!;
      title = `${name} · ${this.model.get("structure").labels[k] ?? k}`;
      rows.push({ key: "probability", label: t.probability, value: formatNumber(column.probs[k]!), numeric: column.probs[k]! });
      rows.push({ key: "logit", label: t.logit, value: formatNumber(column.values![k]!), numeric: column.values![k]! });
    } else if (column.values !== null) {
      const v = column.values[hit.item]!;
      title = `${name} · ${t.unit} ${hit.item}`;
      rows.push({ key: "value", label: t.value, value: formatNumber(v), numeric: v });
    } else {
      rows.push({ key: "shape", label: "shape", value: `[${spec.shape.join(", ")}]` });
    }
    this.tooltip.show(title, rows, x, y);
  }

  private onClick(x: number, y: number): void {
    if (this.layout === null) return;
    const hit = hitTest(this.layout, this.columns, x, y);
    const column = hit === null ? undefined : this.columns[hit.column];
    if (hit === null || column === undefined || column.spec.role !== "maps") return;
    const channel = column.channels[hit.item]!;
    if (channel < 0) return; // the grouped mean map stands for many channels
    const [fy, fx] = toFull(column, hit.py, hit.px);
    this.model.set("selected", { layer: column.spec.name, channel, y: fy, x: fx });
    this.model.save_changes();
  }
}

export default {
  render({ model, el }: RenderProps<Traits>) {
    const controller = new FeatureMapController(model, el);
    return () => controller.dispose();
  },
};
