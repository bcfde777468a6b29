import { describe, expect, it } from "vitest";
import { describeStep, stepCount, type Phase } from "../src/scene/steps";

// Generated from dlwidgets/scene/steps.py (step_count, describe_step): the
// Python twin must give the same numbers, step by step.
const F: Phase = "forward";
const B: Phase = "backward";
const U: Phase = "update";
const PYTHON: readonly { columns: number; backward: boolean; steps: readonly (readonly [Phase, number])[] }[] = [
  { columns: 1, backward: false, steps: [[F, 0]] },
  { columns: 1, backward: true, steps: [[F, 0]] },
  { columns: 2, backward: false, steps: [[F, 0], [F, 1]] },
  { columns: 2, backward: true, steps: [[F, 0], [F, 1], [B, 1], [U, 1]] },
  { columns: 3, backward: false, steps: [[F, 0], [F, 1], [F, 2]] },
  { columns: 3, backward: true, steps: [[F, 0], [F, 1], [F, 2], [B, 2], [B, 1], [U, 2]] },
  { columns: 4, backward: false, steps: [[F, 0], [F, 1], [F, 2], [F, 3]] },
  { columns: 4, backward: true, steps: [[F, 0], [F, 1], [F, 2], [F, 3], [B, 3], [B, 2], [B, 1], [U, 3]] },
];

describe("stepCount and describeStep", () => {
  it.each(PYTHON)("match steps.py for $columns columns, backward=$backward", ({ columns, backward, steps }) => {
    expect(stepCount(columns, backward)).toBe(steps.length);
    steps.forEach(([phase, column], s) => expect(describeStep(s, columns, backward)).toEqual({ phase, column }));
  });

  it("follows the rule for larger networks: N forward, N-1 backward, one update", () => {
    for (const n of [5, 8, 13]) {
      expect(stepCount(n, false)).toBe(n);
      expect(stepCount(n, true)).toBe(2 * n);
      for (let s = 0; s < n; s++) expect(describeStep(s, n, true)).toEqual({ phase: "forward", column: s });
      for (let s = n; s <= 2 * n - 2; s++) {
        expect(describeStep(s, n, true)).toEqual({ phase: "backward", column: n - 1 - (s - n) });
      }
      expect(describeStep(2 * n - 1, n, true)).toEqual({ phase: "update", column: n - 1 });
    }
  });

  it("the backward walk ends at column 1: the input has no weights", () => {
    const backward = Array.from({ length: stepCount(6, true) }, (_, s) => describeStep(s, 6, true)).filter(
      (step) => step.phase === "backward",
    );
    expect(backward.map((step) => step.column)).toEqual([5, 4, 3, 2, 1]);
  });

  it("a 1-column network has no backward steps", () => {
    expect(stepCount(1, true)).toBe(1);
    expect(describeStep(0, 1, true)).toEqual({ phase: "forward", column: 0 });
    expect(describeStep(5, 1, true)).toEqual({ phase: "forward", column: 0 });
  });

  it("clamps steps out of range to the first or the last", () => {
    expect(describeStep(-1, 4, true)).toEqual({ phase: "forward", column: 0 });
    expect(describeStep(-100, 4, false)).toEqual({ phase: "forward", column: 0 });
    expect(describeStep(8, 4, true)).toEqual({ phase: "update", column: 3 });
    expect(describeStep(1000, 4, true)).toEqual({ phase: "update", column: 3 });
    expect(describeStep(4, 4, false)).toEqual({ phase: "forward", column: 3 });
    expect(describeStep(99, 4, false)).toEqual({ phase: "forward", column: 3 });
  });
});
