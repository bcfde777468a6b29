// RecurrentView's front end: an RNN, GRU or LSTM unrolled over time, one
// column per step. The stepper walks through time; hovering a unit shows its
// values, clicking it writes out its arithmetic. Every number came from the kernel.

import type { AnyModel, RenderProps } from "@anywidget/types";
import { formatNumber, strings, type Strings } from "../i18n";
import { type EdgeChoice, paintCurrentStep, paintEdges, paintHeadLinks, paintLabels, paintRing, paintUnits, visible } from "../render/recurrent_painter";
import { strongestEdges } from "../scene/edge_filter";
import { RecurrentData, type RecurrentTopology, type RecurrentValues } from "../scene/recurrent";
import { recurrentArithmetic, strongestHidden } from "../scene/recurrent_arithmetic";
import { layoutRecurrent, type RecurrentLayout, unitAt, unitPoint, type UnitHit } from "../scene/recurrent_layout";
import { ArithmeticPanel } from "../ui/arithmetic_panel";
import { Banner } from "../ui/banner";
import { Legend } from "../ui/legend";
import type { Row } from "../ui/rows";
import { coalesced } from "../ui/coalesce";
import { Player, stepperKey } from "../ui/player";
import { Stepper } from "../ui/stepper";
import { Tooltip } from "../ui/tooltip";

// Largest |replay − module output| that is rounding, not a different computation.
const REPLAY_TOLERANCE = 1e-3;

interface Selection {
  layer: number;
  step: number;
  unit: number;
}

interface Traits {
  topology: RecurrentTopology;
  values: RecurrentValues;
  step: number;
  selected: Selection | null;
  show_gates: boolean;
  playing: boolean;
  interval: number;
  error: string;
  lang: string;
}

/** What tests read from the page (`root.dlwidgetsView`). */
export interface RecurrentHandle {
  /** Page coordinates of unit `unit` (its true index) of band "x", "h0", "h1"…, "y" at step `step`. */
  unitCenter(band: string, step: number, unit: number): { x: number; y: number } | null;
  readonly labels: string[];
}

const TRAITS = ["topology", "values", "step", "selected", "show_gates", "playing", "interval", "error", "lang"] as const;
const DEFAULT_WIDTH = 760;
/** Edges drawn per weight matrix per step: the strongest signals |w·a| of that step, at least this many. */
const MIN_EDGES = 12;

function fill(template: string, parts: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => String(parts[key] ?? ""));
}

class RecurrentViewController {
  private readonly root: HTMLDivElement;
  private readonly stage: HTMLDivElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly stepper: Stepper;
  private readonly note: HTMLDivElement;
  private readonly tooltip: Tooltip;
  private readonly panel: ArithmeticPanel;
  private readonly legend: Legend;
  private readonly gatesBox: HTMLLabelElement;
  private readonly gatesInput: HTMLInputElement;
  private readonly gatesText = document.createElement("span");
  private readonly banner: Banner;
  private data: RecurrentData | null = null;
  private layout: RecurrentLayout | null = null;
  private layoutKey = "";
  private layoutWidth = 0;
  private shownStep = -1;
  private readonly cache = document.createElement("canvas");
  private cacheKey = "";
  private readonly resize: ResizeObserver;
  /** [step][band]: the strongest signals |w·x_t| and |w·h_{t−1}| of that step. */
  private choice: (EdgeChoice | null)[][] = [];
  private seen: { topology?: RecurrentTopology; values?: RecurrentValues } = {};
  private hover: UnitHit | null = null;
  private readonly player = new Player();
  private readonly onChange = coalesced(() => this.sync());

