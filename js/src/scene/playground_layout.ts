// Where the Playground's network goes: one column of tiles per layer (input
// features, hidden layers, outputs), and a link for every weight drawn.
// Layout changes only with the structure; each frame only restyles.

export interface Tile {
  column: number; // 0: inputs, then hidden layers, last: outputs
  unit: number; // for inputs: the feature's index in the full list
  x: number; // top-left corner
  y: number;
  size: number;
}

export interface Link {
  from: Tile;
  to: Tile;
  /** Weight lookup: column of `to`, its unit, and the source unit's index in the network. */
  column: number;
  toUnit: number;
  fromUnit: number;
}

export interface NetworkLayout {
  width: number;
  height: number;
  columns: Tile[][];
  columnX: number[]; // tile left edge per column
  links: Link[];
}

export interface LayoutInput {
  features: readonly string[]; // every feature, in the page's order
  active: readonly string[]; // the network's inputs, in the network's order
  showInactive: boolean; // false when the feature toggles are hidden: only inputs in use
  hidden: readonly number[]; // hidden layer widths
  outputs: number;
  width: number;
  tile?: number;
  top?: number;
  left?: number; // room for the feature labels
}

export const TILE = 40;
export const GAP = 14;

export function layoutNetwork(input: LayoutInput): NetworkLayout {
  const tile = input.tile ?? TILE;
  const top = input.top ?? 0;
  const left = input.left ?? 0;
  const shown = input.features
    .map((name, index) => ({ name, index }))
    .filter(({ name }) => input.showInactive || input.active.includes(name));
  const counts = [shown.length, ...input.hidden, input.outputs];
  const first = left;
  const last = Math.max(first + minimumWidth(counts.length, tile, 0) - tile - 4, input.width - tile - 4);
  const columnX = counts.map((_, c) =>
    counts.length === 1 ? first : Math.round(first + ((last - first) * c) / (counts.length - 1)),
  );
  const place = (column: number, unit: number, row: number): Tile => ({
    column,
    unit,
    x: columnX[column]!,
    y: top + row * (tile + GAP),
    size: tile,
  });
  const columns: Tile[][] = [shown.map(({ index }, row) => place(0, index, row))];
  for (let c = 1; c < counts.length; c++) {
    columns.push(Array.from({ length: counts[c]! }, (_, u) => place(c, u, u)));
  }
  const links: Link[] = [];
  for (const from of columns[0]!) {
    const fromUnit = input.active.indexOf(input.features[from.unit]!);
    if (fromUnit < 0) continue; // an unused feature feeds nothing
    for (const to of columns[1] ?? []) links.push({ from, to, column: 1, toUnit: to.unit, fromUnit });
  }
  for (let c = 1; c + 1 < columns.length; c++) {
    for (const from of columns[c]!) {
      for (const to of columns[c + 1]!) {
        links.push({ from, to, column: c + 1, toUnit: to.unit, fromUnit: from.unit });
      }
    }
  }
  const rows = Math.max(...counts, 1);
  return {
    width: Math.max(input.width, last + tile + 4),
    height: top + rows * (tile + GAP),
    columns,
    columnX,
    links,
  };
}

/** The narrowest network area that keeps `columns` columns of tiles apart. */
export function minimumWidth(columns: number, tile = TILE, left = 0): number {
  return left + Math.max(0, columns - 1) * Math.round(tile * 1.9) + tile + 4;
}

/** The tile under (x, y), if any. */
export function tileAt(layout: NetworkLayout, x: number, y: number): Tile | null {
  for (const column of layout.columns) {
    for (const tile of column) {
      if (x >= tile.x && x <= tile.x + tile.size && y >= tile.y && y <= tile.y + tile.size) return tile;
    }
  }
  return null;
}
