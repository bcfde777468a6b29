// The Playground's front end: controls, the network as one heatmap tile per
// neuron joined by links that follow the live weights, and the output plane
// with the points. Every number and every map comes from the kernel; a frame
// is drawn once per animation frame, whatever the number of messages.

import type { AnyModel, RenderProps } from "@anywidget/types";
import { formatNumber, playgroundStrings, type PlaygroundStrings } from "../i18n";
import { divergingGradient } from "../render/colors";
import { paintAtlas, paintRegions } from "../render/heatmap";
import { paintLinks, paintPoints } from "../render/playground_painter";
import {
  decodePoints,
  PlaygroundFrame,
  type FrameTrait,
  type Points,
  type PointsTrait,
  type Settings,
} from "../scene/playground_frame";
import {
  layoutNetwork,
  minimumWidth,
  TILE,
  tileAt,
  type NetworkLayout,
  type Tile,
} from "../scene/playground_layout";
import { Banner } from "../ui/banner";
import { ACTIVATIONS, PlaygroundControls, type Command } from "../ui/playground_controls";
import { selectElement } from "../ui/select";

interface Traits {
  settings: Settings;
  hidden: string[];
  fixed: string[];
  points: PointsTrait;
  frame: FrameTrait;
  playing: boolean;
  error: string;
  lang: string;
}

/** What tests read from the page (`root.dlwidgetsPlayground`). */
export interface PlaygroundHandle {
  /** Centre of the tile of `unit` in `column` (inputs: the feature's index), in page pixels. */
  tileCenter(column: number, unit: number): { x: number; y: number } | null;
}

const TRAITS = ["settings", "hidden", "fixed", "points", "frame", "playing", "error", "lang"] as const;
const HEADER = 74; // room above the tiles for each layer's buttons
const LABELS = 64; // room left of the input tiles for the feature names
const OUTPUT_SIZE = 260;
const FEATURE_LABELS: Record<string, string> = {
  x1: "X₁",
  x2: "X₂",
  "x1^2": "X₁²",
  "x2^2": "X₂²",
  "x1*x2": "X₁X₂",
  "sin(x1)": "sin(X₁)",
  "sin(x2)": "sin(X₂)",
};

class PlaygroundController {
  private readonly root = document.createElement("div");
  private readonly banner: Banner;
  private readonly body = document.createElement("div");
  private readonly network = document.createElement("div");
  private readonly canvas = document.createElement("canvas");
  private readonly overlay = document.createElement("div");
  private readonly outputCanvas = document.createElement("canvas");
  private readonly numbers = document.createElement("div");
  private readonly showTest = document.createElement("input");
  private readonly atlas = document.createElement("canvas");
  private readonly region = document.createElement("canvas");
  private controls: PlaygroundControls | null = null;
  private controlsKey = "";
  private layout: NetworkLayout | null = null;
  private layoutKey = "";
  private frame: PlaygroundFrame | null = null;
  private seenFrame: FrameTrait | null = null;
  private points: { train: Points; test: Points } | null = null;
  private seenPoints: PointsTrait | null = null;
  private drawQueued = false;
  private framesDrawn = 0;
  private hovered: Tile | null = null;
  private width = 0;
  private readonly resize: ResizeObserver;
  private readonly onChange = (): void => this.queueDraw();