  constructor(
    private readonly model: AnyModel<Traits>,
    el: HTMLElement,
  ) {
    this.root = document.createElement("div");
    this.root.className = "dlw-network dlw-recurrent";
    this.root.tabIndex = 0;
    this.banner = new Banner(this.root);
    this.stepper = new Stepper(this.root, {
      go: (step) => this.go(step),
      togglePlay: () => this.set("playing", !this.model.get("playing")),
      setInterval: (seconds) => this.set("interval", seconds),
      setAnimate: () => undefined, // nothing travels between columns here
    });
    this.note = document.createElement("div");
    this.note.className = "dlw-note";
    this.root.appendChild(this.note);
    this.stage = document.createElement("div");
    this.stage.className = "dlw-stage";
    this.canvas = document.createElement("canvas");
    this.canvas.className = "dlw-canvas";
    this.stage.appendChild(this.canvas);
    this.tooltip = new Tooltip(this.stage);
    this.root.appendChild(this.stage);
    this.panel = new ArithmeticPanel(this.root);
    this.legend = new Legend(this.root);
    const options = document.createElement("div");
    options.className = "dlw-options";
    this.gatesBox = document.createElement("label");
    this.gatesInput = document.createElement("input");
    this.gatesInput.type = "checkbox";
    this.gatesInput.className = "dlw-gates";
    this.gatesInput.addEventListener("change", () => this.set("show_gates", this.gatesInput.checked));
    this.gatesBox.append(this.gatesInput, this.gatesText);
    options.appendChild(this.gatesBox);
    this.root.appendChild(options);
    el.appendChild(this.root);

    this.canvas.addEventListener("mousemove", (e) => this.onPointer(e.offsetX, e.offsetY));
    this.canvas.addEventListener("mouseleave", () => this.onPointer(-1, -1));
    this.canvas.addEventListener("click", (e) => this.onClick(e.offsetX, e.offsetY));
    this.root.addEventListener("keydown", (e) => this.onKey(e));
    for (const name of TRAITS) this.model.on(`change:${name}`, this.onChange);
    // The layout fills the view's width: redo it when the output area is resized.
    this.resize = new ResizeObserver(() => {
      if (Math.round(this.stage.clientWidth) !== this.layoutWidth) this.onChange();
    });
    this.resize.observe(this.stage);

    const handle: RecurrentHandle = {
      unitCenter: (band, step, unit) => this.unitCenter(band, step, unit),
      get labels() {
        return [...(model.get("values")?.labels ?? [])];
      },
    };
    Object.defineProperty(this.root, "dlwidgetsView", { value: handle });
    this.sync();
  }

  dispose(): void {
    for (const name of TRAITS) this.model.off(`change:${name}`, this.onChange);
    this.player.stop();
    this.resize.disconnect();
    this.root.remove();
  }

  private get t(): Strings {
    return strings(this.model.get("lang"));
  }

  private set<K extends keyof Traits>(name: K, value: Traits[K]): void {
    this.model.set(name, value);
    this.model.save_changes();
  }

  private get steps(): number {
    return this.data?.steps ?? 1;
  }

  private go(step: number): void {
    const clamped = Math.max(0, Math.min(this.steps - 1, step));
    if (clamped !== this.model.get("step")) this.set("step", clamped);
  }

  private sync(): void {
    try {
      this.readTraits();
      if (this.model.get("error")) this.banner.show(this.t.error, this.model.get("error"));
      else this.banner.hide();
      this.syncTimer();
      this.draw();
    } catch (err) {
      this.banner.show(this.t.error, err instanceof Error ? err.message : String(err));
    }
  }

