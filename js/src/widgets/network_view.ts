// NetworkView's front end: reads the traits, lays out once per structure,
// renders the edge layer when what it shows changes, composes a frame per
// change, and replays the captured pass step by step without the kernel.
// Every number shown came from the kernel.

import type { AnyModel, RenderProps } from "@anywidget/types";
import { formatNumber, strings, type Strings } from "../i18n";
import { BlockMapPainter, mapPixelAt, paintBlockMapPixels, thumbBox, type MapPixel } from "../render/block_maps";
import { EdgeLayer, type BackendChoice } from "../render/edge_layer";
import {
  type Ctx2D,
  paintBlocks,
  paintCurrentColumn,
  paintEdges,
  paintLinks,
  paintNeurons,
  paintRing,
  paintVeil,
} from "../render/network_painter";
import { phaseStyle, type PhaseStyle } from "../render/phase_style";
import { paintSignals, strongestSignals, type Signal } from "../render/signals";
import { SvgContext } from "../render/svg_context";
import { arithmetic, strongestUnit } from "../scene/arithmetic";
import { edgeAt, type EdgeRef } from "../scene/edge_hit";
import { strongestEdges, type EdgeSelection } from "../scene/edge_filter";
import {
  blockAt,
  layoutNetwork,
  middleY,
  neuronAt,
  preferredHeight,
  slotCounts,
  unitY,
  type Grouping,
  type Layout,
  type UnitGroup,
  type UnitRef,
} from "../scene/layout";
import { NetworkData, type GradsTrait, type ParamsTrait, type Topology, type ValuesTrait } from "../scene/network";
import { describeStep, stepCount, type Step } from "../scene/steps";
import { IDENTITY, isIdentity, panBy, toLayout, toView, zoomAt, type Viewport } from "../scene/viewport";
import { ArithmeticPanel } from "../ui/arithmetic_panel";
import { Banner } from "../ui/banner";
import { InputEditor, type EditorSpec } from "../ui/input_editor";
import { coalesced } from "../ui/coalesce";
import { Legend } from "../ui/legend";
import { Player, stepperKey } from "../ui/player";
import type { Row } from "../ui/rows";
import { selectElement } from "../ui/select";
import { Stepper } from "../ui/stepper";
import { createStage } from "../ui/stage";
import type { Tooltip } from "../ui/tooltip";
import { ValueEditor } from "../ui/value_editor";

interface Selection {
  layer: string;
  index: number;
}

interface Traits {
  topology: Topology;
  params: ParamsTrait;
  values: ValuesTrait;
  grads: GradsTrait | Record<string, never>;
  selected: Selection | null;
  step: number;
  sample: number;
  playing: boolean;
  interval: number;
  animate: boolean;
  lr: number;
  editable: boolean;
  input_editor: EditorSpec;
  edge_limit: number;
  progress: { step?: number | null; loss?: number | null };
  color_range: "global" | "layer";
  error: string;
  lang: string;
  renderer: BackendChoice;
  group_threshold: number;
}

/** What tests and the benchmark read from the page (`root.dlwidgetsView`). */
export interface ViewHandle {
  neuronCenter(layer: string, index: number): { x: number; y: number } | null;
  /** A point `along` (0..1) the drawn edge from unit `from` of the column before into `to`. */
  edgeAt(layer: string, to: number, from: number, along?: number): { x: number; y: number } | null;
  /** The centre of pixel (y, x) of a block's thumbnail `map` (0: its most active channel). */
  mapPoint(layer: string, map: number, y: number, x: number): { x: number; y: number } | null;
  readonly neurons: number;
  readonly edges: number;
}

const TRAITS = [
  "topology", "params", "values", "grads", "selected", "step", "sample", "playing",
  "interval", "animate", "lr", "editable", "input_editor", "edge_limit", "progress", "color_range", "error", "lang",
  "renderer", "group_threshold",
] as const; // prettier-ignore
const EDGE_LIMITS: readonly [string, number][] = [["1k", 1000], ["4k", 4000], ["20k", 20000], ["all", 0]];
const DEFAULT_WIDTH = 760;
const MAX_ANIMATION_MS = 700;

