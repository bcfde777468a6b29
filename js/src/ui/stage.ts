// The drawing area of a view: a canvas, HTML labels laid over it, and a tooltip.

import { Tooltip } from "./tooltip";

export interface Stage {
  stage: HTMLDivElement;
  canvas: HTMLCanvasElement;
  labels: HTMLDivElement;
  tooltip: Tooltip;
}

export function createStage(): Stage {
  const stage = document.createElement("div");
  stage.className = "dlw-stage";
  const canvas = document.createElement("canvas");
  canvas.className = "dlw-canvas";
  const labels = document.createElement("div");
  labels.className = "dlw-labels";
  stage.append(canvas, labels);
  return { stage, canvas, labels, tooltip: new Tooltip(stage) };
}
