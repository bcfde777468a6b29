import { describe, expect, it } from "vitest";
import { IDENTITY, MAX_SCALE, panBy, toLayout, toView, zoomAt } from "../src/scene/viewport";

describe("viewport", () => {
  it("maps layout and view coordinates both ways", () => {
    const view = { scale: 2, x: 10, y: -4 };
    expect(toView(view, 5, 6)).toEqual([20, 8]);
    expect(toLayout(view, 20, 8)).toEqual([5, 6]);
    expect(toLayout(IDENTITY, 3, 4)).toEqual([3, 4]);
  });

  it("zooms about the cursor: the point under it stays put", () => {
    const view = zoomAt(IDENTITY, 100, 50, 3);
    expect(view.scale).toBe(3);
    expect(toView(view, 100, 50)).toEqual([100, 50]);
    const [lx, ly] = toLayout(view, 130, 80);
    expect(lx).toBeCloseTo(110);
    expect(ly).toBeCloseTo(60);
  });

  it("clamps the scale and pans by pixels", () => {
    expect(zoomAt(IDENTITY, 0, 0, 1000).scale).toBe(MAX_SCALE);
    expect(panBy({ scale: 2, x: 1, y: 2 }, 5, -3)).toEqual({ scale: 2, x: 6, y: -1 });
  });
});