class NetworkViewController {
  private readonly root: HTMLDivElement;
  private readonly stage: HTMLDivElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly edgeLayer = new EdgeLayer();
  private readonly blockMaps = new BlockMapPainter();
  /** Per column, the groups the user opened; a new structure closes them all. */
  private expanded = new Map<number, Set<number>>();
  private readonly collapseButton = document.createElement("button");
  private groupThreshold = -1;
  private readonly labels: HTMLDivElement;
  private readonly picker: HTMLLabelElement;
  private readonly pickerInput: HTMLInputElement;
  private readonly pickerLabel: HTMLSpanElement;
  private readonly pickerTotal: HTMLSpanElement;
  private readonly stepper: Stepper;
  private readonly editor: InputEditor;
  private readonly tooltip: Tooltip;
  private readonly valueEditor: ValueEditor;
  private readonly arithmeticPanel: ArithmeticPanel;
  private readonly legend: Legend;
  private readonly edgeLimit: HTMLSelectElement;
  private readonly edgeLimitBox: HTMLLabelElement;
  private readonly colorRange: HTMLSelectElement;
  private readonly colorRangeText = document.createElement("span");
  private selections: (EdgeSelection | null)[] = [];
  private readonly edgeLimitText = document.createElement("span");
  private readonly shownEdges = (c: number): Uint32Array | null => this.selections[c]?.indices ?? null;
  private readonly banner: Banner;
  private readonly resize: ResizeObserver;
  private data: NetworkData | null = null;
  private layout: Layout | null = null;
  private layoutWidth = 0; // the stage width the layout was made for (it may scroll wider)
  private seen: { topology?: Topology; params?: ParamsTrait; values?: ValuesTrait; grads?: unknown } = {};
  private edgeKey = "";
  private linkKey = "";
  private panelKey = ""; // what the legend and the arithmetic panel last showed
  private shownStep = -1;
  private hover: UnitRef | null = null;
  private frames = 0;
  private readonly player = new Player();
  private animationFrame: number | null = null;
  private markedRevision = -1;
  private styleCache: { key: string; data: NetworkData; style: PhaseStyle } | null = null;
  private editorKey = "";
  // Pan and zoom: `viewport` is what the user sees; the cached edge layer was
  // painted for `painted`, and is repainted crisp once the user pauses.
  private viewport: Viewport = IDENTITY;
  private painted: Viewport = IDENTITY;
  private crispTimer: number | null = null;
  private drag: { x: number; y: number; moved: boolean } | null = null;
  private animation: { signals: Signal[]; column: number; start: number; duration: number } | null = null;
  private readonly onChange = (): void => this.queueSync();
  // The kernel asks for a picture of what is on screen (view.save_image).
  private readonly onMessage = (msg: { type?: string; format?: string; request?: number }): void => {
    if (msg.type !== "snapshot") return;
    const format = msg.format === "svg" ? "svg" : "png";
    void this.snapshot(format).then(async (blob) => {
      const bytes = await blob.arrayBuffer();
      this.model.send({ type: "snapshot", format, request: msg.request }, undefined, [bytes]);
    });
  };

  constructor(
    private readonly model: AnyModel<Traits>,
    el: HTMLElement,
  ) {
    this.root = document.createElement("div");
    this.root.className = "dlw-network";
    this.root.tabIndex = 0;
    this.banner = new Banner(this.root);
    this.stepper = new Stepper(this.root, {
      go: (step) => this.go(step),
      togglePlay: () => this.set("playing", !this.model.get("playing")),
      setInterval: (seconds) => this.set("interval", seconds),
      setAnimate: (on) => this.set("animate", on),
    });

    const top = document.createElement("div");
    top.className = "dlw-top";
    this.picker = document.createElement("label");
    this.picker.className = "dlw-sample";
    this.pickerInput = document.createElement("input");
    this.pickerInput.type = "number";
    this.pickerInput.min = "0";
    this.pickerInput.addEventListener("input", () => {
      const value = Number(this.pickerInput.value);
      if (Number.isInteger(value) && value >= 0 && value < (this.data?.samples ?? 1)) this.set("sample", value);
    });
    this.pickerLabel = document.createElement("span");
    this.pickerTotal = document.createElement("span");
    this.picker.append(this.pickerLabel, this.pickerInput, this.pickerTotal);
    top.appendChild(this.picker);
    this.editor = new InputEditor(top, (values) => this.sendInput(values));
    this.root.appendChild(top);

    ({ stage: this.stage, canvas: this.canvas, labels: this.labels, tooltip: this.tooltip } = createStage());
    this.valueEditor = new ValueEditor(this.stage);
    this.root.appendChild(this.stage);
    this.arithmeticPanel = new ArithmeticPanel(this.root);
    this.legend = new Legend(this.root);
    this.edgeLimit = selectElement("dlw-edge-limit", EDGE_LIMITS, (value) =>
      this.set("edge_limit", Number(value)),
    );
    // Labels are set in the view's language when the legend is drawn.
    this.colorRange = selectElement(
      "dlw-color-range",
      [
        ["", "global"],
        ["", "layer"],
      ],
      (value) => this.set("color_range", value === "layer" ? "layer" : "global"),
    );
    const options = document.createElement("div");
    options.className = "dlw-options";
    const rangeBox = document.createElement("label");
    rangeBox.append(this.colorRangeText, this.colorRange);
    this.edgeLimitBox = document.createElement("label");
    this.edgeLimitBox.append(this.edgeLimitText, this.edgeLimit);
    const saveBox = document.createElement("span");
    saveBox.className = "dlw-save";
    for (const format of ["png", "svg"] as const) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = format.toUpperCase();
      button.dataset.action = `save-${format}`;
      button.addEventListener("click", () => void this.download(format));
      saveBox.appendChild(button);
    }
    this.collapseButton.type = "button";
    this.collapseButton.dataset.action = "collapse-groups";
    this.collapseButton.hidden = true;
    this.collapseButton.addEventListener("click", () => this.setExpanded(new Map()));
    options.append(rangeBox, this.edgeLimitBox, this.collapseButton, saveBox);
    this.root.appendChild(options);
    this.model.on("msg:custom", this.onMessage);
    el.appendChild(this.root);

