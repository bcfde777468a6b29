// A Ctx2D that records every call with the style in effect at that moment.

import type { Ctx2D } from "../src/render/network_painter";

export interface Call {
  op:
    | "beginPath"
    | "moveTo"
    | "lineTo"
    | "bezierCurveTo"
    | "stroke"
    | "fill"
    | "arc"
    | "fillRect"
    | "strokeRect"
    | "clearRect"
    | "setLineDash"
    | "fillText";
  args: number[];
  text?: string;
  strokeStyle: string;
  fillStyle: string;
  lineWidth: number;
}

type Style = string | CanvasGradient | CanvasPattern;

export class FakeCtx implements Ctx2D {
  readonly calls: Call[] = [];
  strokeStyle: Style = "#000";
  fillStyle: Style = "#000";
  lineWidth = 1;
  font = "10px sans-serif";
  textAlign: CanvasTextAlign = "start";
  textBaseline: CanvasTextBaseline = "alphabetic";

  private record(op: Call["op"], args: number[]): void {
    this.calls.push({
      op,
      args,
      strokeStyle: String(this.strokeStyle),
      fillStyle: String(this.fillStyle),
      lineWidth: this.lineWidth,
    });
  }

  ops(op: Call["op"]): Call[] {
    return this.calls.filter((c) => c.op === op);
  }

  beginPath(): void {
    this.record("beginPath", []);
  }
  moveTo(x: number, y: number): void {
    this.record("moveTo", [x, y]);
  }
  lineTo(x: number, y: number): void {
    this.record("lineTo", [x, y]);
  }
  stroke(): void {
    this.record("stroke", []);
  }
  fill(): void {
    this.record("fill", []);
  }
  arc(x: number, y: number, radius: number, startAngle: number, endAngle: number): void {
    this.record("arc", [x, y, radius, startAngle, endAngle]);
  }
  fillRect(x: number, y: number, w: number, h: number): void {
    this.record("fillRect", [x, y, w, h]);
  }
  strokeRect(x: number, y: number, w: number, h: number): void {
    this.record("strokeRect", [x, y, w, h]);
  }
  clearRect(x: number, y: number, w: number, h: number): void {
    this.record("clearRect", [x, y, w, h]);
  }
  setLineDash(segments: number[]): void {
    this.record("setLineDash", [...segments]);
  }
  bezierCurveTo(a: number, b: number, c: number, d: number, x: number, y: number): void {
    this.record("bezierCurveTo", [a, b, c, d, x, y]);
  }
  fillText(text: string, x: number, y: number): void {
    this.record("fillText", [x, y]);
    this.calls[this.calls.length - 1]!.text = text;
  }
}

/** The alpha of an rgb()/rgba() colour. */
export function alphaOf(color: string): number {
  const m = /^rgba?\((\d+),(\d+),(\d+)(?:,([\d.]+))?\)$/.exec(color);
  if (m === null) throw new Error(`not an rgb colour: ${color}`);
  return m[4] === undefined ? 1 : Number(m[4]);
}
