// The arithmetic of one hidden unit at one time step, with the real numbers:
// the two sums W_ih·x_t + b_ih and W_hh·h_{t−1} + b_hh per gate (computed by
// the kernel), then the cell's update. Only the gates' last combinations are
// written here from values that also came from the kernel.

import { formatNumber, type Strings } from "../i18n";
import { type Arithmetic, row } from "./arithmetic";
import type { RecurrentData } from "./recurrent";

const SIGMA = "σ";

/** "a + b" with the sign folded in: "0.5000 − 0.2500". */
function plus(a: number, b: number, times = ""): string {
  const sign = b < 0 ? "−" : "+";
  return `${formatNumber(a)} ${sign} ${times}${formatNumber(Math.abs(b))}`;
}

/** A factor of a product: negative numbers in parentheses, "0.5000·(−0.2500)". */
function factor(v: number): string {
  return v < 0 ? `(−${formatNumber(-v)})` : formatNumber(v);
}

/** The unit `u` (drawn position) of hidden band `b` at step `t`. */
export function recurrentArithmetic(data: RecurrentData, b: number, t: number, u: number, t9n: Strings): Arithmetic {
  const band = data.bands[b]!;
  const cell = data.topology.cell;
  const unit = band.info.unit_index[u]!;
  const h = data.value(b, t, u);
  const hPrev = data.previous(b, t, u);
  const title = `${data.topology.module} · ${t9n.layer} ${band.info.layer} · t = ${t + data.topology.first_step} · ${t9n.unit} ${unit}`;
  const sums = (g: number): [number, number] => [data.sum(b, "ih", g, t, u), data.sum(b, "hh", g, t, u)];
  const input = band.info.layer === 0 ? "x_t" : `h_t(${t9n.layer} ${band.info.layer - 1})`;
  const rows = [
    row("prev", `h_{t−1}[${unit}]`, hPrev),
  ];
  if (cell === "RNN") {
    const [a, c] = sums(0);
    const f = data.topology.nonlinearity;
    rows.push(
      row("ih", `W_ih·${input} + b_ih`, a),
      row("hh", "W_hh·h_{t−1} + b_hh", c),
      row("h", `h_t = ${f}(${plus(a, c)})`, h),
    );
  } else if (cell === "LSTM") {
    const names = ["i", "f", "g", "o"];
    names.forEach((name, g) => {
      const [a, c] = sums(g);
      const fn = name === "g" ? "tanh" : SIGMA;
      rows.push(row(`gate-${name}`, `${name} = ${fn}(${plus(a, c)})`, data.gate(b, g, t, u)));
    });
    const [i, f, g, o] = [0, 1, 2, 3].map((k) => data.gate(b, k, t, u)) as [number, number, number, number];
    const cPrev = data.previous(b, t, u, true);
    const c = data.gate(b, 4, t, u);
    rows.push(
      row("cprev", `c_{t−1}[${unit}]`, cPrev),
      row("c", `c_t = f·c_{t−1} + i·g = ${factor(f)}·${factor(cPrev)} + ${factor(i)}·${factor(g)}`, c),
      row("h", `h_t = o·tanh(c_t) = ${factor(o)}·tanh(${formatNumber(c)})`, h),
    );
  } else {
    const [rIh, rHh] = sums(0);
    const [zIh, zHh] = sums(1);
    const [nIh, nHh] = sums(2);
    const [r, z, n] = [0, 1, 2].map((k) => data.gate(b, k, t, u)) as [number, number, number];
    rows.push(
      row("gate-r", `r = ${SIGMA}(${plus(rIh, rHh)})`, r),
      row("gate-z", `z = ${SIGMA}(${plus(zIh, zHh)})`, z),
      row("gate-n", `n = tanh(W_in·${input} + b_in + r·(W_hn·h_{t−1} + b_hn)) = tanh(${plus(nIh, nHh, `${formatNumber(r)}·`)})`, n),
      row("h", `h_t = (1 − z)·n + z·h_{t−1} = ${factor(1 - z)}·${factor(n)} + ${factor(z)}·${factor(hPrev)}`, h),
    );
  }
  return { title, rows };
}

/** The unit explained when none is selected: the largest |h_t| of the top layer. */
export function strongestHidden(data: RecurrentData, t: number): { band: number; unit: number } | null {
  let best: { band: number; unit: number } | null = null;
  let size = -1;
  data.bands.forEach((band, b) => {
    if (band.info.role !== "hidden") return;
    size = -1; // the top layer wins: later bands replace earlier ones
    for (let u = 0; u < band.info.units; u++) {
      const v = Math.abs(data.value(b, t, u));
      if (v > size) {
        size = v;
        best = { band: b, unit: u };
      }
    }
  });
  return best;
}