    this.canvas.addEventListener("mousemove", (e) => this.onMove(e));
    this.canvas.addEventListener("mouseleave", () => {
      this.drag = null;
      this.onPointer(-1, -1);
    });
    this.canvas.addEventListener("mousedown", (e) => {
      this.drag = { x: e.offsetX, y: e.offsetY, moved: false };
    });
    this.canvas.addEventListener("mouseup", () => {
      if (this.drag !== null && !this.drag.moved) this.onClick(this.drag.x, this.drag.y);
      this.drag = null;
    });
    this.canvas.addEventListener("wheel", (e) => this.onWheel(e), { passive: false });
    this.canvas.addEventListener("dblclick", () => this.setViewport(IDENTITY, true));
    this.root.addEventListener("keydown", (e) => this.onKey(e));
    for (const name of TRAITS) this.model.on(`change:${name}`, this.onChange);
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
      edgeAt: (layer, to, from, along = 0.5) => this.edgePoint(layer, to, from, along),
      mapPoint: (layer, map, y, x) => this.mapPoint(layer, map, y, x),
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
    for (const name of TRAITS) this.model.off(`change:${name}`, this.onChange);
    this.model.off("msg:custom", this.onMessage);
    this.player.stop();
    this.resize.disconnect();
    this.edgeLayer.dispose();
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
    return this.data === null ? 1 : stepCount(this.data.columns.length, this.data.backward !== null);
  }

  private currentStep(): Step {
    const columns = this.data?.columns.length ?? 1;
    return describeStep(this.model.get("step"), columns, this.data?.backward != null);
  }

  private go(step: number): void {
    const clamped = Math.max(0, Math.min(this.steps - 1, step));
    if (clamped !== this.model.get("step")) this.set("step", clamped);
  }

  // Several traits arrive in one message; handle them together once.
  private readonly queueSync = coalesced(() => this.sync());

  private sync(): void {
    try {
      this.readTraits();
      const error = this.model.get("error");
      if (error) this.banner.show(this.t.error, error);
      else this.banner.hide();
      this.syncTimer();
      this.startAnimationIfStepped();
      this.draw();
    } catch (err) {
      this.banner.show(this.t.error, err instanceof Error ? err.message : String(err));
    }
  }

  private readTraits(): void {
    const topology = this.model.get("topology");
    const params = this.model.get("params");
    const values = this.model.get("values");
    const grads = this.model.get("grads");
    if (topology?.columns === undefined || params?.columns === undefined || values?.columns === undefined) {
      throw new Error("this view has no network to draw (its state is empty)");
    }
    const changed =
      topology !== this.seen.topology ||
      params !== this.seen.params ||
      values !== this.seen.values ||
      grads !== this.seen.grads;
    if (changed) {
      const backward = "columns" in grads ? (grads as GradsTrait) : null;
      this.data = new NetworkData(topology, params, values, backward);
      if (topology !== this.seen.topology) {
        this.setExpanded(new Map()); // and a new layout
        this.viewport = this.painted = IDENTITY; // a new structure: start unzoomed
      }
      this.edgeKey = "";
      this.linkKey = "";
      this.panelKey = "";
      this.seen = { topology, params, values, grads };
    }
    const data = this.data!;
    const threshold = Math.max(0, this.model.get("group_threshold") ?? 0);
    if (threshold !== this.groupThreshold) {
      this.groupThreshold = threshold;
      this.layout = null;
    }
    if (this.layout === null) {
      const units = data.columns.map((c) => c.units);
      const grouping: Grouping = { threshold, expanded: (c) => this.expanded.get(c) ?? new Set() };
      this.layoutWidth = Math.round(this.stage.clientWidth) || DEFAULT_WIDTH;
      this.layout = layoutNetwork(units, this.layoutWidth, preferredHeight(slotCounts(units, grouping)), grouping);
      this.resizeCanvases(this.layout);
      this.edgeKey = "";
    }
    const t = this.t;
    const sample = this.model.get("sample");
    this.placeLabels(data, this.layout);
    if (this.edgeKey !== "") this.showEdgeCounts(this.model.get("edge_limit") ?? 4000);
    this.labels.children[this.currentStep().column]?.classList.add("dlw-current");
    this.picker.hidden = data.samples <= 1;
    this.pickerInput.max = String(data.samples - 1);
    if (document.activeElement !== this.pickerInput || this.pickerInput.value === "") {
      this.pickerInput.value = String(sample);
    }
    this.pickerLabel.textContent = `${t.sample} `;
    const batch = data.totalSamples > data.samples ? ` (${t.firstOf} ${data.totalSamples})` : "";
    this.pickerTotal.textContent = ` ${t.of} ${data.samples}${batch}`;
    // Rebuilt only when its input changes: not on every step of a playing stepper.
    const editorKey = `${data.revision}:${sample}:${this.model.get("lang")}:${JSON.stringify(this.model.get("input_editor"))}`;
    if (editorKey !== this.editorKey) {
      this.editorKey = editorKey;
      this.editor.render(this.model.get("input_editor"), data.row(0, sample), t);
    }
    this.stepper.render(
      {
        step: this.model.get("step"),
        steps: this.steps,
        playing: this.model.get("playing"),
        interval: this.model.get("interval"),
        animate: this.model.get("animate"),
        label: this.stepLabel(),
      },
      t,
    );
    this.collapseButton.textContent = t.collapseGroups;
    this.root.dataset.neurons = String(data.neuronCount);
    this.root.dataset.edges = String(data.edgeCount);
    this.root.dataset.revision = String(data.revision);
    this.root.dataset.phase = this.currentStep().phase;
  }

  private stepLabel(): string {
    const t = this.t;
    const data = this.data!;
    const step = this.currentStep();
    const column = data.columns[step.column]!;
    const phase = step.phase === "forward" ? t.forward : step.phase === "backward" ? t.backward : t.update;
    const name = column.kind === "Input" ? t.input : column.name;
    const loss = data.backward !== null ? ` · ${t.loss} ${formatNumber(data.backward.loss)}` : "";
    const progress = this.model.get("progress") ?? {};
    const training = [
      progress.step !== undefined && progress.step !== null ? `${t.training} ${progress.step}` : "",
      progress.loss !== undefined && progress.loss !== null ? `${t.loss} ${formatNumber(progress.loss)}` : "",
    ].filter((part) => part !== "");
    const watched = training.length > 0 ? ` · ${training.join(" · ")}` : "";
    return `${t.step} ${this.model.get("step") + 1}/${this.steps} · ${phase} · ${name}${loss}${watched}`;
  }

  // -- playing ----------------------------------------------------------------------

  private syncTimer(): void {
    this.player.sync(this.model.get("playing"), this.model.get("interval"), () => {
      const next = this.model.get("step") + 1;
      if (next >= this.steps) this.set("playing", false);
      else this.set("step", next);
    });
  }

  // -- drawing ----------------------------------------------------------------------

  private resizeCanvases(layout: Layout): void {
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(layout.width * dpr);
    this.canvas.height = Math.round(layout.height * dpr);
    this.edgeLayer.resize(this.canvas.width, this.canvas.height);
    this.canvas.style.width = `${layout.width}px`;
    this.canvas.style.height = `${layout.height}px`;
  }

  private placeLabels(data: NetworkData, layout: Layout): void {
    const t = this.t;
    const items = data.columns.map((column, c) => {
      const item = document.createElement("div");
      item.className = "dlw-column-label";
      item.dataset.layer = column.name;
      item.style.left = `${toView(this.viewport, layout.columns[c]!.x, 0)[0]}px`;
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

  private startAnimationIfStepped(): void {
    const data = this.data;
    const layout = this.layout;
    const step = this.model.get("step");
    const previous = this.shownStep;
    this.shownStep = step;
    if (data === null || layout === null || previous < 0 || step !== previous + 1 || !this.model.get("animate")) return;
    const current = this.currentStep();
    if (current.phase !== "forward" || current.column === 0) return;
    const signals = strongestSignals(data, layout, current.column, this.model.get("sample"));
    if (signals.length === 0) return;
    const duration = Math.min(MAX_ANIMATION_MS, this.model.get("interval") * 800);
    this.animation = { signals, column: current.column, start: performance.now(), duration };
    const tick = (): void => {
      this.animationFrame = null;
      if (this.animation === null) return;
      this.draw();
      if (this.animation !== null) this.animationFrame = requestAnimationFrame(tick);
    };
    if (this.animationFrame !== null) cancelAnimationFrame(this.animationFrame); // one loop at a time
    this.animationFrame = requestAnimationFrame(tick);
  }

  private draw(): void {
    const data = this.data;
    const layout = this.layout;
    if (data === null || layout === null) return;
    const dpr = window.devicePixelRatio || 1;
    const step = this.currentStep();
    const sample = this.model.get("sample");
    const lr = this.model.get("lr");
    const perLayer = this.model.get("color_range") === "layer";
    const limit = this.model.get("edge_limit") ?? 4000;
    const key = `${step.phase}:${step.column}:${sample}:${lr}:${limit}`;
    // Forward steps only fade columns, which a veil does at compose time: the
    // cached edges stay as they are from the first step to the last.
    const forward = step.phase === "forward";
    const edgeStep = forward ? "forward" : `${step.phase}:${step.column}`;
    const edgeKey = `${edgeStep}:${sample}:${lr}:${limit}:${this.painted.scale}:${this.painted.x}:${this.painted.y}`;
    // The style (the update preview allocates weight matrices) only when what it shows changes.
    const styleKey = `${key}:${perLayer}`;
    if (this.styleCache === null || this.styleCache.key !== styleKey || this.styleCache.data !== data) {
      this.styleCache = { key: styleKey, data, style: phaseStyle(data, step, sample, lr, perLayer) };
    }
    const style = this.styleCache.style;
    if (this.edgeLayer.choose(this.model.get("renderer") ?? "auto")) this.edgeKey = "";
    this.root.dataset.backend = this.edgeLayer.backend;
    if (edgeKey !== this.edgeKey) {
      this.selections = data.columns.map((_, c) => {
        const matrix = style.edges.matrix(c);
        if (matrix === null) return null;
        // Forward: the strongest signals |w·a| of this sample; else the largest values.
        return strongestEdges(matrix, step.phase === "forward" ? data.row(c - 1, sample) : null, limit);
      });
      const edges = { ...style.edges, selection: this.shownEdges, ...(forward ? { faded: () => false } : {}) };
      this.edgeLayer.paint(layout, data, step.column, edges, this.painted, dpr);
      this.showEdgeCounts(limit);
      this.edgeKey = edgeKey;
      this.linkKey = ""; // the canvases may have been resized (cleared) too
    }
    const linkStep = forward ? step.column : data.columns.length;
    const linkKey = `${edgeKey}:${linkStep}`;
    if (linkKey !== this.linkKey) {
      this.edgeLayer.paintLinks(layout, data, linkStep, this.painted, dpr);
      this.linkKey = linkKey;
    }
    const ctx = this.canvas.getContext("2d");
    if (ctx !== null) {
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
      // The cached edges, moved from where they were painted to where the view is now.
      const v = this.viewport;
      const ratio = v.scale / this.painted.scale;
      ctx.setTransform(ratio, 0, 0, ratio, dpr * (v.x - this.painted.x * ratio), dpr * (v.y - this.painted.y * ratio));
      this.edgeLayer.composeEdges(ctx);
      ctx.setTransform(dpr * v.scale, 0, 0, dpr * v.scale, dpr * v.x, dpr * v.y);
      if (forward) paintVeil(ctx, layout, step.column);
      // Links over the veil: they are painted faded by step themselves.
      ctx.setTransform(ratio, 0, 0, ratio, dpr * (v.x - this.painted.x * ratio), dpr * (v.y - this.painted.y * ratio));
      this.edgeLayer.composeLinks(ctx);
      ctx.setTransform(dpr * v.scale, 0, 0, dpr * v.scale, dpr * v.x, dpr * v.y);
      paintCurrentColumn(ctx, layout, step.column);
      const reached = step.phase === "forward" ? step.column : data.columns.length;
      paintBlocks(ctx, layout, data, reached);
      this.blockMaps.paint(ctx, layout, data, sample, reached);
      paintNeurons(ctx, layout, data, sample, step.column, this.animatedNeurons(style));
      const selected = this.selectedRef();
      if (selected !== null) paintRing(ctx, layout, selected, "#111111", 2.5);
      if (this.hover !== null) paintRing(ctx, layout, this.hover, "rgba(17,17,17,0.45)", 1.5);
      if (this.animation !== null) {
        const progress = Math.min(1, (performance.now() - this.animation.start) / this.animation.duration);
        if (progress < 1) paintSignals(ctx, this.animation.signals, progress);
        else this.animation = null;
      }
      this.root.dataset.animating = this.animation === null ? "0" : "1";
    }
    const selected = this.model.get("selected");
    const panelKey = `${key}:${data.revision}:${selected?.layer}:${selected?.index}:${this.model.get("lang")}:${perLayer}`;
    if (panelKey !== this.panelKey) {
      this.panelKey = panelKey;
      const gradient = style.neuronLabel === "gradient";
      const t = this.t;
      const edgeRange = gradient ? (data.backward?.edgeRange ?? 1) : data.weightRange;
      const layerScale = perLayer && !gradient;
      const column = data.columns[step.column]!;
      const title = gradient
        ? t.gradientScale
        : layerScale
          ? `${t.activationScale} (${column.kind === "Input" ? t.input : column.name})`
          : t.activationScale;
      const range = layerScale ? data.layerRanges[step.column]! : style.neuronRange;
      this.legend.update(t, range, edgeRange, title, gradient ? "∂L/∂w" : t.weightLegend);
      this.colorRangeText.textContent = `${t.colorScale} `;
      this.colorRange.value = perLayer ? "layer" : "global";
      this.colorRange.options[0]!.textContent = t.globalScale;
      this.colorRange.options[1]!.textContent = t.layerScale;
      this.showArithmetic(step, sample, lr);
    }
    this.frames++;
    this.root.dataset.frames = String(this.frames);
    const { revision, sentAt } = data;
    requestAnimationFrame(() => {
      this.root.dataset.drawnRevision = String(revision);
      this.root.dataset.drawnStep = String(this.model.get("step"));
      if (revision !== this.markedRevision) {
        // Once per forward pass drawn (not per hover), so marks never pile up.
        this.markedRevision = revision;
        performance.mark("dlwidgets:frame", { detail: { revision, sentAt, drawnAt: Date.now() } });
      }
    });
  }

  // -- export ----------------------------------------------------------------------

  /** What is on screen as an image: the drawing with its column labels. */
  private async snapshot(format: "png" | "svg"): Promise<Blob> {
    if (format === "svg") return new Blob([this.svg()], { type: "image/svg+xml" });
    const out = document.createElement("canvas");
    out.width = this.canvas.width;
    out.height = this.canvas.height;
    const ctx = out.getContext("2d");
    if (ctx !== null) {
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(0, 0, out.width, out.height);
      ctx.drawImage(this.canvas, 0, 0);
      const dpr = window.devicePixelRatio || 1;
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      this.paintLabels(ctx);
    }
    return new Promise((resolve, reject) =>
      out.toBlob((blob) => (blob === null ? reject(new Error("the browser made no PNG")) : resolve(blob)), "image/png"),
    );
  }

  /** The same drawing as vector graphics, painted by the same painters. */
  private svg(): string {
    const data = this.data;
    const layout = this.layout;
    if (data === null || layout === null) return new SvgContext().toSvg(0, 0);
    const step = this.currentStep();
    const sample = this.model.get("sample");
    const style = phaseStyle(data, step, sample, this.model.get("lr"), this.model.get("color_range") === "layer");
    const svg = new SvgContext();
    const computed = step.phase === "forward" ? step.column : data.columns.length;
    paintLinks(svg, layout, data, computed);
    paintEdges(svg, layout, data, step.column, { ...style.edges, selection: this.shownEdges });
    paintCurrentColumn(svg, layout, step.column);
    paintBlocks(svg, layout, data, computed);
    paintBlockMapPixels(svg, layout, data, sample, computed);
    paintNeurons(svg, layout, data, sample, step.column, style.neurons);
    const selected = this.selectedRef();
    if (selected !== null) paintRing(svg, layout, selected, "#111111", 2.5);
    this.paintLabels(svg);
    return svg.toSvg(layout.width, layout.height);
  }

  private paintLabels(ctx: Ctx2D): void {
    const layout = this.layout;
    if (layout === null) return;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.fillStyle = "#1f2328";
    this.labels.querySelectorAll<HTMLElement>(".dlw-column-label").forEach((label, c) => {
      const x = layout.columns[c]?.x ?? 0;
      const [name, ...details] = Array.from(label.children, (child) => child.textContent ?? "");
      ctx.font = "600 12px system-ui, sans-serif";
      ctx.fillText(name ?? "", x, 10);
      ctx.font = "10.5px system-ui, sans-serif";
      details.forEach((detail, k) => ctx.fillText(detail, x, 24 + 12 * k));
    });
  }

  private async download(format: "png" | "svg"): Promise<void> {
    const url = URL.createObjectURL(await this.snapshot(format));
    const link = document.createElement("a");
    link.href = url;
    link.download = `network.${format}`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  /** Under each column whose edges are filtered: how many are drawn, of how many. */
  private showEdgeCounts(limit: number): void {
    let hidden = 0;
    this.labels.querySelectorAll<HTMLElement>(".dlw-column-label").forEach((label, c) => {
      const selection = this.selections[c];
      label.querySelector(".dlw-edge-count")?.remove();
      if (selection === null || selection === undefined || selection.indices === null) return;
      hidden += selection.total - selection.shown;
      const note = document.createElement("span");
      note.className = "dlw-edge-count";
      note.textContent = `${this.t.edgesShown} ${selection.shown.toLocaleString("en")} / ${selection.total.toLocaleString("en")}`;
      label.appendChild(note);
    });
    this.root.dataset.hiddenEdges = String(hidden);
    const filtering = this.selections.some((s) => s !== null && s.total > 1000);
    this.edgeLimitBox.hidden = !filtering;
    this.edgeLimitText.textContent = `${this.t.edgesPerLayer} `;
    this.edgeLimit.value = String(EDGE_LIMITS.find(([, n]) => n === limit)?.[1] ?? limit);
  }

  /** While signals travel into a column, its neurons fill in step with them. */
  private animatedNeurons(style: PhaseStyle): PhaseStyle["neurons"] {
    const animation = this.animation;
    if (animation === null) return style.neurons;
    const progress = Math.min(1, (performance.now() - animation.start) / animation.duration);
    return {
      tone: (c, u) => (c === animation.column ? progress * style.neurons.tone(c, u) : style.neurons.tone(c, u)),
      faded: style.neurons.faded,
    };
  }

  private showArithmetic(step: Step, sample: number, lr: number): void {
    const data = this.data!;
    const selected = this.selectedRef();
    const useSelected = selected !== null && (step.phase !== "forward" || selected.column <= step.column);
    const column = useSelected ? selected.column : step.column;
    const unit = useSelected ? selected.unit : strongestUnit(data, step, sample);
    const note = useSelected ? this.t.selectedNeuron : this.t.strongest;
    this.arithmeticPanel.show(arithmetic(data, step, column, unit, sample, lr, this.t), note);
  }

  // -- pointer, keyboard, edits ------------------------------------------------------------

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
    const at = (lx: number, ly: number): { x: number; y: number } => {
      const [x, y] = toView(this.viewport, lx, ly);
      return { x: box.left + x, y: box.top + y };
    };
    if (col.units === 0) return at(col.x, middleY(this.layout));
    if (index < 0 || index >= col.units) return null;
    return at(col.x, unitY(col, index));
  }

  private mapPoint(layer: string, map: number, y: number, x: number): { x: number; y: number } | null {
    if (this.data === null || this.layout === null) return null;
    const c = this.data.columns.findIndex((col) => col.name === layer);
    const maps = this.data.maps[c];
    const box = c < 0 ? null : thumbBox(this.layout, this.data, c, map);
    if (maps === null || maps === undefined || box === null) return null;
    const rect = this.canvas.getBoundingClientRect();
    const [vx, vy] = toView(
      this.viewport,
      box.x + ((x + 0.5) / maps.width) * box.size,
      box.y + ((y + 0.5) / maps.height) * box.size,
    );
    return { x: rect.left + vx, y: rect.top + vy };
  }

  private edgePoint(layer: string, to: number, from: number, along: number): { x: number; y: number } | null {
    if (this.data === null || this.layout === null) return null;
    const c = this.data.columns.findIndex((col) => col.name === layer);
    const a = this.layout.columns[c - 1];
    const b = this.layout.columns[c];
    if (a === undefined || b === undefined) return null;
    const box = this.canvas.getBoundingClientRect();
    const x1 = a.x + a.r;
    const x2 = b.x - b.r;
    const y1 = unitY(a, from);
    const [x, y] = toView(this.viewport, x1 + (x2 - x1) * along, y1 + (unitY(b, to) - y1) * along);
    return { x: box.left + x, y: box.top + y };
  }

  private onMove(event: MouseEvent): void {
    const drag = this.drag;
    if (drag !== null && (event.buttons & 1) === 1) {
      const dx = event.offsetX - drag.x;
      const dy = event.offsetY - drag.y;
      if (drag.moved || Math.hypot(dx, dy) > 3) {
        drag.moved = true;
        drag.x = event.offsetX;
        drag.y = event.offsetY;
        this.tooltip.hide();
        this.setViewport(panBy(this.viewport, dx, dy), false);
        return;
      }
    }
    this.onPointer(event.offsetX, event.offsetY);
  }

  private onWheel(event: WheelEvent): void {
    event.preventDefault();
    this.tooltip.hide();
    const factor = Math.exp(-event.deltaY * 0.002);
    this.setViewport(zoomAt(this.viewport, event.offsetX, event.offsetY, factor), false);
  }

  /** The column labels follow the columns when the view pans and zooms. */
  private positionLabels(): void {
    const layout = this.layout;
    if (layout === null) return;
    Array.from(this.labels.children).forEach((label, c) => {
      const column = layout.columns[c];
      if (column !== undefined) (label as HTMLElement).style.left = `${toView(this.viewport, column.x, 0)[0]}px`;
    });
  }

  /** Move the view; the edges are repainted crisp `now` or 200 ms after the last move. */
  private setViewport(viewport: Viewport, now: boolean): void {
    this.viewport = viewport;
    if (this.crispTimer !== null) window.clearTimeout(this.crispTimer);
    const crisp = (): void => {
      this.crispTimer = null;
      this.painted = this.viewport;
      this.draw();
    };
    if (now) crisp();
    else this.crispTimer = window.setTimeout(crisp, 200);
    this.positionLabels();
    this.root.dataset.zoomed = isIdentity(viewport) ? "0" : "1";
    this.draw();
  }

  private onPointer(viewX: number, viewY: number): void {
    if (this.layout === null || this.data === null) return;
    const x0 = viewX;
    const [lx, ly] = viewX < 0 ? [-1, -1] : toLayout(this.viewport, viewX, viewY);
    this.hoverAt(lx, ly, x0, viewY);
  }

  /** (x, y): layout coordinates for hit-testing; (tx, ty): view pixels for the tooltip. */
  private hoverAt(x: number, y: number, tx: number, ty: number): void {
    if (this.layout === null || this.data === null) return;
    const ref = tx < 0 ? null : neuronAt(this.layout, x, y);
    const changed = ref?.column !== this.hover?.column || ref?.unit !== this.hover?.unit;
    this.hover = ref;
    if (ref?.group !== undefined) {
      this.showGroupTooltip(ref.column, ref.group, tx, ty);
    } else if (ref !== null) {
      this.showTooltip(ref, tx, ty);
    } else if (tx >= 0) {
      const block = blockAt(this.layout, x, y);
      const pixel = block === null ? mapPixelAt(this.layout, this.data, x, y) : null;
      const tolerance = 3 / this.viewport.scale;
      const edge =
        block === null && pixel === null ? edgeAt(this.layout, this.data, x, y, tolerance, this.shownEdges) : null;
      if (block !== null) this.showBlockTooltip(block, tx, ty);
      else if (pixel !== null) this.showMapTooltip(pixel, tx, ty);
      else if (edge !== null) this.showEdgeTooltip(edge, tx, ty);
      else this.tooltip.hide();
    } else {
      this.tooltip.hide();
    }
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
    const rows: Row[] = [];
    const z = data.preActivation(ref.column, ref.unit, sample);
    if (z !== null) rows.push({ key: "z", label: t.preActivation, value: formatNumber(z) });
    const bias = data.bias(ref.column, ref.unit);
    if (bias !== null) rows.push({ key: "bias", label: t.bias, value: formatNumber(bias) });
    const f = column.activation ?? t.identity;
    rows.push({ key: "a", label: `${t.activationOut} = ${f}(z)`, value: formatNumber(a) });
    const da = data.gradA(ref.column, ref.unit, sample);
    if (da !== null) rows.push({ key: "da", label: "∂L/∂a", value: formatNumber(da) });
    this.tooltip.show(`${column.name} · ${t.neuron} ${ref.unit}`, rows, x, y);
  }

  private showGroupTooltip(c: number, group: UnitGroup, x: number, y: number): void {
    const data = this.data!;
    const t = this.t;
    const column = data.columns[c]!;
    const sample = this.model.get("sample");
    let sum = 0;
    let largest = -Infinity;
    for (let u = group.start; u < group.end; u++) {
      const a = data.activation(c, u, sample);
      sum += a;
      largest = Math.max(largest, a);
    }
    const rows: Row[] = [
      { key: "mean", label: t.groupMean, value: formatNumber(sum / (group.end - group.start)) },
      { key: "max", label: t.groupMax, value: formatNumber(largest) },
      { key: "expand", label: t.groupExpand, value: "" },
    ];
    const name = column.kind === "Input" ? t.input : column.name;
    this.tooltip.show(`${name} · ${t.units} ${group.start}–${group.end - 1}`, rows, x, y);
  }

  /** Open or close groups: the layout changes, the view stays where it is. */
  private setExpanded(expanded: Map<number, Set<number>>): void {
    this.expanded = expanded;
    const open = Array.from(expanded.values()).reduce((n, set) => n + set.size, 0);
    this.root.dataset.expandedGroups = String(open);
    this.collapseButton.hidden = open === 0;
    this.layout = null;
    this.hover = null;
    this.tooltip.hide();
    this.queueSync();
  }

  private showEdgeTooltip(edge: EdgeRef, x: number, y: number): void {
    const data = this.data!;
    const t = this.t;
    const source = data.columns[edge.column - 1]!;
    const target = data.columns[edge.column]!;
    const w = data.weight(edge.column, edge.to, edge.from);
    const a = data.activation(edge.column - 1, edge.from, this.model.get("sample"));
    const rows: Row[] = [
      { key: "w", label: t.weight, value: formatNumber(w), numeric: w },
      { key: "signal", label: t.signal, value: formatNumber(w * a), numeric: w * a },
    ];
    const dw = data.backward?.columns[edge.column]?.dw ?? null;
    if (dw !== null) {
      const g = dw.data[edge.to * dw.shape[1]! + edge.from]!;
      rows.push({ key: "dw", label: "∂L/∂w", value: formatNumber(g), numeric: g });
    }
    const from = `${source.kind === "Input" ? t.input : source.name}[${edge.from}]`;
    this.tooltip.show(`${t.edge} ${from} → ${target.name}[${edge.to}]`, rows, x, y);
  }

  private showMapTooltip(pixel: MapPixel, x: number, y: number): void {
    const data = this.data!;
    const t = this.t;
    const maps = data.maps[pixel.column]!;
    const column = data.columns[pixel.column]!;
    const value = maps.value(this.model.get("sample"), pixel.map, pixel.y, pixel.x);
    const [, height, width] = maps.shape as [number, number, number];
    const rows: Row[] = [
      { key: "pixel", label: t.mapPixel, value: `(${pixel.y}, ${pixel.x})` },
      { key: "value", label: t.mapValue, value: formatNumber(value), numeric: value },
    ];
    if (height !== maps.height || width !== maps.width) {
      rows.push({ key: "pooled", label: t.mapPooled, value: `${maps.height}×${maps.width} / ${height}×${width}` });
    }
    const name = column.kind === "Input" ? t.input : column.name;
    this.tooltip.show(`${name} · ${t.channel} ${maps.channels[pixel.map]}`, rows, x, y);
  }

  private showBlockTooltip(c: number, x: number, y: number): void {
    const column = this.data!.columns[c]!;
    const rows: Row[] = [{ key: "shape", label: this.t.shape, value: `[${column.shape.join(", ")}]` }];
    if (column.records.length > 1) rows.push({ key: "records", label: this.t.steps, value: column.records.join(", ") });
    this.tooltip.show(`${column.name} · ${column.kind}`, rows, x, y);
  }

  private onClick(viewX: number, viewY: number): void {
    if (this.layout === null || this.data === null) return;
    const data = this.data;
    const [lx, ly] = toLayout(this.viewport, viewX, viewY);
    const [x, y] = [viewX, viewY]; // editors open where the user clicked
    const ref = neuronAt(this.layout, lx, ly);
    if (ref?.group !== undefined) {
      const expanded = new Map(this.expanded);
      expanded.set(ref.column, new Set([...(expanded.get(ref.column) ?? []), ref.group.index]));
      this.setExpanded(expanded);
      return;
    }
    const editable = this.model.get("editable");
    if (ref === null && editable) {
      const edge = edgeAt(this.layout, data, lx, ly, 3 / this.viewport.scale, this.shownEdges);
      if (edge !== null) {
        const layer = data.columns[edge.column]!.name;
        this.valueEditor.open(this.t.editWeight, data.weight(edge.column, edge.to, edge.from), x, y, (value) =>
          this.model.send({ type: "set_weight", layer, to: edge.to, from: edge.from, value }),
        );
        return;
      }
    }
    const selection = ref === null ? null : { layer: data.columns[ref.column]!.name, index: ref.unit };
    this.set("selected", selection);
    const bias = ref === null ? null : data.bias(ref.column, ref.unit);
    if (editable && ref !== null && bias !== null) {
      const layer = data.columns[ref.column]!.name;
      this.valueEditor.open(this.t.editBias, bias, x, y, (value) =>
        this.model.send({ type: "set_bias", layer, index: ref.unit, value }),
      );
    }
  }

  private onKey(event: KeyboardEvent): void {
    if (event.target !== this.root && event.target !== this.canvas) return;
    const action = stepperKey(
      event.key,
      this.model.get("step"),
      this.steps,
      (step) => this.go(step),
      () => this.set("playing", !this.model.get("playing")),
    );
    if (action === null) return;
    event.preventDefault();
    action();
  }

  private sendInput(values: Float32Array): void {
    const buffer = values.slice().buffer; // only these bytes: JupyterLab sends a view's whole buffer
    this.model.send({ type: "set_input", sample: this.model.get("sample") }, undefined, [buffer]);
  }
}

export default {
  render({ model, el }: RenderProps<Traits>) {
    const controller = new NetworkViewController(model, el);
    return () => controller.dispose();
  },
};