  constructor(
    private readonly model: AnyModel<Traits>,
    el: HTMLElement,
  ) {
    this.root.className = "pg-root";
    this.banner = new Banner(this.root);
    this.body.className = "pg-body";
    this.network.className = "pg-network";
    this.canvas.className = "pg-network-canvas";
    this.overlay.className = "pg-overlay";
    this.network.append(this.canvas, this.overlay);
    this.canvas.addEventListener("mousemove", (event) => {
      const tile = this.layout === null ? null : tileAt(this.layout, event.offsetX, event.offsetY);
      if (tile !== this.hovered) {
        this.hovered = tile;
        this.canvas.style.cursor = tile === null ? "" : "crosshair";
        this.queueDraw();
      }
    });
    this.canvas.addEventListener("mouseleave", () => {
      this.hovered = null;
      this.queueDraw();
    });
    this.root.append(this.body);
    el.appendChild(this.root);
    for (const name of TRAITS) this.model.on(`change:${name}`, this.onChange);
    // The width is read here, never while drawing a frame (reading it forces a layout).
    this.resize = new ResizeObserver((entries) => {
      const width = Math.round(entries[entries.length - 1]?.contentRect.width ?? 0);
      if (width > 0 && width !== this.width) {
        this.width = width;
        this.queueDraw();
      }
    });
    this.resize.observe(this.network);
    // What tests and benchmarks read from the page: where a neuron's tile is on screen.
    const handle: PlaygroundHandle = {
      tileCenter: (column, unit) => {
        const tile = this.layout?.columns[column]?.find((t) => t.unit === unit);
        if (tile === undefined) return null;
        const box = this.canvas.getBoundingClientRect();
        return { x: box.left + tile.x + tile.size / 2, y: box.top + tile.y + tile.size / 2 };
      },
    };
    Object.defineProperty(this.root, "dlwidgetsPlayground", { value: handle });
    this.draw();
  }

  dispose(): void {
    for (const name of TRAITS) this.model.off(`change:${name}`, this.onChange);
    this.resize.disconnect();
    this.root.remove();
  }

  private get t(): PlaygroundStrings {
    return playgroundStrings(this.model.get("lang"));
  }

  private get settings(): Settings {
    return this.model.get("settings");
  }

  private send(command: Command): void {
    this.model.send(command);
  }

  // Several traits arrive in one message, and frames faster than the screen: draw once per frame.
  private queueDraw(): void {
    if (this.drawQueued) return;
    this.drawQueued = true;
    requestAnimationFrame(() => {
      this.drawQueued = false;
      this.draw();
    });
  }

  private draw(): void {
    const start = performance.now();
    try {
      this.buildIfNeeded();
      this.readTraits();
      const error = this.model.get("error");
      if (error) this.banner.show(this.t.error, error);
      else this.banner.hide();
      this.controls?.render({
        settings: this.settings,
        playing: this.model.get("playing"),
        epoch: this.frame?.trait.epoch ?? 0,
      });
      this.root.dataset.playing = this.model.get("playing") ? "1" : "0";
      if (this.frame === null || this.points === null) return;
      this.layOut(this.frame);
      this.paintNetwork(this.frame);
      this.paintOutput(this.frame);
      this.showNumbers(this.frame);
      this.framesDrawn++;
      const data = this.root.dataset;
      data.framesDrawn = String(this.framesDrawn);
      data.drawnRevision = String(this.frame.trait.revision);
      data.epoch = String(this.frame.trait.epoch);
      data.neurons = String(this.frame.widths.slice(1).reduce((a, b) => a + b, 0));
      data.latencyMs = String(Date.now() - this.frame.trait.sent_at);
      data.drawMs = String(performance.now() - start);
    } catch (err) {
      this.banner.show(this.t.error, err instanceof Error ? err.message : String(err));
    }
  }

  private readTraits(): void {
    const pointsTrait = this.model.get("points");
    if (pointsTrait !== this.seenPoints && pointsTrait?.train !== undefined) {
      this.seenPoints = pointsTrait;
      this.points = { train: decodePoints(pointsTrait.train), test: decodePoints(pointsTrait.test) };
    }
    const frameTrait = this.model.get("frame");
    if (frameTrait !== this.seenFrame && frameTrait?.widths !== undefined && pointsTrait?.features !== undefined) {
      this.seenFrame = frameTrait;
      this.frame = new PlaygroundFrame(frameTrait, pointsTrait.features.length);
    }
  }

  // -- structure: rebuilt when the lesson, the language or the network's shape changes ----------

