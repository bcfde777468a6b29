// Where RecurrentView draws each unit: one column per time step, one band of
// units per role (input at the bottom, stacked hidden layers, output on top).
// Neighbouring bands sit a little left and right of the column's centre so
// the edges from x_t (or the layer below) into h_t fan across the column,
// while the recurrent edges h_{t-1} → h_t run between columns. Pure geometry.

export interface BandLayout {
  x: number; // offset of the band's units from the column centre
  y0: number; // centre of unit 0 (the top one)
  dy: number;
  r: number;
  units: number;
}

export interface RecurrentLayout {
  width: number;
  height: number;
  columns: number[]; // x of each step's centre
  bands: BandLayout[];
  gate: { size: number; count: number }; // squares beside each hidden unit (0: gates off)
  labelY: number; // the baseline of the token labels under the columns
}

export interface BandSpec {
  units: number;
  hidden: boolean;
}

export const MARGIN = { top: 24, bottom: 40, left: 88, right: 16 } as const;
const BAND_GAP = 34;
const HIDDEN_HEIGHT = 240; // the most a hidden band takes; spacing shrinks to fit
const OTHER_HEIGHT = 150;
const MAX_DY = 22;
// Bands sit this far either side of the column centre: less when columns are narrow.
const STAGGER = { min: 6, max: 28 } as const;

/**
 * Bands listed bottom to top; `gates`: squares beside each hidden unit
 * (LSTM: i, f, g, o and c; 0 when hidden). The drawing is at least `width` wide.
 */
export function layoutRecurrent(steps: number, bands: BandSpec[], gates: number, width: number): RecurrentLayout {
  const sized = bands.map((band) => {
    const room = band.hidden ? HIDDEN_HEIGHT : OTHER_HEIGHT;
    const dy = Math.min(MAX_DY, room / Math.max(1, band.units));
    // Inputs and outputs are drawn a little smaller than the hidden state, the subject.
    return { dy, r: Math.max(1.5, Math.min(band.hidden ? 8 : 6, dy * 0.4)), units: band.units };
  });
  const hiddenDy = Math.min(...sized.map((b, i) => (bands[i]!.hidden ? b.dy : MAX_DY)));
  const size = gates > 0 ? Math.max(3, Math.min(6, hiddenDy - 2)) : 0;
  const gateWidth = gates * (size + 1);
  const radius = Math.max(...sized.map((b) => b.r));
  // The narrowest column keeps its bands apart and the gates clear of the next column.
  const column = 2 * STAGGER.min + 2 * radius + gateWidth + 6;
  const full = Math.max(width, MARGIN.left + MARGIN.right + column * steps);
  const spacing = (full - MARGIN.left - MARGIN.right) / Math.max(1, steps);
  const stagger = Math.min(STAGGER.max, Math.max(STAGGER.min, (spacing - 2 * radius - gateWidth - 6) / 2));
  const columns = Array.from({ length: steps }, (_, t) => MARGIN.left + spacing * (t + 0.5));
  // Heights from the bottom band up: y grows downward, so the top band is placed first.
  const heights = sized.map((b) => b.dy * Math.max(1, b.units));
  const height = MARGIN.top + MARGIN.bottom + heights.reduce((a, h) => a + h, 0) + BAND_GAP * (bands.length - 1);
  let top = MARGIN.top;
  const placed: BandLayout[] = new Array(bands.length);
  for (let b = bands.length - 1; b >= 0; b--) {
    const band = sized[b]!;
    // Inputs and outputs sit further out, so that the x_t → h_t edges fan even in narrow columns.
    const offset = (b % 2 === 0 ? -1 : 1) * (bands[b]!.hidden ? stagger : Math.max(stagger, 0.3 * spacing));
    placed[b] = { x: offset, y0: top + band.dy / 2, dy: band.dy, r: band.r, units: band.units };
    top += heights[b]! + BAND_GAP;
  }
  return { width: full, height, columns, bands: placed, gate: { size, count: gates }, labelY: height - MARGIN.bottom + 16 };
}

/** The centre of unit `u` of band `b` at step `t`. */
export function unitPoint(layout: RecurrentLayout, b: number, t: number, u: number): { x: number; y: number } {
  const band = layout.bands[b]!;
  return { x: layout.columns[t]! + band.x, y: band.y0 + u * band.dy };
}

/** Top-left corner of gate square `g` beside unit `u` (gates of band b at step t). */
export function gatePoint(layout: RecurrentLayout, b: number, t: number, u: number, g: number): { x: number; y: number } {
  const { x, y } = unitPoint(layout, b, t, u);
  const band = layout.bands[b]!;
  const s = layout.gate.size;
  return { x: x + band.r + 3 + g * (s + 1), y: y - s / 2 };
}

/** The distance between neighbouring columns. */
export function columnSpacing(layout: RecurrentLayout): number {
  const [first, second] = layout.columns;
  if (first === undefined) return 0;
  return second !== undefined ? second - first : 2 * (first - MARGIN.left);
}

export interface UnitHit {
  band: number;
  step: number;
  unit: number;
}

/** The unit under (x, y): columns and units are evenly spaced, so this is constant time per band. */
export function unitAt(layout: RecurrentLayout, x: number, y: number): UnitHit | null {
  const columns = layout.columns;
  if (columns.length === 0) return null;
  const spacing = columnSpacing(layout);
  let best: UnitHit | null = null;
  let bestDistance = Infinity;
  layout.bands.forEach((band, b) => {
    const unit = Math.round((y - band.y0) / band.dy);
    if (unit < 0 || unit >= band.units) return;
    const step = Math.round((x - band.x - columns[0]!) / spacing);
    if (step < 0 || step >= columns.length) return;
    const p = unitPoint(layout, b, step, unit);
    const distance = Math.hypot(x - p.x, y - p.y);
    const reach = Math.max(band.r + 2, Math.min(6, band.dy / 2));
    if (distance <= reach && distance < bestDistance) {
      best = { band: b, step, unit };
      bestDistance = distance;
    }
  });
  return best;
}
