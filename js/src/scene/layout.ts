// Where each neuron sits. Pure geometry, recomputed only when the structure
// or the size of the view changes.

export interface ColumnLayout {
  x: number;
  y0: number; // centre of unit 0
  dy: number; // distance between unit centres
  r: number; // neuron radius
  units: number; // 0: a block
  half: number; // half the column's drawn width (r, or half a block)
}

export interface Layout {
  width: number;
  height: number;
  columns: ColumnLayout[];
}

export const MARGIN = { top: 44, bottom: 18, side: 88 } as const;
export const BLOCK = { width: 96, height: 58 } as const;
/** Columns never get closer than this: a wide model scrolls sideways instead. */
export const MIN_GAP = 124;
const MAX_SPACING = 34;
const MAX_RADIUS = 12;
const MIN_HEIGHT = 240;
const MAX_HEIGHT = 640;

/** Height that gives the widest column comfortable spacing, within bounds. */
export function preferredHeight(units: number[]): number {
  const widest = Math.max(1, ...units);
  const body = Math.min(MAX_HEIGHT, Math.max(MIN_HEIGHT, widest * MAX_SPACING));
  return body + MARGIN.top + MARGIN.bottom;
}

/** Positions for columns of `units` neurons (0: a block), at least `width` wide. */
export function layoutNetwork(units: number[], width: number, height: number): Layout {
  const usable = height - MARGIN.top - MARGIN.bottom;
  const centreY = MARGIN.top + usable / 2;
  const needed = 2 * MARGIN.side + MIN_GAP * Math.max(0, units.length - 1);
  const full = Math.max(width, needed);
  const span = Math.max(0, full - 2 * MARGIN.side);
  const columns = units.map((n, i) => {
    const x = units.length === 1 ? full / 2 : MARGIN.side + (span * i) / (units.length - 1);
    if (n === 0) return { x, y0: centreY, dy: BLOCK.height, r: 0, units: 0, half: BLOCK.width / 2 };
    const dy = n <= 1 ? MAX_SPACING : Math.min(MAX_SPACING, usable / n);
    const r = Math.max(0.8, Math.min(MAX_RADIUS, dy * 0.38));
    return { x, y0: centreY - (dy * (n - 1)) / 2, dy, r, units: n, half: r };
  });
  return { width: full, height, columns };
}

/** The vertical middle of the drawing, where blocks sit and links run. */
export function middleY(layout: Layout): number {
  return MARGIN.top + (layout.height - MARGIN.top - MARGIN.bottom) / 2;
}

/** The block under (x, y), if any. */
export function blockAt(layout: Layout, x: number, y: number): number | null {
  const mid = middleY(layout);
  const index = layout.columns.findIndex(
    (col) => col.units === 0 && Math.abs(x - col.x) <= col.half && Math.abs(y - mid) <= BLOCK.height / 2,
  );
  return index < 0 ? null : index;
}

export function unitY(column: ColumnLayout, unit: number): number {
  return column.y0 + unit * column.dy;
}

export interface UnitRef {
  column: number;
  unit: number;
}

/** The neuron under (x, y), in constant time: columns are evenly spaced, units too. */
export function neuronAt(layout: Layout, x: number, y: number): UnitRef | null {
  let best: UnitRef | null = null;
  let bestDistance = Infinity;
  layout.columns.forEach((col, column) => {
    if (col.units === 0) return;
    const reach = Math.max(col.r, 5) + 2;
    if (Math.abs(x - col.x) > reach) return;
    const unit = Math.round((y - col.y0) / col.dy);
    if (unit < 0 || unit >= col.units) return;
    const distance = Math.hypot(x - col.x, y - unitY(col, unit));
    if (distance <= Math.max(reach, col.dy / 2) && distance < bestDistance) {
      best = { column, unit };
      bestDistance = distance;
    }
  });
  return best;
}
