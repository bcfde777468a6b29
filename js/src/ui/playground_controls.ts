// The Playground's controls: the top bar (reset, play/pause, step, epoch,
// learning rate, activation, regularisation) and the data panel (data set,
// classes, noise, split, batch size). A hidden control is never created; a
// fixed one is shown disabled. Every change goes to the kernel as a command.

import type { PlaygroundStrings } from "../i18n";
import type { Settings } from "../scene/playground_frame";
import { selectElement } from "./select";

export interface Command {
  type: string;
  key?: string;
  value?: unknown;
  layer?: number;
}

export interface ControlState {
  settings: Settings;
  playing: boolean;
  epoch: number;
}

export interface Lesson {
  hidden: ReadonlySet<string>;
  fixed: ReadonlySet<string>;
}

export const LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
export const REGULARIZATION_RATES = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
export const ACTIVATIONS = ["tanh", "relu", "sigmoid", "linear"] as const;
export const DATASETS = ["circle", "xor", "gauss", "spiral", "reg_plane", "reg_gauss"] as const;
const MULTICLASS_SETS = new Set(["gauss", "spiral"]);
const CLASS_COUNTS = [2, 3, 4, 5, 6, 7, 8];

// 24×24 icons drawn as paths: no icon font, and every notebook front end has SVG.
const ICONS = {
  reset: "M12 5V2L7 6l5 4V7a5 5 0 1 1-5 5H5a7 7 0 1 0 7-7z",
  play: "M8 5v14l11-7z",
  pause: "M6 5h4v14H6zm8 0h4v14h-4z",
  step: "M6 5v14l9-7zm10 0h3v14h-3z",
} as const;

function setIcon(button: HTMLButtonElement, name: keyof typeof ICONS): void {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
  path.setAttribute("d", ICONS[name]);
  svg.append(path);
  button.dataset.icon = name;
  button.replaceChildren(svg);
}

/** Epochs as Playground shows them: 000,123. */
export function formatEpoch(epoch: number): string {
  const digits = String(Math.max(0, Math.floor(epoch))).padStart(6, "0");
  return `${digits.slice(0, -3)},${digits.slice(-3)}`;
}

interface Slider {
  input: HTMLInputElement;
  text: HTMLSpanElement;
  format: (value: number) => string;
}

export class PlaygroundControls {
  readonly topBar: HTMLDivElement;
  readonly dataPanel: HTMLDivElement;
  private readonly epochText = document.createElement("span");
  private playButton: HTMLButtonElement | null = null;
  private readonly selects = new Map<string, HTMLSelectElement>();
  private readonly sliders = new Map<string, Slider>();
  private readonly datasetButtons = new Map<string, HTMLButtonElement>();
  private customButton: HTMLButtonElement | null = null;
  private renderedKey = "";
  private currentLayers: number[] = []; // the top bar's activation menu sets every layer

  constructor(
    private readonly lesson: Lesson,
    private readonly t: PlaygroundStrings,
    private readonly send: (command: Command) => void,
  ) {
    this.topBar = document.createElement("div");
    this.topBar.className = "pg-top";
    this.dataPanel = document.createElement("div");
    this.dataPanel.className = "pg-data";
    this.buildTopBar();
    this.buildDataPanel();
  }

  private shown(control: string): boolean {
    return !this.lesson.hidden.has(control);
  }

  private button(control: string, label: string, title: string, command: () => Command): HTMLButtonElement {
    const button = document.createElement("button");
    button.type = "button";
    button.className = `pg-${control}`;
    button.dataset.control = control;
    if (label in ICONS) setIcon(button, label as keyof typeof ICONS);
    else button.textContent = label;
    button.title = title;
    button.setAttribute("aria-label", title);
    button.addEventListener("click", () => this.send(command()));
    return button;
  }

