// Thumbnails of a block's strongest feature maps, drawn under the block: a
// conv or pooling layer shows that it holds images, and which. Each map is
// turned into pixels once per forward pass and sample, then scaled.

import { BLOCK, type Layout, middleY } from "../scene/layout";
import type { BlockMapsData, NetworkData } from "../scene/network";
import { css, diverging } from "./colors";
import type { Ctx2D } from "./network_painter";

export const THUMB = 40; // px a side
export const THUMB_GAP = 4;
const PER_ROW = 2; // a 2×2 grid fits under a block

export interface MapPixel {
  column: number;
  map: number; // which thumbnail (0: the most active channel)
  y: number; // in the thumbnail's (possibly downsampled) pixels
  x: number;
}

export interface Box {
  x: number;
  y: number;
  size: number;
}

/** Where thumbnail `k` of column `c` sits, in layout coordinates; null without maps. */
export function thumbBox(layout: Layout, data: NetworkData, c: number, k: number): Box | null {
  const maps = data.maps[c];
  const col = layout.columns[c];
  if (maps === null || maps === undefined || col === undefined || k < 0 || k >= maps.count) return null;
  const perRow = Math.min(PER_ROW, maps.count);
  const width = perRow * THUMB + (perRow - 1) * THUMB_GAP;
  const [row, place] = [Math.floor(k / perRow), k % perRow];
  return {
    x: col.x - width / 2 + place * (THUMB + THUMB_GAP),
    y: middleY(layout) + BLOCK.height / 2 + 8 + row * (THUMB + THUMB_GAP),
    size: THUMB,
  };
}

/** The thumbnail pixel under (x, y), if any. */
export function mapPixelAt(layout: Layout, data: NetworkData, x: number, y: number): MapPixel | null {
  for (let c = 0; c < data.maps.length; c++) {
    const maps = data.maps[c];
    if (maps === null || maps === undefined) continue;
    for (let k = 0; k < maps.count; k++) {
      const box = thumbBox(layout, data, c, k)!;
      if (x < box.x || y < box.y || x >= box.x + box.size || y >= box.y + box.size) continue;
      const px = Math.floor(((x - box.x) / box.size) * maps.width);
      const py = Math.floor(((y - box.y) / box.size) * maps.height);
      return { column: c, map: k, y: py, x: px };
    }
  }
  return null;
}

/**
 * The thumbnails as one rectangle per pixel, for vector output (the SVG
 * export); the page itself draws them as cached images (BlockMapPainter).
 */
export function paintBlockMapPixels(ctx: Ctx2D, layout: Layout, data: NetworkData, sample: number, step: number): number {
  let drawn = 0;
  data.maps.forEach((maps, c) => {
    if (maps === null) return;
    const alpha = c > step ? 0.25 : 1;
    for (let k = 0; k < maps.count; k++) {
      const box = thumbBox(layout, data, c, k)!;
      const [pw, ph] = [box.size / maps.width, box.size / maps.height];
      for (let y = 0; y < maps.height; y++) {
        for (let x = 0; x < maps.width; x++) {
          ctx.fillStyle = css(diverging(maps.value(sample, k, y, x) / maps.range), alpha);
          ctx.fillRect(box.x + x * pw, box.y + y * ph, pw, ph);
          drawn++;
        }
      }
      ctx.setLineDash([]);
      ctx.lineWidth = 1;
      ctx.strokeStyle = "#8c959f";
      ctx.strokeRect(box.x, box.y, box.size, box.size);
    }
  });
  return drawn;
}

export class BlockMapPainter {
  private images = new Map<string, HTMLCanvasElement>();
  private imagesOf: NetworkData | null = null;

  /** Draw every block's thumbnails for `sample`; columns after `step` are faded. */
  paint(ctx: CanvasRenderingContext2D, layout: Layout, data: NetworkData, sample: number, step: number): void {
    if (data !== this.imagesOf) {
      this.images.clear(); // a new forward pass
      this.imagesOf = data;
    }
    ctx.imageSmoothingEnabled = false;
    ctx.setLineDash([]);
    ctx.lineWidth = 1;
    ctx.strokeStyle = "#8c959f";
    data.maps.forEach((maps, c) => {
      if (maps === null) return;
      ctx.globalAlpha = c > step ? 0.25 : 1;
      for (let k = 0; k < maps.count; k++) {
        const box = thumbBox(layout, data, c, k)!;
        ctx.drawImage(this.image(maps, c, k, sample), box.x, box.y, box.size, box.size);
        ctx.strokeRect(box.x, box.y, box.size, box.size);
      }
    });
    ctx.globalAlpha = 1;
  }

  private image(maps: BlockMapsData, c: number, k: number, sample: number): HTMLCanvasElement {
    const key = `${c}:${k}:${sample}`;
    let canvas = this.images.get(key);
    if (canvas === undefined) {
      canvas = document.createElement("canvas");
      canvas.width = maps.width;
      canvas.height = maps.height;
      const ctx = canvas.getContext("2d");
      if (ctx !== null) {
        const pixels = ctx.createImageData(maps.width, maps.height);
        for (let y = 0; y < maps.height; y++) {
          for (let x = 0; x < maps.width; x++) {
            const [r, g, b] = diverging(maps.value(sample, k, y, x) / maps.range);
            const at = 4 * (y * maps.width + x);
            pixels.data.set([r, g, b, 255], at);
          }
        }
        ctx.putImageData(pixels, 0, 0);
      }
      this.images.set(key, canvas);
    }
    return canvas;
  }
}
