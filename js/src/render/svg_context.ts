// A Ctx2D that writes SVG instead of pixels: the same painters draw the view
// as a vector image for export (paths, circles, rectangles and text).

import type { Ctx2D } from "./network_painter";

function num(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c]!);
}

export class SvgContext implements Ctx2D {
  strokeStyle: string | CanvasGradient | CanvasPattern = "#000";
  fillStyle: string | CanvasGradient | CanvasPattern = "#000";
  lineWidth = 1;
  font = "10px sans-serif";
  textAlign: CanvasTextAlign = "start";
  textBaseline: CanvasTextBaseline = "alphabetic";
  private readonly parts: string[] = [];
  private path = "";
  private circle: [number, number, number] | null = null;
  private dash: number[] = [];

  beginPath(): void {
    this.path = "";
    this.circle = null;
  }
  moveTo(x: number, y: number): void {
    this.path += `M${num(x)} ${num(y)}`;
  }
  lineTo(x: number, y: number): void {
    this.path += `L${num(x)} ${num(y)}`;
  }
  bezierCurveTo(a: number, b: number, c: number, d: number, x: number, y: number): void {
    this.path += `C${num(a)} ${num(b)} ${num(c)} ${num(d)} ${num(x)} ${num(y)}`;
  }
  arc(x: number, y: number, r: number): void {
    this.circle = [x, y, r]; // the painters only draw whole circles
  }
  setLineDash(segments: number[]): void {
    this.dash = [...segments];
  }

  private strokeAttributes(): string {
    const dash = this.dash.length > 0 ? ` stroke-dasharray="${this.dash.join(" ")}"` : "";
    return `fill="none" stroke="${String(this.strokeStyle)}" stroke-width="${num(this.lineWidth)}"${dash}`;
  }

  stroke(): void {
    if (this.circle !== null) {
      const [x, y, r] = this.circle;
      this.parts.push(`<circle cx="${num(x)}" cy="${num(y)}" r="${num(r)}" ${this.strokeAttributes()}/>`);
    } else if (this.path !== "") {
      this.parts.push(`<path d="${this.path}" ${this.strokeAttributes()}/>`);
    }
  }
  fill(): void {
    if (this.circle !== null) {
      const [x, y, r] = this.circle;
      this.parts.push(`<circle cx="${num(x)}" cy="${num(y)}" r="${num(r)}" fill="${String(this.fillStyle)}"/>`);
    } else if (this.path !== "") {
      this.parts.push(`<path d="${this.path}" fill="${String(this.fillStyle)}"/>`);
    }
  }
  fillRect(x: number, y: number, w: number, h: number): void {
    this.parts.push(`<rect x="${num(x)}" y="${num(y)}" width="${num(w)}" height="${num(h)}" fill="${String(this.fillStyle)}"/>`);
  }
  strokeRect(x: number, y: number, w: number, h: number): void {
    this.parts.push(`<rect x="${num(x)}" y="${num(y)}" width="${num(w)}" height="${num(h)}" ${this.strokeAttributes()}/>`);
  }
  clearRect(): void {
    this.parts.length = 0;
  }
  fillText(text: string, x: number, y: number): void {
    const anchor = this.textAlign === "center" ? "middle" : this.textAlign === "right" || this.textAlign === "end" ? "end" : "start";
    const baseline = this.textBaseline === "middle" ? "central" : "auto";
    this.parts.push(
      `<text x="${num(x)}" y="${num(y)}" text-anchor="${anchor}" dominant-baseline="${baseline}" ` +
        `style="font: ${escapeXml(this.font)}" fill="${String(this.fillStyle)}">${escapeXml(text)}</text>`,
    );
  }

  /** The finished document. */
  toSvg(width: number, height: number): string {
    return (
      `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
      `<rect width="100%" height="100%" fill="#ffffff"/>${this.parts.join("")}</svg>`
    );
  }
}
