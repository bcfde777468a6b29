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
    play: "play",
    pause: "pause",
    animate: "animate signals",
    step: "step",
    forward: "forward",
    backward: "backward",
    update: "update preview",
    loss: "loss",
    gradientScale: "gradient ∂L/∂a",
    moreTerms: "more terms",
    strongest: "strongest",
    selectedNeuron: "selected",
    editWeight: "new weight",
    editBias: "new bias",
    applyUpdate: "apply this update",
    learningRate: "learning rate",
    clear: "clear",
    drawHint: "draw here (shift: erase)",
    pickHint: "click to move the input",
    edge: "edge",
    signal: "signal w·a",
    weight: "weight w",
    edgesShown: "edges",
    edgesPerLayer: "strongest edges per layer",
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
    play: "chạy",
    pause: "tạm dừng",
    animate: "hoạt hình tín hiệu",
    step: "bước",
    forward: "lan truyền xuôi",
    backward: "lan truyền ngược",
    update: "xem trước cập nhật",
    loss: "mất mát",
    gradientScale: "đạo hàm ∂L/∂a",
    moreTerms: "số hạng khác",
    strongest: "mạnh nhất",
    selectedNeuron: "đang chọn",
    editWeight: "trọng số mới",
    editBias: "độ lệch mới",
    applyUpdate: "áp dụng cập nhật này",
    learningRate: "tốc độ học",
    clear: "xoá",
    drawHint: "vẽ ở đây (shift: tẩy)",
    pickHint: "bấm để dời đầu vào",
    edge: "cạnh",
    signal: "tín hiệu w·a",
    weight: "trọng số w",
    edgesShown: "cạnh",
    edgesPerLayer: "số cạnh mạnh nhất mỗi lớp",
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
