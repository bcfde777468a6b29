// The arithmetic of one neuron at one step, written out with the real numbers:
// forward Σ wᵢaᵢ + b = z and f(z) = a; backward ∂L/∂a, ∂L/∂z, ∂L/∂b and the
// strongest ∂L/∂w; the update w − lr·∂L/∂w. Every number comes from the kernel;
// only the products shown term by term are multiplied here.

import { formatNumber, type Strings } from "../i18n";
import type { Row } from "../ui/rows";
import type { NetworkData } from "./network";
import type { Step } from "./steps";
import { magnitudes, topK } from "./top_k";

export const SHOWN_TERMS = 6;

export interface Arithmetic {
  title: string;
  rows: Row[];
}

export function row(key: string, label: string, numeric: number, text?: string): Row {
  return { key, label, value: text ?? formatNumber(numeric), numeric };
}

/** Indices of the k largest |values|, largest first. */
function strongest(values: ArrayLike<number>, k: number): number[] {
  return Array.from(topK(magnitudes(values), k));
}

/** The neuron the panel explains when none is selected: the strongest of the column. */
export function strongestUnit(data: NetworkData, step: Step, sample: number): number {
  const units = data.columns[step.column]?.units ?? 0;
  const values = Array.from({ length: units }, (_, u) =>
    step.phase === "forward" ? data.activation(step.column, u, sample) : (data.gradA(step.column, u, sample) ?? 0),
  );
  return strongest(values, 1)[0] ?? 0;
}

export function arithmetic(
  data: NetworkData,
  step: Step,
  column: number,
  unit: number,
  sample: number,
  lr: number,
  t: Strings,
): Arithmetic {
  const spec = data.columns[column]!;
  const title = `${spec.kind === "Input" ? t.input : spec.name} · ${spec.units === 0 ? spec.kind : `${t.neuron} ${unit}`}`;
  if (spec.units === 0) {
    const inputs = spec.sources.map((s) => `[${data.columns[s]!.shape.join(", ")}]`).join(" + ") || "–";
    const steps = spec.activations.length > 0 ? ` · ${spec.activations.join(" · ")}` : "";
    return { title, rows: [{ key: "block", label: `${spec.kind}${steps}`, value: `${inputs} → [${spec.shape.join(", ")}]` }] };
  }
  if (spec.kind === "Input") {
    return { title, rows: [row("a", `x[${unit}]`, data.activation(column, unit, sample))] };
  }
  if (step.phase === "backward") return { title, rows: backwardRows(data, column, unit, sample, t) };
  if (step.phase === "update") return { title, rows: updateRows(data, column, unit, lr) };
  return { title, rows: forwardRows(data, column, unit, sample, t) };
}

function forwardRows(data: NetworkData, column: number, unit: number, sample: number, t: Strings): Row[] {
  const spec = data.columns[column]!;
  const rows: Row[] = [];
  const w = data.params[column]?.weight ?? null;
  const previous = data.row(column - 1, sample);
  const z = data.preActivation(column, unit, sample);
  const bias = data.bias(column, unit);
  if (w !== null && previous !== null && z !== null && bias !== null) {
    const fanIn = w.shape[1]!;
    const terms = Array.from({ length: fanIn }, (_, i) => w.data[unit * fanIn + i]! * previous[i]!);
    const shown = strongest(terms, SHOWN_TERMS);
    const source = data.columns[column - 1]!;
    const name = source.kind === "Input" ? "x" : source.name;
    for (const i of shown) {
      const wi = w.data[unit * fanIn + i]!;
      const text = `${formatNumber(wi)} × ${formatNumber(previous[i]!)} = ${formatNumber(terms[i]!)}`;
      rows.push(row("term", `w·a  ${name}[${i}]`, terms[i]!, text));
    }
    if (fanIn > shown.length) {
      const picked = new Set(shown);
      const rest = terms.reduce((sum, v, i) => (picked.has(i) ? sum : sum + v), 0);
      rows.push(row("rest", `+ ${fanIn - shown.length} ${t.moreTerms}`, rest));
    }
    rows.push(row("bias", "+ b", bias));
    rows.push(row("z", "= z", z));
  } else if (z !== null) {
    rows.push(row("z", "z", z));
  }
  const f = spec.activation ?? t.identity;
  rows.push(row("a", `a = ${f}(z)`, data.activation(column, unit, sample)));
  return rows;
}

function backwardRows(data: NetworkData, column: number, unit: number, sample: number, t: Strings): Row[] {
  const rows: Row[] = [];
  const da = data.gradA(column, unit, sample);
  const dz = data.gradZ(column, unit, sample);
  const grads = data.backward?.columns[column] ?? null;
  if (da !== null) rows.push(row("da", "∂L/∂a", da));
  if (dz !== null) rows.push(row("dz", `∂L/∂z = ∂L/∂a · ${data.columns[column]!.activation ?? t.identity}′(z)`, dz));
  if (grads?.db) rows.push(row("db", "∂L/∂b", grads.db[unit]!));
  const dw = grads?.dw ?? null;
  if (dw !== null) {
    const fanIn = dw.shape[1]!;
    const line = dw.data.subarray(unit * fanIn, (unit + 1) * fanIn);
    const source = data.columns[column - 1]!;
    const name = source.kind === "Input" ? "x" : source.name;
    for (const i of strongest(line, SHOWN_TERMS)) rows.push(row("dw", `∂L/∂w  ${name}[${i}]`, line[i]!));
  }
  return rows;
}

function updateRows(data: NetworkData, column: number, unit: number, lr: number): Row[] {
  const rows: Row[] = [];
  const grads = data.backward?.columns[column] ?? null;
  const bias = data.bias(column, unit);
  const show = (key: string, label: string, value: number, grad: number): void => {
    const after = value - lr * grad;
    rows.push(row(key, label, after, `${formatNumber(value)} − ${lr} × ${formatNumber(grad)} = ${formatNumber(after)}`));
  };
  if (bias !== null && grads?.db) show("bias", "b ←", bias, grads.db[unit]!);
  const w = data.params[column]?.weight ?? null;
  const dw = grads?.dw ?? null;
  if (w !== null && dw !== null) {
    const fanIn = w.shape[1]!;
    const line = dw.data.subarray(unit * fanIn, (unit + 1) * fanIn);
    for (const i of strongest(line, SHOWN_TERMS)) show("w", `w[${i}] ←`, w.data[unit * fanIn + i]!, line[i]!);
  }
  return rows;
}