  private readTraits(): void {
    const topology = this.model.get("topology");
    const values = this.model.get("values");
    if (topology?.bands === undefined || values?.bands === undefined) {
      throw new Error("this view has no recurrent layer to draw (its state is empty)");
    }
    if (topology !== this.seen.topology || values !== this.seen.values) {
      this.data = new RecurrentData(topology, values);
      const data = this.data;
      this.choice = Array.from({ length: data.steps }, (_, t) =>
        data.bands.map((band, b) => {
          if (band.wIn === null || band.wHh === null) return null;
          const limit = Math.max(MIN_EDGES, 2 * band.info.units);
          const below = data.stepRow(b - 1, t);
          const before = t > 0 ? data.stepRow(b, t - 1) : band.h0;
          return {
            input: strongestEdges(band.wIn, below, limit).indices,
            recurrent: strongestEdges(band.wHh, before, limit).indices,
          };
        }),
      );
      this.seen = { topology, values };
      this.layoutKey = "";
    }
    const data = this.data!;
    const gates = this.model.get("show_gates") ? data.topology.gates.length + (data.topology.cell === "LSTM" ? 1 : 0) : 0;
    const width = Math.round(this.stage.clientWidth) || DEFAULT_WIDTH;
    this.layoutWidth = Math.round(this.stage.clientWidth);
    const key = `${topology.steps}:${topology.bands.map((b) => b.units).join(",")}:${gates}:${width}`;
    if (key !== this.layoutKey) {
      this.layoutKey = key;
      const bands = data.bands.map((b) => ({ units: b.info.units, hidden: b.info.role === "hidden" }));
      this.layout = layoutRecurrent(data.steps, bands, gates, width);
      const dpr = window.devicePixelRatio || 1;
      this.canvas.width = Math.round(this.layout.width * dpr);
      this.canvas.height = Math.round(this.layout.height * dpr);
      this.canvas.style.width = `${this.layout.width}px`;
      this.canvas.style.height = `${this.layout.height}px`;
    }
    const t = this.t;
    const step = this.model.get("step");
    this.stepper.render(
      { step, steps: data.steps, playing: this.model.get("playing"), interval: this.model.get("interval"), animate: false, label: this.stepLabel(step) },
      t,
    );
    this.gatesBox.hidden = data.topology.gates.length === 0;
    this.gatesInput.checked = this.model.get("show_gates");
    this.gatesText.textContent = ` ${t.showGates}`;
    this.showNotes(data, t);
    const edgeTitle = data.topology.cell === "RNN" ? t.weightLegend : t.recurrentEdges;
    this.legend.update(t, data.values.ranges.hidden, data.values.ranges.weight, t.hiddenState, edgeTitle);
    this.showArithmetic(data, step);
    this.root.dataset.columns = String(data.steps);
    this.root.dataset.step = String(step);
    this.root.dataset.cell = data.topology.cell;
    this.root.dataset.gates = gates > 0 ? "1" : "0";
    this.root.dataset.revision = String(data.values.revision);
  }

  private stepLabel(step: number): string {
    const data = this.data!;
    const label = data.values.labels[step] ?? "";
    const total = data.topology.total_steps;
    return `${this.t.timeStep} t = ${step + data.topology.first_step} / ${total - 1} · ${visible(label)}`;
  }

  private showNotes(data: RecurrentData, t: Strings): void {
    const lines: string[] = [];
    const top = data.topology;
    if (top.steps < top.total_steps) lines.push(fill(t.stepsShown, { shown: top.steps, total: top.total_steps }));
    for (const band of top.bands) {
      if (band.units < band.total_units) lines.push(fill(t.unitsShown, { name: this.bandName(band.name), shown: band.units, total: band.total_units }));
    }
    const limits = (this.choice[0] ?? []).filter(
      (c): c is EdgeChoice => c !== null && (c.input !== null || c.recurrent !== null),
    );
    if (limits.length > 0) {
      const shown = limits.map((c) => c.recurrent?.length ?? c.input?.length ?? 0);
      const total = data.bands.filter((b) => b.wHh !== null).map((b) => b.wHh!.data.length);
      lines.push(`${t.edgesPerStep} ${shown[0]} / ${total[0]} (h_{t−1} → h_t)`);
    }
    if (this.model.get("show_gates") && top.gates.length > 0) {
      const letters = [...top.gates, ...(top.cell === "LSTM" ? ["c"] : [])].join(" ");
      lines.push(fill(t.gatesNote, { letters, range: formatNumber(data.values.ranges.cell) }));
    }
    // cuDNN's kernels round differently from the replay (about 1e-4); dropout differs by far more.
    if (data.values.agreement > REPLAY_TOLERANCE) lines.push(fill(t.replayDiffers, { diff: formatNumber(data.values.agreement) }));
    this.note.textContent = lines.join(" · ");
    this.note.hidden = lines.length === 0;
  }

