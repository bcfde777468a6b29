// Where each neuron sits. Pure geometry, recomputed only when the structure
// or the size of the view changes.

export interface ColumnLayout {
  x: number;
  y0: number; // centre of slot 0
  dy: number; // distance between slot centres
  r: number; // neuron radius
  units: number; // 0: a block
  half: number; // half the column's drawn width (r, or half a block)
  slots: number; // drawn positions: one per unit, or one per collapsed group
  /** Unit → slot, and slot → its first unit (slots + 1 entries); null when every unit has its own slot. */
  slotOf: Int32Array | null;
  slotStart: Int32Array | null;
  groups: UnitGroup[]; // every group of a grouped column, collapsed or expanded
}

/** Consecutive units drawn as one node until it is expanded. */
export interface UnitGroup {
  index: number;
  start: number; // first unit
  end: number; // one past the last unit
  expanded: boolean;
  slot: number; // its node's slot, or its first unit's slot when expanded
}

/** Columns wider than `threshold` units (0: none) are drawn as groups; `expanded(c)` lists the open ones. */
export interface Grouping {
  threshold: number;
  expanded(column: number): ReadonlySet<number>;
}

export const NO_GROUPING: Grouping = { threshold: 0, expanded: () => new Set() };
/** A grouped column has about this many nodes before any is expanded. */
export const GROUP_NODES = 48;

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

/** The groups of a column of `units` units, with its slots; none below the threshold. */
function groupColumn(
  units: number,
  threshold: number,
  expanded: ReadonlySet<number>,
): Pick<ColumnLayout, "slots" | "slotOf" | "slotStart" | "groups"> {
  if (threshold <= 0 || units <= threshold) return { slots: units, slotOf: null, slotStart: null, groups: [] };
  const size = Math.ceil(units / GROUP_NODES);
  const slotOf = new Int32Array(units);
  const starts: number[] = [];
  const groups: UnitGroup[] = [];
  for (let index = 0, start = 0; start < units; index++, start += size) {
    const end = Math.min(units, start + size);
    const open = expanded.has(index);
    groups.push({ index, start, end, expanded: open, slot: starts.length });
    for (let u = start; u < end; u++) {
      if (open || u === start) starts.push(u);
      slotOf[u] = starts.length - 1;
    }
  }
  starts.push(units);
  return { slots: starts.length - 1, slotOf, slotStart: Int32Array.from(starts), groups };
}

/** How many nodes each column draws under `grouping` (for `preferredHeight`). */
export function slotCounts(units: number[], grouping: Grouping): number[] {
  return units.map((n, c) => groupColumn(n, grouping.threshold, grouping.expanded(c)).slots);
}

/** Positions for columns of `units` neurons (0: a block), at least `width` wide. */
export function layoutNetwork(
  units: number[],
  width: number,
  height: number,
  grouping: Grouping = NO_GROUPING,
): Layout {
  const usable = height - MARGIN.top - MARGIN.bottom;
  const centreY = MARGIN.top + usable / 2;
  const needed = 2 * MARGIN.side + MIN_GAP * Math.max(0, units.length - 1);
  const full = Math.max(width, needed);
  const span = Math.max(0, full - 2 * MARGIN.side);
  const columns = units.map((n, i) => {
    const x = units.length === 1 ? full / 2 : MARGIN.side + (span * i) / (units.length - 1);
    if (n === 0) {
      const block = { slots: 0, slotOf: null, slotStart: null, groups: [] };
      return { x, y0: centreY, dy: BLOCK.height, r: 0, units: 0, half: BLOCK.width / 2, ...block };
    }
    const grouped = groupColumn(n, grouping.threshold, grouping.expanded(i));
    const slots = grouped.slots;
    const dy = slots <= 1 ? MAX_SPACING : Math.min(MAX_SPACING, usable / slots);
    const r = Math.max(0.8, Math.min(MAX_RADIUS, dy * 0.38));
    return { x, y0: centreY - (dy * (slots - 1)) / 2, dy, r, units: n, half: r, ...grouped };
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
  return column.y0 + (column.slotOf === null ? unit : column.slotOf[unit]!) * column.dy;
}

/** The units drawn at a slot: [first, one past the last). */
export function slotUnits(column: ColumnLayout, slot: number): [number, number] {
  const starts = column.slotStart;
  return starts === null ? [slot, slot + 1] : [starts[slot]!, starts[slot + 1]!];
}

/** The collapsed group drawn at a slot, if any. */
export function groupAt(column: ColumnLayout, slot: number): UnitGroup | null {
  if (column.slotStart === null) return null;
  const [start, end] = slotUnits(column, slot);
  if (end - start < 2) return null;
  return column.groups.find((g) => g.start === start && !g.expanded) ?? null;
}

export interface UnitRef {
  column: number;
  unit: number;
  group?: UnitGroup; // set when the pointer is on a collapsed group (unit: its first)
}

/** The neuron under (x, y), in constant time: columns are evenly spaced, units too. */
export function neuronAt(layout: Layout, x: number, y: number): UnitRef | null {
  let best: UnitRef | null = null;
  let bestDistance = Infinity;
  layout.columns.forEach((col, column) => {
    if (col.units === 0) return;
    const reach = Math.max(col.r, 5) + 2;
    if (Math.abs(x - col.x) > reach) return;
    const slot = Math.round((y - col.y0) / col.dy);
    if (slot < 0 || slot >= col.slots) return;
    const distance = Math.hypot(x - col.x, y - (col.y0 + slot * col.dy));
    if (distance <= Math.max(reach, col.dy / 2) && distance < bestDistance) {
      const group = groupAt(col, slot);
      best = group === null ? { column, unit: slotUnits(col, slot)[0] } : { column, unit: group.start, group };
      bestDistance = distance;
    }
  });
  return best;
}
