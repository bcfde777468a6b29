// What the drawing shows at each step: the forward values, the gradients of
// the backward pass, or the weights after the update w − lr·∂L/∂w.

import type { NetworkData } from "../scene/network";
import type { Step } from "../scene/steps";
import type { Float32Tensor } from "../wire";
import { forwardEdges, forwardNeurons, type EdgeSource, type NeuronSource } from "./network_painter";

export interface PhaseStyle {
  edges: EdgeSource;
  neurons: NeuronSource;
  /** What the legend's scale is about, and its range. */
  neuronLabel: "activation" | "gradient";
  neuronRange: number;
}

/** w − lr·∂L/∂w for one column (the preview of one SGD step). */
export function updatedWeights(data: NetworkData, column: number, lr: number): Float32Tensor | null {
  const w = data.params[column]?.weight ?? null;
  const dw = data.backward?.columns[column]?.dw ?? null;
  if (w === null) return null;
  if (dw === null) return w;
  const out = new Float32Array(w.data.length);
  for (let k = 0; k < out.length; k++) out[k] = w.data[k]! - lr * dw.data[k]!;
  return { shape: w.shape, data: out };
}

export function phaseStyle(
  data: NetworkData,
  step: Step,
  sample: number,
  lr: number,
  perLayer = false,
): PhaseStyle {
  const backward = data.backward;
  if (step.phase === "forward" || backward === null) {
    return {
      edges: forwardEdges(data, step.column),
      neurons: forwardNeurons(data, sample, step.column, perLayer),
      neuronLabel: "activation",
      neuronRange: data.valueRange,
    };
  }
  if (step.phase === "update") {
    const updated = data.columns.map((_, c) => updatedWeights(data, c, lr));
    return {
      edges: { matrix: (c) => updated[c] ?? null, range: () => data.weightRange, faded: () => false },
      neurons: forwardNeurons(data, sample, data.columns.length - 1, perLayer),
      neuronLabel: "activation",
      neuronRange: data.valueRange,
    };
  }
  // Backward at column b: columns from b on show ∂L/∂a, edges into them ∂L/∂w.
  const b = step.column;
  const forward = forwardNeurons(data, sample, data.columns.length - 1, perLayer);
  const gradRange = backward.neuronRange > 0 ? backward.neuronRange : 1;
  return {
    edges: {
      matrix: (c) => (c >= b ? (backward.columns[c]?.dw ?? null) : (data.params[c]?.weight ?? null)),
      range: (c) => (c >= b ? backward.edgeRange : data.weightRange),
      faded: (c) => c < b,
    },
    neurons: {
      tone: (c, u) => (c >= b ? (data.gradA(c, u, sample) ?? 0) / gradRange : forward.tone(c, u)),
      faded: () => false,
    },
    neuronLabel: "gradient",
    neuronRange: backward.neuronRange,
  };
}
