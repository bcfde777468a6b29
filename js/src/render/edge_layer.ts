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
  /** Links, and the edges too on the Canvas 2D backend. */
  private readonly flat = document.createElement("canvas");
  private readonly glCanvas = document.createElement("canvas");
  private gl: WebglEdges | null | undefined; // undefined: not tried yet
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
    return this.backend !== before;
  }

  /** The WebGL renderer's name, or "" when WebGL was not used. */
  get renderer(): string {
    return this.gl?.renderer ?? "";
  }

  resize(width: number, height: number): void {
    for (const canvas of [this.flat, this.glCanvas]) {
      canvas.width = width;
      canvas.height = height;
    }
  }

  /**
   * Paint links and edges for the view `painted` at device pixel ratio `dpr`.
   * `linkStep`: links into columns after it are faded. Returns the edges drawn.
   */
  paint(
    layout: Layout,
    data: NetworkData,
    step: number,
    linkStep: number,
    source: EdgeSource,
    painted: Viewport,
    dpr: number,
  ): number {
    const ctx = this.flat.getContext("2d");
    if (ctx === null) return 0;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.flat.width, this.flat.height);
    ctx.setTransform(dpr * painted.scale, 0, 0, dpr * painted.scale, dpr * painted.x, dpr * painted.y);
    paintLinks(ctx, layout, data, linkStep);
    const batches = edgeBatches(layout, data, step, source);
    if (this.backend === "webgl" && this.gl) {
      return this.gl.draw(batches, dpr * painted.scale, dpr * painted.x, dpr * painted.y);
    }
    return strokeBatches(ctx, batches);
  }

  /** Draw the cached layer into `ctx` under its current transform. */
  compose(ctx: CanvasRenderingContext2D): void {
    ctx.drawImage(this.flat, 0, 0);
    if (this.backend === "webgl") ctx.drawImage(this.glCanvas, 0, 0);
  }
}
