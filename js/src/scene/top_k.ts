// The k largest of many scores, found without sorting objects: one native
// sort of a typed copy gives the threshold, one pass gathers. The edge filter,
// the signal animation and the arithmetic panel all pick their "strongest"
// this way (200,704 scores in a few milliseconds).

/** |value| for ranking; NaN and infinities rank as 0 (nothing sensible to show first). */
export function magnitudes(values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const m = Math.abs(values[i]!);
    out[i] = Number.isFinite(m) ? m : 0;
  }
  return out;
}

/** Indices of the k largest scores, largest first; ties keep index order. Scores must be finite. */
export function topK(scores: Float64Array | Float32Array, k: number): Uint32Array {
  const n = scores.length;
  const count = Math.max(0, Math.min(k, n));
  if (count === 0) return new Uint32Array(0);
  const threshold = (scores instanceof Float32Array ? Float32Array.from(scores) : Float64Array.from(scores)).sort()[
    n - count
  ]!;
  const picked = new Uint32Array(count);
  let m = 0;
  for (let i = 0; i < n && m < count; i++) if (scores[i]! > threshold) picked[m++] = i;
  for (let i = 0; i < n && m < count; i++) if (scores[i]! === threshold) picked[m++] = i;
  return picked.sort((a, b) => scores[b]! - scores[a]! || a - b);
}
