// A diverging orange–white–blue scale: readable with the common colour-vision
// deficiencies (it differs in lightness and in the blue–yellow axis, not only
// red–green). Negative values are orange, positive blue, as in TensorFlow
// Playground.

export type RGB = readonly [number, number, number];

export const DIVERGING_STOPS: readonly (readonly [number, RGB])[] = [
  [-1, [179, 88, 6]],
  [-0.5, [241, 163, 64]],
  [0, [247, 247, 247]],
  [0.5, [146, 197, 222]],
  [1, [33, 102, 172]],
];

export const NEGATIVE: RGB = [230, 120, 20];
export const POSITIVE: RGB = [33, 102, 172];

/** Colour of t in [-1, 1] (clamped; NaN is grey). */
export function diverging(t: number): RGB {
  if (Number.isNaN(t)) return [160, 160, 160];
  const x = Math.max(-1, Math.min(1, t));
  for (let i = 1; i < DIVERGING_STOPS.length; i++) {
    const [t1, c1] = DIVERGING_STOPS[i]!;
    if (x <= t1) {
      const [t0, c0] = DIVERGING_STOPS[i - 1]!;
      const f = (x - t0) / (t1 - t0);
      return [
        Math.round(c0[0] + f * (c1[0] - c0[0])),
        Math.round(c0[1] + f * (c1[1] - c0[1])),
        Math.round(c0[2] + f * (c1[2] - c0[2])),
      ];
    }
  }
  return DIVERGING_STOPS[DIVERGING_STOPS.length - 1]![1];
}

export function css([r, g, b]: RGB, alpha = 1): string {
  return alpha >= 1 ? `rgb(${r},${g},${b})` : `rgba(${r},${g},${b},${alpha.toFixed(3)})`;
}

/** CSS gradient of the scale from -1 (left) to +1 (right), for the legend. */
export function divergingGradient(): string {
  const stops = DIVERGING_STOPS.map(([t, c]) => `${css(c)} ${((t + 1) * 50).toFixed(0)}%`);
  return `linear-gradient(to right, ${stops.join(", ")})`;
}
