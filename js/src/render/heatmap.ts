// Neuron maps to pixels: each byte b of a map stands for t = b / 127.5 − 1 in
// [-1, 1], coloured on the diverging orange–white–blue scale. Written into
// plain RGBA arrays so the arithmetic is tested without a canvas.

import { diverging, type RGB } from "./colors";

/** RGB of every byte value, on the diverging scale. */
export const DIVERGING_LUT: Uint8Array = (() => {
  const lut = new Uint8Array(256 * 3);
  for (let b = 0; b < 256; b++) lut.set(diverging(b / 127.5 - 1), b * 3);
  return lut;
})();

// Okabe & Ito's palette, safe for the common colour-vision deficiencies. Two
// classes use the diverging scale's own ends, as the neurons do.
export const CLASS_COLORS: readonly RGB[] = [
  [0, 114, 178],
  [230, 159, 0],
  [0, 158, 115],
  [204, 121, 167],
  [86, 180, 233],
  [213, 94, 0],
  [240, 228, 66],
  [60, 60, 60],
];

/** The colour of class `k` of `classes`. */
export function classColor(k: number, classes: number): RGB {
  if (classes <= 2) return diverging(k === 0 ? -1 : 1);
  return CLASS_COLORS[k % CLASS_COLORS.length]!;
}

/** Bytes of `count` maps (size × size each) into one RGBA atlas (count·size wide, size high). */
export function paintAtlas(maps: Uint8Array, count: number, size: number, out: Uint8ClampedArray): void {
  const width = count * size;
  for (let k = 0; k < count; k++) {
    for (let r = 0; r < size; r++) {
      let src = (k * size + r) * size;
      let dst = (r * width + k * size) * 4;
      for (let c = 0; c < size; c++, src++, dst += 4) {
        const b = maps[src]! * 3;
        out[dst] = DIVERGING_LUT[b]!;
        out[dst + 1] = DIVERGING_LUT[b + 1]!;
        out[dst + 2] = DIVERGING_LUT[b + 2]!;
        out[dst + 3] = 255;
      }
    }
  }
}

/** Mix `rgb` towards white: `amount` 0 keeps it, 1 is white. */
function towardsWhite(rgb: RGB, amount: number): RGB {
  return [
    Math.round(rgb[0] + (255 - rgb[0]) * amount),
    Math.round(rgb[1] + (255 - rgb[1]) * amount),
    Math.round(rgb[2] + (255 - rgb[2]) * amount),
  ];
}

const REGION_LIGHTEN = 0.35; // the background is paler than the points drawn on it

/**
 * The output plane (size × size RGBA): one output map (binary probability or
 * regression) on the diverging scale; several (one per class) as the most
 * probable class's colour, paler where the network is less sure.
 */
export function paintRegions(outputs: readonly Uint8Array[], size: number, out: Uint8ClampedArray): void {
  const area = size * size;
  const classes = outputs.length;
  for (let i = 0; i < area; i++) {
    let rgb: RGB;
    if (classes === 1) {
      const b = outputs[0]![i]! * 3;
      rgb = towardsWhite([DIVERGING_LUT[b]!, DIVERGING_LUT[b + 1]!, DIVERGING_LUT[b + 2]!], REGION_LIGHTEN);
    } else {
      let best = 0;
      for (let k = 1; k < classes; k++) if (outputs[k]![i]! > outputs[best]![i]!) best = k;
      const p = outputs[best]![i]! / 255; // bytes hold 2p − 1
      const sure = Math.max(0, (p - 1 / classes) / (1 - 1 / classes));
      rgb = towardsWhite(classColor(best, classes), 1 - (0.2 + 0.55 * sure));
    }
    out.set(rgb, i * 4);
    out[i * 4 + 3] = 255;
  }
}