  private buildTopBar(): void {
    const t = this.t;
    const buttons = document.createElement("div");
    buttons.className = "pg-buttons";
    if (this.shown("reset")) buttons.append(this.button("reset", "reset", t.reset, () => ({ type: "reset" })));
    if (this.shown("play")) {
      // one button: the command is what its face shows now
      const playing = () => this.playButton?.dataset.playing === "1";
      this.playButton = this.button("play", "play", t.play, () => ({ type: playing() ? "pause" : "play" }));
      buttons.append(this.playButton);
    }
    if (this.shown("step")) buttons.append(this.button("step", "step", t.step, () => ({ type: "step" })));
    const epoch = document.createElement("div");
    epoch.className = "pg-epoch";
    const epochLabel = document.createElement("span");
    epochLabel.className = "pg-caption";
    epochLabel.textContent = t.epoch;
    this.epochText.className = "pg-epoch-value";
    epoch.append(epochLabel, this.epochText);
    this.topBar.append(buttons, epoch);
    const rates = (values: number[]) => values.map((v) => [String(v), v] as const);
    this.addSelect("learning_rate", t.learningRate, rates(LEARNING_RATES), Number);
    this.addSelect(
      "activation",
      t.activation,
      ACTIVATIONS.map((a) => [a === "relu" ? "ReLU" : a === "tanh" ? "Tanh" : a === "sigmoid" ? "Sigmoid" : "Linear", a] as const),
      (value) => value, // the page's one menu sets every hidden layer
      true,
    );
    this.addSelect(
      "regularization",
      t.regularization,
      [[t.none, "none"], ["L1", "l1"], ["L2", "l2"]],
      (value) => value,
    );
    this.addSelect("regularization_rate", t.regularizationRate, rates(REGULARIZATION_RATES), Number);
  }

  private addSelect(
    key: string,
    label: string,
    options: readonly (readonly [string, string | number])[],
    parse: (value: string) => unknown,
    everyLayer = false,
  ): void {
    if (!this.shown(key)) return;
    const select = selectElement(`pg-select pg-${key}`, options, (value) => {
      const parsed = parse(value);
      const layers = this.currentLayers;
      this.send({ type: "set", key, value: everyLayer ? layers.map(() => parsed) : parsed });
    });
    select.dataset.control = key;
    this.selects.set(key, select);
    this.topBar.append(this.field(key, label, select));
  }

  private field(key: string, label: string, control: HTMLElement): HTMLLabelElement {
    const box = document.createElement("label");
    box.className = "pg-field";
    box.dataset.control = key;
    const caption = document.createElement("span");
    caption.className = "pg-caption";
    caption.textContent = label;
    box.append(caption, control);
    return box;
  }

  private buildDataPanel(): void {
    const t = this.t;
    const title = document.createElement("h4");
    title.textContent = t.data;
    this.dataPanel.append(title);
    if (this.shown("dataset")) {
      const caption = document.createElement("div");
      caption.className = "pg-caption";
      caption.textContent = t.dataset;
      const grid = document.createElement("div");
      grid.className = "pg-datasets";
      grid.dataset.control = "dataset";
      for (const name of DATASETS) {
        const button = this.button("dataset", t[name], t[name], () => ({ type: "set", key: "dataset", value: name }));
        button.className = "pg-dataset";
        button.dataset.dataset = name;
        grid.append(button);
        this.datasetButtons.set(name, button);
      }
      this.customButton = document.createElement("button");
      this.customButton.type = "button";
      this.customButton.className = "pg-dataset";
      this.customButton.dataset.dataset = "custom";
      this.customButton.textContent = t.custom;
      this.customButton.disabled = true;
      grid.append(this.customButton);
      this.dataPanel.append(caption, grid);
    }
    if (this.shown("classes")) {
      const select = selectElement(
        "pg-select pg-classes",
        CLASS_COUNTS.map((n) => [String(n), n] as const),
        (value) => this.send({ type: "set", key: "classes", value: Number(value) }),
      );
      select.dataset.control = "classes";
      this.selects.set("classes", select);
      this.dataPanel.append(this.field("classes", t.classes, select));
    }
    const percent = (v: number) => `${Math.round(v * 100)}%`;
    this.addSlider("train_fraction", t.trainFraction, 0.1, 0.9, 0.1, percent);
    this.addSlider("noise", t.noise, 0, 0.5, 0.05, percent);
    this.addSlider("batch_size", t.batchSize, 1, 30, 1, String);
  }

