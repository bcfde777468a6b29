// The cached layer of edges and links, painted only when what it shows changes
// and composed into every frame. Edges go through WebGL2 or Canvas 2D; the
// few links between blocks always through Canvas 2D.

import type { Layout } from "../scene/layout";
import type { NetworkData } from "../scene/network";
import type { Viewport } from "../scene/viewport";
import { edgeBatches, type EdgeSource, paintLinks, strokeBatches } from "./network_painter";
import { WebglEdges } from "./webgl_edges";

export type Backend = "webgl" | "canvas";
/** "auto": WebGL2 on a GPU; Canvas 2D where WebGL is missing or rasterised in software (slower there). */
export type BackendChoice = "auto" | Backend;

export class EdgeLayer {
  /** The edges on the Canvas 2D backend. */
  private readonly flat = document.createElement("canvas");
  /** The few links between blocks: repainted whenever the step moves (they fade with it). */
  private readonly links = document.createElement("canvas");
  private readonly glCanvas = document.createElement("canvas");
  private gl: WebglEdges | null | undefined; // undefined: not tried yet; null: none or released
  private choice: BackendChoice | null = null; // null: not chosen yet
  backend: Backend = "canvas";

  /** Pick the backend; returns true when it changed (the layer must be repainted). */
  choose(choice: BackendChoice): boolean {
    if (choice === this.choice && !(this.backend === "webgl" && this.gl?.lost)) return false;
    this.choice = choice;
    const before = this.backend;
    if (choice !== "canvas" && this.gl === undefined) this.gl = WebglEdges.create(this.glCanvas);
    const gl = this.gl ?? null;
    const usable = gl !== null && !gl.lost;
    const webgl = usable && choice !== "canvas" && (choice === "webgl" || !gl.software);
    this.backend = webgl ? "webgl" : "canvas";
    if (!webgl && choice === "auto") this.dispose(); // asked, not used: give the context back
    return this.backend !== before;
  }

  dispose(): void {
    this.gl?.release();
    this.gl = undefined; // a later choice of "webgl" asks again
    this.backend = "canvas";
  }

  /** The WebGL renderer's name, or "" when WebGL was not used. */
  get renderer(): string {
    return this.gl?.renderer ?? "";
  }

  resize(width: number, height: number): void {
    for (const canvas of [this.flat, this.links, this.glCanvas]) {
      canvas.width = width;
      canvas.height = height;
    }
    // A GPU caps drawing buffers (8192 or 16384 px): past it, draw with Canvas 2D.
    if (this.backend === "webgl" && this.gl && !this.gl.complete) this.backend = "canvas";
  }

  /** Paint the edges for the view `painted` at device pixel ratio `dpr`; returns how many were drawn. */
  paint(layout: Layout, data: NetworkData, step: number, source: EdgeSource, painted: Viewport, dpr: number): number {
    const batches = edgeBatches(layout, data, step, source);
    if (this.backend === "webgl" && this.gl) {
      return this.gl.draw(batches, dpr * painted.scale, dpr * painted.x, dpr * painted.y);
    }
    const ctx = startLayer(this.flat, painted, dpr);
    return ctx === null ? 0 : strokeBatches(ctx, batches);
  }

  /** Paint the links between blocks; those into columns after `step` are faded. */
  paintLinks(layout: Layout, data: NetworkData, step: number, painted: Viewport, dpr: number): void {
    const ctx = startLayer(this.links, painted, dpr);
    if (ctx !== null) paintLinks(ctx, layout, data, step);
  }

  /** Draw the cached edges into `ctx` under its current transform. */
  composeEdges(ctx: CanvasRenderingContext2D): void {
    ctx.drawImage(this.backend === "webgl" ? this.glCanvas : this.flat, 0, 0);
  }

  composeLinks(ctx: CanvasRenderingContext2D): void {
    ctx.drawImage(this.links, 0, 0);
  }
}

/** A cleared 2D context on `canvas`, set to draw layout coordinates for the view `painted`. */
function startLayer(canvas: HTMLCanvasElement, painted: Viewport, dpr: number): CanvasRenderingContext2D | null {
  const ctx = canvas.getContext("2d");
  if (ctx === null) return null;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.setTransform(dpr * painted.scale, 0, 0, dpr * painted.scale, dpr * painted.x, dpr * painted.y);
  return ctx;
}
