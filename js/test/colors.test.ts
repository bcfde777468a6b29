import { describe, expect, it } from "vitest";
import { css, DIVERGING_STOPS, diverging, divergingGradient } from "../src/render/colors";

describe("diverging", () => {
  it("gives the end and middle stops at -1, 0 and +1", () => {
    expect(diverging(-1)).toEqual([179, 88, 6]);
    expect(diverging(0)).toEqual([247, 247, 247]);
    expect(diverging(1)).toEqual([33, 102, 172]);
    expect(diverging(0.5)).toEqual([146, 197, 222]);
  });

  it("interpolates between stops", () => {
    expect(diverging(0.25)).toEqual([197, 222, 235]); // halfway 0 → 0.5, rounded
  });

  it("clamps beyond [-1, 1]", () => {
    expect(diverging(-7)).toEqual(diverging(-1));
    expect(diverging(3.5)).toEqual(diverging(1));
    expect(diverging(Infinity)).toEqual(diverging(1));
    expect(diverging(-Infinity)).toEqual(diverging(-1));
  });

  it("is grey for NaN", () => {
    expect(diverging(Number.NaN)).toEqual([160, 160, 160]);
  });

  it("is orange for negative values and blue for positive ones", () => {
    for (const t of [-1, -0.75, -0.3, -0.05]) {
      const [r, , b] = diverging(t);
      expect(r).toBeGreaterThan(b);
    }
    for (const t of [0.05, 0.3, 0.75, 1]) {
      const [r, , b] = diverging(t);
      expect(b).toBeGreaterThan(r);
    }
  });
});

describe("css", () => {
  it("writes rgb when opaque and rgba with 3 decimals otherwise", () => {
    expect(css([1, 2, 3])).toBe("rgb(1,2,3)");
    expect(css([1, 2, 3], 0.25)).toBe("rgba(1,2,3,0.250)");
  });
});

describe("divergingGradient", () => {
  it("contains every stop at its position", () => {
    const g = divergingGradient();
    expect(g.startsWith("linear-gradient(to right, ")).toBe(true);
    for (const [t, c] of DIVERGING_STOPS) {
      expect(g).toContain(`${css(c)} ${(t + 1) * 50}%`);
    }
    expect(g).toBe(
      "linear-gradient(to right, rgb(179,88,6) 0%, rgb(241,163,64) 25%, rgb(247,247,247) 50%, " +
        "rgb(146,197,222) 75%, rgb(33,102,172) 100%)",
    );
  });
});
