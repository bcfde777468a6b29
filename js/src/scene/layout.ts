// Where each neuron sits. Pure geometry, recomputed only when the structure
// or the size of the view changes.

export interface ColumnLayout {
  x: number;
  y0: number; // centre of unit 0
  dy: number; // distance between unit centres
  r: number; // neuron radius
  units: number;
}

export interface Layout {
  width: number;
  height: number;
  columns: ColumnLayout[];
}

export const MARGIN = { top: 44, bottom: 18, side: 88 } as const;
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

export function layoutNetwork(units: number[], width: number, height: number): Layout {
  const usable = height - MARGIN.top - MARGIN.bottom;
  const centreY = MARGIN.top + usable / 2;
  const span = Math.max(0, width - 2 * MARGIN.side);
  const columns = units.map((n, i) => {
    const x = units.length === 1 ? width / 2 : MARGIN.side + (span * i) / (units.length - 1);
    const dy = n <= 1 ? MAX_SPACING : Math.min(MAX_SPACING, usable / n);
    const r = Math.max(0.8, Math.min(MAX_RADIUS, dy * 0.38));
    return { x, y0: centreY - (dy * (n - 1)) / 2, dy, r, units: n };
  });
  return { width, height, columns };
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
