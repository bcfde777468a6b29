// The steps the stepper walks; mirrors dlwidgets/scene/steps.py.
// Forward: step k has computed columns 0..k. With a loss: one backward step per
// column from the output down to the first layer, then the update preview.

export type Phase = "forward" | "backward" | "update";

export interface Step {
  phase: Phase;
  column: number;
}

export function stepCount(columns: number, backward: boolean): number {
  return columns + (backward && columns > 1 ? columns : 0);
}

export function describeStep(step: number, columns: number, backward: boolean): Step {
  const last = stepCount(columns, backward) - 1;
  const s = Math.max(0, Math.min(last, step));
  if (s < columns) return { phase: "forward", column: s };
  const back = s - columns;
  if (back < columns - 1) return { phase: "backward", column: columns - 1 - back };
  return { phase: "update", column: columns - 1 };
}
