import { describe, expect, it } from "vitest";
import { magnitudes, topK } from "../src/scene/top_k";

describe("topK", () => {
  it("gives the k largest, largest first, ties in index order", () => {
    const scores = Float64Array.from([0.5, 3, 1, 3, 0, 2]);
    expect(Array.from(topK(scores, 3))).toEqual([1, 3, 5]);
    expect(Array.from(topK(scores, 4))).toEqual([1, 3, 5, 2]);
    expect(Array.from(topK(scores, 10))).toEqual([1, 3, 5, 2, 0, 4]);
    expect(Array.from(topK(scores, 0))).toEqual([]);
  });

  it("cuts a run of ties at k", () => {
    expect(Array.from(topK(Float32Array.from([1, 1, 1, 1]), 2))).toEqual([0, 1]);
  });

  it("agrees with a full sort on 200,704 random scores", () => {
    let seed = 7;
    const random = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const scores = Float64Array.from({ length: 784 * 256 }, random);
    const expected = Array.from(scores.keys())
      .sort((a, b) => scores[b]! - scores[a]! || a - b)
      .slice(0, 240);
    expect(Array.from(topK(scores, 240))).toEqual(expected);
  });
});

describe("magnitudes", () => {
  it("ranks by |value|, NaN and infinities as 0", () => {
    expect(Array.from(magnitudes([-2, 1, Number.NaN, -Infinity]))).toEqual([2, 1, 0, 0]);
  });
});