  private buildIfNeeded(): void {
    const key = JSON.stringify([this.model.get("hidden"), this.model.get("fixed"), this.model.get("lang")]);
    if (key === this.controlsKey) return;
    this.controlsKey = key;
    const t = this.t;
    const lesson = { hidden: new Set(this.model.get("hidden")), fixed: new Set(this.model.get("fixed")) };
    this.controls = new PlaygroundControls(lesson, t, (command) => this.send(command));

    const middle = document.createElement("div");
    middle.className = "pg-middle";
    middle.append(this.network);

    const output = document.createElement("div");
    output.className = "pg-output";
    const title = document.createElement("h4");
    title.textContent = t.output;
    this.numbers.className = "pg-numbers";
    this.outputCanvas.className = "pg-output-canvas";
    const testBox = document.createElement("label");
    testBox.className = "pg-show-test";
    this.showTest.type = "checkbox";
    this.showTest.onchange = () => this.queueDraw();
    testBox.append(this.showTest, ` ${t.showTest}`);
    const legend = document.createElement("div");
    legend.className = "pg-legend";
    const bar = document.createElement("span");
    bar.className = "pg-legend-bar";
    bar.style.background = divergingGradient();
    legend.append("−1 ", bar, " +1");
    output.append(title, this.numbers, this.outputCanvas, testBox, legend);

    this.body.replaceChildren(this.controls.dataPanel, middle, output);
    this.root.replaceChildren(this.banner.el, this.controls.topBar, this.body);
    this.layoutKey = "";
  }

  private layOut(frame: PlaygroundFrame): void {
    const s = this.settings;
    const hidden = new Set(this.model.get("hidden"));
    const width = Math.max(360, this.width || 560);
    const key = JSON.stringify([s.features, frame.widths, s.activation, width, this.controlsKey]);
    if (key === this.layoutKey) return;
    this.layoutKey = key;
    this.hovered = null;
    this.layout = layoutNetwork({
      features: this.model.get("points").features,
      active: s.features,
      showInactive: !hidden.has("features"),
      hidden: frame.widths.slice(1, -1),
      outputs: frame.widths[frame.widths.length - 1]!,
      width,
      top: HEADER,
      left: LABELS,
    });
    // Too narrow a notebook: the output column goes below rather than over the network.
    this.network.parentElement!.style.minWidth = `${minimumWidth(this.layout.columns.length, TILE, LABELS)}px`;
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(this.layout.width * dpr);
    this.canvas.height = Math.round(this.layout.height * dpr);
    this.canvas.style.width = `${this.layout.width}px`;
    this.canvas.style.height = `${this.layout.height}px`;
    this.network.style.height = `${this.layout.height}px`;
    this.buildOverlay(this.layout, hidden);
  }