  private bandName(name: string): string {
    const t = this.t;
    if (name === "x") return `x (${t.input})`;
    if (name === "y") return "y";
    return `h (${t.layer} ${name.slice(1)})`;
  }

  private showArithmetic(data: RecurrentData, step: number): void {
    const selected = this.model.get("selected");
    let target: { band: number; unit: number } | null = null;
    let at = step;
    let note = this.t.strongest;
    if (selected !== null && selected !== undefined) {
      const band = data.bands.findIndex((b) => b.info.role === "hidden" && b.info.layer === selected.layer);
      const unit = band < 0 ? -1 : data.bands[band]!.info.unit_index.indexOf(selected.unit);
      if (unit >= 0 && selected.step < data.steps) {
        target = { band, unit };
        at = selected.step;
        note = this.t.selectedNeuron;
      }
    }
    target ??= strongestHidden(data, step);
    if (target === null) this.panel.show(null, "");
    else this.panel.show(recurrentArithmetic(data, target.band, at, target.unit, this.t), note);
  }

  private syncTimer(): void {
    this.player.sync(this.model.get("playing"), this.model.get("interval"), () => {
      const next = this.model.get("step") + 1;
      if (next >= this.steps) this.set("playing", false);
      else this.set("step", next);
    });
  }

  // -- drawing ----------------------------------------------------------------------