  private addSlider(
    key: string,
    label: string,
    min: number,
    max: number,
    step: number,
    format: (value: number) => string,
  ): void {
    if (!this.shown(key)) return;
    const input = document.createElement("input");
    input.type = "range";
    input.className = `pg-slider pg-${key}`;
    input.min = String(min);
    input.max = String(max);
    input.step = String(step);
    input.dataset.control = key;
    const text = document.createElement("span");
    text.className = "pg-slider-value";
    input.addEventListener("input", () => (text.textContent = format(Number(input.value))));
    // on release only: each change restarts the network
    input.addEventListener("change", () => {
      const value = Number(input.value);
      this.send({ type: "set", key, value: key === "batch_size" ? Math.round(value) : Math.round(value * 100) / 100 });
    });
    this.sliders.set(key, { input, text, format });
    const box = this.field(key, label, input);
    box.querySelector(".pg-caption")?.append(" ", text);
    this.dataPanel.append(box);
  }

  /** Show the state: values, play/pause face, epoch; fixed controls disabled. */
  render(state: ControlState): void {
    const s = state.settings;
    this.currentLayers = s.layers;
    const epoch = String(state.epoch);
    if (this.epochText.dataset.value !== epoch) {
      this.epochText.textContent = formatEpoch(state.epoch);
      this.epochText.dataset.value = epoch;
    }
    // Frames come 30 times a second: touch the DOM only when what it shows changed.
    const key = JSON.stringify([s, state.playing]);
    if (key === this.renderedKey) return;
    this.renderedKey = key;
    if (this.playButton !== null) {
      this.playButton.dataset.playing = state.playing ? "1" : "0";
      setIcon(this.playButton, state.playing ? "pause" : "play");
      const title = state.playing ? this.t.pause : this.t.play;
      this.playButton.title = title;
      this.playButton.setAttribute("aria-label", title);
    }
    const values: Record<string, string> = {
      learning_rate: String(s.learning_rate),
      regularization: s.regularization,
      regularization_rate: String(s.regularization_rate),
      activation: s.activation.every((a) => a === s.activation[0]) ? (s.activation[0] ?? "tanh") : "",
      classes: String(s.classes),
    };
    for (const [key, select] of this.selects) {
      const value = values[key] ?? "";
      if (![...select.options].some((o) => o.value === value)) {
        // a value set from Python that the menu lacks, or "—": layers with different activations
        select.append(new Option(value === "" ? "—" : value, value));
      }
      select.value = value;
      select.disabled = this.lesson.fixed.has(key);
    }
    const classesBox = this.dataPanel.querySelector<HTMLElement>('.pg-field[data-control="classes"]');
    if (classesBox !== null) classesBox.hidden = !MULTICLASS_SETS.has(s.dataset);
    for (const [key, slider] of this.sliders) {
      const value = Number(s[key as keyof Settings]);
      if (document.activeElement !== slider.input) slider.input.value = String(value);
      slider.text.textContent = slider.format(value);
      slider.input.disabled = this.lesson.fixed.has(key);
    }
    for (const [name, button] of this.datasetButtons) {
      button.setAttribute("aria-pressed", String(name === s.dataset));
      button.disabled = this.lesson.fixed.has("dataset") || s.dataset === "custom";
    }
    if (this.customButton !== null) this.customButton.hidden = s.dataset !== "custom";
    if (this.customButton !== null) this.customButton.setAttribute("aria-pressed", String(s.dataset === "custom"));
  }
}