  /** Feature names (toggles), and above each hidden layer its +/− buttons and activation. */
  private buildOverlay(layout: NetworkLayout, hidden: Set<string>): void {
    const t = this.t;
    const s = this.settings;
    const fixed = new Set(this.model.get("fixed"));
    const features = this.model.get("points").features;
    const items: HTMLElement[] = [];
    const place = (el: HTMLElement, x: number, y: number): HTMLElement => {
      el.style.left = `${x}px`;
      el.style.top = `${y}px`;
      items.push(el);
      return el;
    };

    const inputsTitle = place(document.createElement("div"), 0, 0);
    inputsTitle.className = "pg-column-title";
    inputsTitle.textContent = t.features;
    for (const tile of layout.columns[0]!) {
      const name = features[tile.unit]!;
      const active = s.features.includes(name);
      const label = hidden.has("features") ? document.createElement("span") : document.createElement("button");
      label.className = "pg-feature";
      label.dataset.feature = name;
      label.dataset.active = active ? "1" : "0";
      label.textContent = FEATURE_LABELS[name] ?? name;
      if (label instanceof HTMLButtonElement) {
        label.type = "button";
        label.dataset.control = "features";
        label.setAttribute("aria-pressed", String(active));
        label.disabled = fixed.has("features");
        label.addEventListener("click", () => {
          const chosen = features.filter((f) => (f === name ? !active : s.features.includes(f)));
          this.send({ type: "set", key: "features", value: chosen });
        });
      }
      place(label, 0, tile.y + tile.size / 2 - 10).style.width = `${LABELS - 6}px`;
    }

    const hiddenColumns = layout.columns.slice(1, -1);
    if (!hidden.has("layers")) {
      const bar = place(document.createElement("div"), layout.columnX[1] ?? LABELS, 0);
      bar.className = "pg-layers-bar";
      bar.dataset.control = "layers";
      const add = this.smallButton("+", t.addLayer, "pg-add-layer", { type: "add_layer" }, fixed.has("layers"));
      const remove = this.smallButton("−", t.removeLayer, "pg-remove-layer", { type: "remove_layer" }, fixed.has("layers"));
      add.disabled ||= s.layers.length >= 6;
      remove.disabled ||= s.layers.length === 0;
      const count = document.createElement("span");
      count.className = "pg-layer-count";
      count.textContent = `${s.layers.length} ${s.layers.length === 1 ? t.hiddenLayer : t.hiddenLayers}`;
      bar.append(add, remove, count);
    }
    hiddenColumns.forEach((column, layer) => {
      const x = layout.columnX[layer + 1]!;
      const head = place(document.createElement("div"), x + (column[0]?.size ?? 40) / 2, 24);
      head.className = "pg-layer-head";
      head.dataset.layer = String(layer);
      if (!hidden.has("layers")) {
        const buttons = document.createElement("div");
        buttons.className = "pg-neuron-buttons";
        const lock = fixed.has("layers");
        const add = this.smallButton("+", t.addNeuron, "pg-add-neuron", { type: "add_neuron", layer }, lock);
        const remove = this.smallButton("−", t.removeNeuron, "pg-remove-neuron", { type: "remove_neuron", layer }, lock);
        add.disabled ||= column.length >= 8;
        remove.disabled ||= column.length <= 1;
        add.dataset.layer = remove.dataset.layer = String(layer);
        buttons.append(add, remove);
        head.append(buttons);
      }
      const count = document.createElement("div");
      count.className = "pg-neuron-count";
      count.textContent = `${column.length} ${column.length === 1 ? t.neuron : t.neurons}`;
      head.append(count);
      if (!hidden.has("activation")) {
        const select = selectElement(
          "pg-layer-activation",
          ACTIVATIONS.map((a) => [a, a] as const),
          (value) => {
            const names = [...s.activation];
            names[layer] = value;
            this.send({ type: "set", key: "activation", value: names });
          },
        );
        select.value = s.activation[layer] ?? "tanh";
        select.disabled = fixed.has("activation");
        select.dataset.layer = String(layer);
        select.dataset.control = "activation";
        select.title = t.activation;
        head.append(select);
      }
    });
    this.overlay.replaceChildren(...items);
  }

  private smallButton(label: string, title: string, className: string, command: Command, disabled: boolean): HTMLButtonElement {
    const button = document.createElement("button");
    button.type = "button";
    button.className = `pg-small ${className}`;
    button.textContent = label;
    button.title = title;
    button.setAttribute("aria-label", title);
    button.disabled = disabled;
    button.addEventListener("click", () => this.send(command));
    return button;
  }

  // -- each frame: restyle only ---------------------------------------------------------------

