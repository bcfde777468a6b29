// The legend: the colour scale of neuron values with its range, and what edge
// colour, width and the bias marks mean.

import { css, divergingGradient, NEGATIVE, POSITIVE } from "../render/colors";
import { formatNumber, type Strings } from "../i18n";

function span(className: string, text: string): HTMLSpanElement {
  const el = document.createElement("span");
  el.className = className;
  el.textContent = text;
  return el;
}

export class Legend {
  readonly el: HTMLDivElement;

  constructor(parent: HTMLElement) {
    this.el = document.createElement("div");
    this.el.className = "dlw-legend";
    parent.appendChild(this.el);
  }

  update(
    t: Strings,
    valueRange: number,
    weightRange: number,
    title: string = t.activationScale,
    edgeTitle: string = t.weightLegend,
  ): void {
    const scale = document.createElement("div");
    scale.className = "dlw-legend-scale";
    scale.dataset.range = String(valueRange);
    const bar = document.createElement("span");
    bar.className = "dlw-legend-bar";
    bar.style.background = divergingGradient();
    scale.append(
      span("dlw-legend-title", title),
      span("dlw-legend-min", formatNumber(-valueRange)),
      bar,
      span("dlw-legend-max", formatNumber(valueRange)),
    );

    const edges = document.createElement("div");
    edges.className = "dlw-legend-edges";
    const swatch = (color: string, label: string): HTMLSpanElement => {
      const s = span("dlw-legend-edge", label);
      s.style.setProperty("--edge", color);
      return s;
    };
    edges.append(
      span("dlw-legend-title", edgeTitle),
      swatch(css(NEGATIVE), t.negative),
      swatch(css(POSITIVE), t.positive),
      span("dlw-legend-note", `|w| ≤ ${formatNumber(weightRange)}`),
      span("dlw-legend-bias", t.biasLegend),
    );
    this.el.replaceChildren(scale, edges);
  }
}
