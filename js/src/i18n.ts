// Every word the page shows, in English and Vietnamese (the course's language).

export type Lang = "en" | "vi";

const STRINGS = {
  en: {
    neuron: "neuron",
    unit: "unit",
    input: "input",
    sample: "sample",
    of: "of",
    bias: "bias b",
    preActivation: "z = Σ w·a + b",
    activationOut: "a",
    value: "value x",
    units: "units",
    activationScale: "activation a",
    weightLegend: "weight w",
    biasLegend: "bias",
    negative: "negative",
    positive: "positive",
    identity: "identity",
    notComputed: "not reached yet",
    error: "Error",
    shape: "output shape",
    steps: "steps",
  },
  vi: {
    neuron: "nơ-ron",
    unit: "đơn vị",
    input: "đầu vào",
    sample: "mẫu",
    of: "/",
    bias: "độ lệch b",
    preActivation: "z = Σ w·a + b",
    activationOut: "a",
    value: "giá trị x",
    units: "đơn vị",
    activationScale: "giá trị kích hoạt a",
    weightLegend: "trọng số w",
    biasLegend: "độ lệch",
    negative: "âm",
    positive: "dương",
    identity: "đồng nhất",
    notComputed: "chưa tính tới",
    error: "Lỗi",
    shape: "kích thước đầu ra",
    steps: "các bước",
  },
} as const;

export type Strings = { readonly [K in keyof (typeof STRINGS)["en"]]: string };

export function strings(lang: string): Strings {
  return lang === "vi" ? STRINGS.vi : STRINGS.en;
}

/** Numbers as the tooltip and the arithmetic show them: 4 decimals, or exponent when tiny/huge. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const size = Math.abs(value);
  if (size !== 0 && (size >= 1e5 || size < 1e-4)) return value.toExponential(3);
  return value.toFixed(4);
}
