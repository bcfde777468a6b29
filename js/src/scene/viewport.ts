// Pan and zoom: a scale and an offset between layout coordinates and the
// pixels of the view. Pure arithmetic, so hit-testing and drawing agree.

export interface Viewport {
  scale: number;
  x: number; // offset in CSS pixels
  y: number;
}

export const IDENTITY: Viewport = { scale: 1, x: 0, y: 0 };
export const MIN_SCALE = 0.5;
export const MAX_SCALE = 40;

/** Layout coordinates of a point of the view. */
export function toLayout(view: Viewport, px: number, py: number): [number, number] {
  return [(px - view.x) / view.scale, (py - view.y) / view.scale];
}

/** View pixels of a layout point. */
export function toView(view: Viewport, lx: number, ly: number): [number, number] {
  return [lx * view.scale + view.x, ly * view.scale + view.y];
}

/** Zoom by `factor` keeping the point under (px, py) where it is. */
export function zoomAt(view: Viewport, px: number, py: number, factor: number): Viewport {
  const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, view.scale * factor));
  const [lx, ly] = toLayout(view, px, py);
  return { scale, x: px - lx * scale, y: py - ly * scale };
}

export function panBy(view: Viewport, dx: number, dy: number): Viewport {
  return { scale: view.scale, x: view.x + dx, y: view.y + dy };
}

export function isIdentity(view: Viewport): boolean {
  return view.scale === 1 && view.x === 0 && view.y === 0;
}