  /** The drawing is cached once per step, input and layout; hovering only adds rings over it. */
  private draw(): void {
    const data = this.data;
    const layout = this.layout;
    const ctx = this.canvas.getContext("2d");
    if (data === null || layout === null || ctx === null) return;
    const step = this.model.get("step");
    const gates = this.model.get("show_gates");
    const key = `${data.values.revision}:${this.layoutKey}:${step}:${gates}:${this.model.get("lang")}`;
    if (key !== this.cacheKey) {
      this.paintCache(data, layout, step, gates);
      this.cacheKey = key;
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    ctx.drawImage(this.cache, 0, 0);
    const dpr = window.devicePixelRatio || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const selected = this.selectedHit();
    if (selected !== null) paintRing(ctx, layout, selected, "#111111");
    if (this.hover !== null) paintRing(ctx, layout, this.hover, "#9a6700");
    if (step !== this.shownStep) this.scrollTo(layout, step);
    this.shownStep = step;
    this.root.dataset.drawnStep = String(step);
  }

  private paintCache(data: RecurrentData, layout: RecurrentLayout, step: number, gates: boolean): void {
    this.cache.width = this.canvas.width;
    this.cache.height = this.canvas.height;
    const ctx = this.cache.getContext("2d");
    if (ctx === null) return;
    const dpr = window.devicePixelRatio || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    paintCurrentStep(ctx, layout, step);
    const edges = paintEdges(ctx, layout, data, step, (t, b) => this.choice[t]?.[b] ?? null);
    paintHeadLinks(ctx, layout, data, step);
    const units = paintUnits(ctx, layout, data, step, gates);
    paintLabels(ctx, layout, data, step, gates, (b) => this.bandName(data.bands[b]!.info.name));
    this.root.dataset.units = String(units);
    this.root.dataset.edges = String(edges);
  }

  /** A view wider than its area scrolls so that the stepper's column stays in sight. */
  private scrollTo(layout: RecurrentLayout, step: number): void {
    const x = layout.columns[step];
    const visible = this.stage.clientWidth;
    if (x === undefined || visible === 0 || layout.width <= visible) return;
    const left = this.stage.scrollLeft;
    if (x < left + 40 || x > left + visible - 40) this.stage.scrollLeft = Math.max(0, x - visible / 2);
  }

  private selectedHit(): UnitHit | null {
    const selected = this.model.get("selected");
    const data = this.data;
    if (selected === null || selected === undefined || data === null) return null;
    const band = data.bands.findIndex((b) => b.info.role === "hidden" && b.info.layer === selected.layer);
    const unit = band < 0 ? -1 : data.bands[band]!.info.unit_index.indexOf(selected.unit);
    return unit < 0 ? null : { band, step: selected.step, unit };
  }

  private unitCenter(name: string, step: number, unit: number): { x: number; y: number } | null {
    const data = this.data;
    const layout = this.layout;
    if (data === null || layout === null) return null;
    const b = data.band(name);
    const u = b < 0 ? -1 : data.bands[b]!.info.unit_index.indexOf(unit);
    if (u < 0 || step < 0 || step >= data.steps) return null;
    const box = this.canvas.getBoundingClientRect();
    const p = unitPoint(layout, b, step, u);
    return { x: box.left + p.x, y: box.top + p.y };
  }

  // -- pointer and keyboard --------------------------------------------------------------

  private onPointer(x: number, y: number): void {
    if (this.layout === null || this.data === null) return;
    const hit = x < 0 ? null : unitAt(this.layout, x, y);
    const usable = hit !== null && this.data.present(hit.band, hit.step) && hit.step <= this.model.get("step");
    const next = usable ? hit : null;
    const changed = next?.band !== this.hover?.band || next?.step !== this.hover?.step || next?.unit !== this.hover?.unit;
    this.hover = next;
    if (next === null) this.tooltip.hide();
    else this.showTooltip(next, x, y);
    if (changed) this.draw();
  }

  private showTooltip(hit: UnitHit, x: number, y: number): void {
    const data = this.data!;
    const t = this.t;
    const band = data.bands[hit.band]!;
    const unit = band.info.unit_index[hit.unit]!;
    const value = data.value(hit.band, hit.step, hit.unit);
    const time = hit.step + data.topology.first_step;
    const label = visible(data.values.labels[hit.step] ?? "");
    const rows: Row[] = [];
    let title: string;
    if (band.info.role === "hidden") {
      title = `${data.topology.module} · ${data.topology.cell} · ${t.layer} ${band.info.layer} · t = ${time} · ${t.unit} ${unit}`;
      rows.push({ key: "h", label: "h_t", value: formatNumber(value), numeric: value });
      const names = [...data.topology.gates, ...(data.topology.cell === "LSTM" ? ["c"] : [])];
      names.forEach((name, g) => {
        const v = data.gate(hit.band, g, hit.step, hit.unit);
        rows.push({ key: name, label: name === "c" ? "c_t" : name, value: formatNumber(v), numeric: v });
      });
    } else {
      const what = band.info.role === "input" ? t.input : t.outputValue;
      title = `${what} · t = ${time} · ${t.unit} ${unit}`;
      rows.push({ key: band.info.name, label: band.info.name, value: formatNumber(value), numeric: value });
    }
    rows.push({ key: "token", label: t.input, value: label });
    this.tooltip.show(title, rows, x, y);
  }

  private onClick(x: number, y: number): void {
    if (this.layout === null || this.data === null) return;
    const hit = unitAt(this.layout, x, y);
    const band = hit === null ? null : this.data.bands[hit.band]!;
    if (hit === null || band === null || band.info.role !== "hidden" || hit.step > this.model.get("step")) {
      this.set("selected", null);
      return;
    }
    this.set("selected", { layer: band.info.layer, step: hit.step, unit: band.info.unit_index[hit.unit]! });
  }

  private onKey(event: KeyboardEvent): void {
    if (event.target !== this.root && event.target !== this.canvas) return;
    const togglePlay = (): void => this.set("playing", !this.model.get("playing"));
    const action = stepperKey(event.key, this.model.get("step"), this.steps, (step) => this.go(step), togglePlay);
    if (action === null) return;
    event.preventDefault();
    action();
  }
}

export default {
  render({ model, el }: RenderProps<Traits>) {
    const controller = new RecurrentViewController(model, el);
    return () => controller.dispose();
  },
};