  private paintNetwork(frame: PlaygroundFrame): void {
    const layout = this.layout!;
    const size = frame.mapSize;
    if (this.atlas.width !== size * frame.mapCount || this.atlas.height !== size) {
      this.atlas.width = size * frame.mapCount;
      this.atlas.height = size;
    }
    const atlasCtx = this.atlas.getContext("2d");
    const ctx = this.canvas.getContext("2d");
    if (atlasCtx === null || ctx === null) return;
    const pixels = atlasCtx.createImageData(this.atlas.width, size);
    paintAtlas(frame.maps, frame.mapCount, size, pixels.data);
    atlasCtx.putImageData(pixels, 0, 0);

    const dpr = this.canvas.width / layout.width;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, layout.width, layout.height);
    paintLinks(ctx, layout, frame);
    ctx.imageSmoothingEnabled = true;
    const active = new Set(this.settings.features);
    const features = this.model.get("points").features;
    for (const column of layout.columns) {
      for (const tile of column) {
        const inactive = tile.column === 0 && !active.has(features[tile.unit]!);
        this.paintTile(ctx, frame, tile, inactive);
      }
    }
  }

  private paintTile(ctx: CanvasRenderingContext2D, frame: PlaygroundFrame, tile: Tile, inactive: boolean): void {
    const index = frame.mapIndex(tile.column, tile.unit);
    const size = frame.mapSize;
    ctx.globalAlpha = inactive ? 0.3 : 1;
    ctx.drawImage(this.atlas, index * size, 0, size, size, tile.x, tile.y, tile.size, tile.size);
    ctx.globalAlpha = 1;
    const hovered = tile === this.hovered; // the one shown large in the output square
    ctx.lineWidth = hovered ? 3 : 1;
    ctx.strokeStyle = hovered ? "#1f2328" : inactive ? "#d0d7de" : "#57606a";
    const inset = hovered ? 1.5 : 0.5;
    ctx.strokeRect(tile.x + inset, tile.y + inset, tile.size - 2 * inset, tile.size - 2 * inset);
  }

  private paintOutput(frame: PlaygroundFrame): void {
    const dpr = window.devicePixelRatio || 1;
    const size = OUTPUT_SIZE;
    if (this.outputCanvas.width !== Math.round(size * dpr)) {
      this.outputCanvas.width = this.outputCanvas.height = Math.round(size * dpr);
      this.outputCanvas.style.width = this.outputCanvas.style.height = `${size}px`;
    }
    const ctx = this.outputCanvas.getContext("2d");
    const regionCtx = this.region.getContext("2d");
    if (ctx === null || regionCtx === null) return;
    const grid = frame.mapSize;
    if (this.region.width !== grid) this.region.width = this.region.height = grid;
    // A hovered neuron is shown large here, as in TensorFlow Playground; else the output.
    const hovered = this.hovered;
    const outputs = frame.widths[frame.widths.length - 1]!;
    const first = frame.mapIndex(frame.widths.length - 1, 0);
    const maps =
      hovered !== null && hovered.column < frame.widths.length
        ? [frame.map(frame.mapIndex(hovered.column, hovered.unit))]
        : Array.from({ length: outputs }, (_, k) => frame.map(first + k));
    this.outputCanvas.dataset.showing = hovered === null ? "output" : `${hovered.column}:${hovered.unit}`;
    const pixels = regionCtx.createImageData(grid, grid);
    paintRegions(maps, grid, pixels.data);
    regionCtx.putImageData(pixels, 0, 0);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(this.region, 0, 0, size, size);
    const s = this.settings;
    const box = { x: 0, y: 0, size, extent: this.model.get("points").extent };
    const classes = s.problem === "classification" ? Math.max(2, s.outputs) : 0;
    paintPoints(ctx, box, this.points!.train, s.problem, classes, false);
    if (this.showTest.checked) paintPoints(ctx, box, this.points!.test, s.problem, classes, true);
    ctx.strokeStyle = "#8c959f";
    ctx.lineWidth = 1;
    ctx.strokeRect(0.5, 0.5, size - 1, size - 1);
  }

  private showNumbers(frame: PlaygroundFrame): void {
    const t = this.t;
    const f = frame.trait;
    const rows: [string, string, number | null][] = [
      ["test-loss", t.testLoss, f.test_loss],
      ["train-loss", t.trainLoss, f.train_loss],
    ];
    if (f.train_accuracy !== null) rows.push(["train-accuracy", t.trainAccuracy, f.train_accuracy]);
    if (f.test_accuracy !== null) rows.push(["test-accuracy", t.testAccuracy, f.test_accuracy]);
    const key = rows.map((r) => r[0]).join();
    if (this.numbers.dataset.key !== key) {
      this.numbers.dataset.key = key;
      this.numbers.replaceChildren(
        ...rows.map(([name, label]) => {
          const row = document.createElement("div");
          row.className = `pg-number pg-${name}`;
          const caption = document.createElement("span");
          caption.className = "pg-caption";
          caption.textContent = label;
          const value = document.createElement("span");
          value.className = "pg-value";
          row.append(caption, value);
          return row;
        }),
      );
    }
    rows.forEach(([name, , value], i) => {
      const row = this.numbers.children[i] as HTMLElement;
      const text = row.querySelector(".pg-value")!;
      const accuracy = name.endsWith("accuracy");
      text.textContent = value === null ? "–" : accuracy ? `${(value * 100).toFixed(1)}%` : formatNumber(value);
      row.dataset.value = String(value);
    });
  }
}

export default {
  render({ model, el }: RenderProps<Traits>) {
    const controller = new PlaygroundController(model, el);
    return () => controller.dispose();
  },
};
