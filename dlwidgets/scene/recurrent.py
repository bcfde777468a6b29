"""A recurrent layer unrolled over time: what ``RecurrentView`` draws. Pure data.

``nn.RNN``, ``nn.GRU`` and ``nn.LSTM`` run their time loop inside one fused
kernel, so hooks see only the whole output sequence. This module hooks the
recurrent module once to get its input sequence and initial state, then
replays the loop step by step with the module's own weights
(``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``, ``bias_hh_l{k}``)
for one sample, keeping every intermediate value: the hidden state of each
stacked layer at each step, the LSTM gates i, f, g, o and cell state, the GRU
gates r, z, n, and the two sums ``W_ih·x_t + b_ih`` and ``W_hh·h_{t-1} +
b_hh`` the page writes out. ``agreement`` is the largest difference between
the replay and the module's own outputs (float tolerance when all is well).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from dlwidgets.capture.preserve import preserved
from dlwidgets.capture.tensors import describe, iter_tensors
from dlwidgets.errors import TraceError, UnsupportedModelError

RECURRENT = (nn.RNN, nn.GRU, nn.LSTM)
# Gate names in the order PyTorch stacks their rows in weight_ih / weight_hh.
GATES: dict[str, tuple[str, ...]] = {
    "RNN": (),
    "GRU": ("r", "z", "n"),
    "LSTM": ("i", "f", "g", "o"),
}
# The rows drawn as edges: the candidate's (LSTM g, GRU n), the only block of a plain RNN.
EDGE_BLOCK = {"RNN": 0, "GRU": 2, "LSTM": 2}
MAX_STEPS = 48  # a longer sequence: its last steps are drawn
MAX_UNITS = 64  # a wider state: the units that vary most over time are drawn
MAX_OUTPUTS = 16  # a wider output (a vocabulary's scores): those that vary most are drawn
Vocabulary = Sequence[str] | Mapping[int, str]


@dataclass
class HiddenBand:
    """Stacked layer ``layer`` of the recurrent module over the steps drawn.

    Arrays are float32 over the units drawn (``units``: their true indices):
    ``h`` ``[steps, units]`` the hidden state; ``gates`` ``[G, steps, units]``
    after their nonlinearity (LSTM i, f, g, o; GRU r, z, n; ``None`` for a
    plain RNN); ``cell`` the LSTM cell state; ``pre_ih`` and ``pre_hh``
    ``[max(G, 1), steps, units]`` the sums ``W_ih·x_t + b_ih`` and
    ``W_hh·h_{t-1} + b_hh`` per gate; ``h0``/``c0`` the state before the
    first step drawn. ``w_in`` ``[units, units of the band below]`` and
    ``w_hh`` ``[units, units]`` are the weights drawn as edges (for gated
    cells, the candidate's rows: g for LSTM, n for GRU).
    """

    layer: int
    units: np.ndarray
    total_units: int
    h: np.ndarray
    pre_ih: np.ndarray
    pre_hh: np.ndarray
    h0: np.ndarray
    w_in: np.ndarray
    w_hh: np.ndarray
    gates: np.ndarray | None = None
    cell: np.ndarray | None = None
    c0: np.ndarray | None = None


@dataclass
class RecurrentScene:
    """Everything ``RecurrentView`` draws for one input.

    ``inputs`` ``[steps, len(input_units)]``: the recurrent module's input
    sequence for ``sample`` (the features drawn of ``input_size``);
    ``labels``: one text per step; ``outputs`` ``[len(output_steps),
    len(output_units)]``: the model's own output at those steps, when it
    gives one per step or one after the last. ``first_step``: the index of
    the first step drawn, of ``total_steps``.
    """

    module: str
    kind: str
    nonlinearity: str
    sample: int
    samples: int
    first_step: int
    total_steps: int
    labels: list[str]
    inputs: np.ndarray
    input_units: np.ndarray
    input_size: int
    bands: list[HiddenBand]
    outputs: np.ndarray | None = None
    output_units: np.ndarray | None = None
    output_size: int = 0
    output_steps: list[int] = field(default_factory=list)
    agreement: float = 0.0

    @property
    def steps(self) -> int:
        """How many time steps are drawn."""
        return int(self.inputs.shape[0])

    @property
    def gates(self) -> tuple[str, ...]:
        """The cell's gate names: LSTM i, f, g, o; GRU r, z, n; none for a plain RNN."""
        return GATES[self.kind]


@dataclass
class _Call:
    """What the hooks saw of the recurrent module's first call."""

    sequence: Any = None
    state: Any = None
    output: Any = None
    entered: bool = False


def find_recurrent(model: nn.Module, layer: str | None = None) -> tuple[str, nn.RNNBase]:
    """The recurrent module to unroll: ``layer`` by name, else the model's first one."""
    if layer is not None:
        try:
            module = model.get_submodule(layer)
        except AttributeError:
            names = [n for n, m in model.named_modules() if isinstance(m, RECURRENT)]
            raise UnsupportedModelError(
                f"the model has no module named {layer!r}; its recurrent layers: {names}",
                layer=layer,
            ) from None
        if not isinstance(module, RECURRENT):
            raise UnsupportedModelError(
                f"layer {layer!r} is {type(module).__name__}, not nn.RNN, nn.GRU or nn.LSTM",
                layer=layer,
            )
        return layer, module
    found = [(name, m) for name, m in model.named_modules() if isinstance(m, RECURRENT)]
    if not found:
        raise UnsupportedModelError(
            f"{type(model).__name__} has no nn.RNN, nn.GRU or nn.LSTM layer to unroll"
        )
    return found[0]


def build_recurrent_scene(
    model: nn.Module,
    *inputs: Any,
    layer: str | None = None,
    sample: int = 0,
    tokens: Sequence[str] | None = None,
    vocab: Vocabulary | None = None,
) -> RecurrentScene:
    """Run ``model(*inputs)`` once and unroll its recurrent layer for one ``sample``.

    ``tokens`` (one text per time step) or ``vocab`` (index → text, for
    integer token ids given to the model, or one-hot inputs) label the steps;
    otherwise the input values do. The model is left as it was.
    """
    name, module = find_recurrent(model, layer)
    kind = type(module).__name__
    name = name or kind  # the model is the recurrent module itself
    label = f"layer {name!r} ({module})"
    if module.bidirectional:
        raise UnsupportedModelError(
            f"{label} is bidirectional; RecurrentView unrolls one direction only", layer=name
        )
    if getattr(module, "proj_size", 0):
        raise UnsupportedModelError(f"{label} has proj_size > 0, not drawn yet", layer=name)
    call, model_output = _run(model, name, module, inputs)
    if not isinstance(call.sequence, torch.Tensor):
        raise UnsupportedModelError(
            f"{label} received a {type(call.sequence).__name__}; "
            "unroll it on a padded tensor instead",
            layer=name,
        )
    batched = call.sequence.dim() == 3
    x = call.sequence.detach().cpu().double()
    x = (x.transpose(0, 1) if module.batch_first else x) if batched else x.unsqueeze(1)
    steps, samples = x.shape[0], x.shape[1]
    if not 0 <= sample < samples:
        raise ValueError(f"sample must be between 0 and {samples - 1}, got {sample}")
    h0, c0 = _initial_state(module, call.state, batched, sample)
    replay = _replay(module, kind, x[:, sample], h0, c0)
    first = max(0, steps - MAX_STEPS)
    shown = x[first:, sample].numpy()
    input_units = _most_varied(shown)
    bands: list[HiddenBand] = []
    below = input_units
    for k, states in enumerate(replay):
        c0_k = None if c0 is None else c0[k]
        bands.append(_band(module, kind, k, states, first, h0[k], c0_k, below))
        below = bands[-1].units
    outputs, output_steps = (
        (None, []) if model is module else _per_step(model_output, steps, samples, sample, module)
    )
    keep = [i for i, t in enumerate(output_steps) if t >= first]
    output_units = None if outputs is None else _most_varied(outputs[keep], MAX_OUTPUTS)
    labels = _labels(tokens, vocab, inputs[0] if inputs else None, x[:, sample], samples, sample)
    return RecurrentScene(
        module=name,
        kind=kind,
        nonlinearity=getattr(module, "nonlinearity", "tanh"),
        sample=sample,
        samples=samples,
        first_step=first,
        total_steps=steps,
        labels=labels[first:],
        inputs=shown[:, input_units].astype(np.float32),
        input_units=input_units,
        input_size=module.input_size,
        bands=bands,
        outputs=None if outputs is None else outputs[keep][:, output_units].astype(np.float32),
        output_units=output_units,
        output_size=0 if outputs is None else int(outputs.shape[1]),
        output_steps=[output_steps[i] - first for i in keep],
        agreement=_agreement(module, call, batched, sample, replay),
    )


def _run(
    model: nn.Module, name: str, module: nn.RNNBase, inputs: tuple[Any, ...]
) -> tuple[_Call, Any]:
    """One forward pass with two hooks on ``module``, removed whatever happens."""
    call = _Call()

    def before(_m: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        if call.entered:
            return
        call.entered = True
        call.sequence = args[0] if args else kwargs.get("input")
        call.state = args[1] if len(args) > 1 else kwargs.get("hx")
        if isinstance(call.sequence, torch.Tensor) and call.sequence.dim() not in (2, 3):
            raise UnsupportedModelError(
                f"layer {name!r} ({module}) expects a sequence of rank 2 (steps, features) "
                f"or 3 (batch and steps, features), got {describe(call.sequence)}",
                layer=name,
            )

    def after(_m: nn.Module, _args: Any, _kwargs: Any, output: Any) -> None:
        if call.output is None:
            call.output = output

    handles = [
        module.register_forward_pre_hook(before, with_kwargs=True),
        module.register_forward_hook(after, with_kwargs=True),
    ]
    try:
        with preserved(model), torch.no_grad():
            output = model(*inputs)
    except UnsupportedModelError:
        raise
    except Exception as exc:
        shapes = ", ".join(describe(t) for t in iter_tensors(inputs)) or "no tensors"
        where = f"layer {name!r} ({module})" if call.entered and call.output is None else "model"
        raise TraceError(
            f"{where} failed on input {shapes}: {exc}",
            layer=name if where != "model" else None,
        ) from exc
    finally:
        for handle in handles:
            handle.remove()
    if not call.entered:
        raise UnsupportedModelError(
            f"layer {name!r} ({module}) was not called by the model's forward", layer=name
        )
    return call, output


def _initial_state(
    module: nn.RNNBase, state: Any, batched: bool, sample: int
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(h0, c0) for one sample, ``[num_layers, hidden]`` each; zeros when not given."""
    zeros = torch.zeros(module.num_layers, module.hidden_size, dtype=torch.float64)
    parts = state if isinstance(state, tuple) else (state, None)

    def pick(t: torch.Tensor | None) -> torch.Tensor:
        if t is None:
            return zeros
        t = t.detach().cpu().double()
        return t[:, sample] if batched else t

    h0 = pick(parts[0])
    return h0, (pick(parts[1]) if isinstance(module, nn.LSTM) else None)


def _replay(
    module: nn.RNNBase,
    kind: str,
    xs: torch.Tensor,
    h0: torch.Tensor,
    c0: torch.Tensor | None,
) -> list[dict[str, torch.Tensor]]:
    """The time loop of every stacked layer, in float64 with the module's weights.

    Dropout between layers (train mode) is not replayed: ``agreement`` shows it.
    """
    hidden = module.hidden_size
    blocks = max(1, len(GATES[kind]))
    act = torch.relu if getattr(module, "nonlinearity", "tanh") == "relu" else torch.tanh
    layers = []
    sequence = xs
    for k in range(module.num_layers):
        w_ih = getattr(module, f"weight_ih_l{k}").detach().cpu().double()
        w_hh = getattr(module, f"weight_hh_l{k}").detach().cpu().double()
        no_bias = torch.zeros(blocks * hidden, dtype=torch.float64)
        b_ih = getattr(module, f"bias_ih_l{k}").detach().cpu().double() if module.bias else no_bias
        b_hh = getattr(module, f"bias_hh_l{k}").detach().cpu().double() if module.bias else no_bias
        pre_ih = (sequence @ w_ih.T + b_ih).reshape(-1, blocks, hidden).transpose(0, 1)
        h = h0[k]
        c = None if c0 is None else c0[k]
        hs, cs, hhs, gates = [], [], [], []
        for t in range(sequence.shape[0]):
            ih = pre_ih[:, t]
            hh = (w_hh @ h + b_hh).reshape(blocks, hidden)
            if kind == "LSTM":
                i, f, o = (torch.sigmoid(ih[b] + hh[b]) for b in (0, 1, 3))
                g = torch.tanh(ih[2] + hh[2])
                c = f * c + i * g
                h = o * torch.tanh(c)
                gates.append(torch.stack([i, f, g, o]))
                cs.append(c)
            elif kind == "GRU":
                r, z = (torch.sigmoid(ih[b] + hh[b]) for b in (0, 1))
                n = torch.tanh(ih[2] + r * hh[2])
                h = (1 - z) * n + z * h
                gates.append(torch.stack([r, z, n]))
            else:
                h = act(ih[0] + hh[0])
            hs.append(h)
            hhs.append(hh)
        states = {
            "h": torch.stack(hs),
            "pre_ih": pre_ih,
            "pre_hh": torch.stack(hhs).transpose(0, 1),
            "w_ih": w_ih,
            "w_hh": w_hh,
        }
        if gates:
            states["gates"] = torch.stack(gates).transpose(0, 1)
        if cs:
            states["cell"] = torch.stack(cs)
        layers.append(states)
        sequence = states["h"]
    return layers


def _band(
    module: nn.RNNBase,
    kind: str,
    k: int,
    states: dict[str, torch.Tensor],
    first: int,
    h0: torch.Tensor,
    c0: torch.Tensor | None,
    below: np.ndarray,
) -> HiddenBand:
    hidden = module.hidden_size
    h = states["h"].numpy()
    units = _most_varied(h[first:])
    rows = EDGE_BLOCK[kind] * hidden + units

    def drawn(array: torch.Tensor) -> np.ndarray:  # [..., steps, hidden] → the part drawn
        return array[..., first:, :].numpy()[..., units].astype(np.float32)

    before_h = h0 if first == 0 else states["h"][first - 1]
    band = HiddenBand(
        layer=k,
        units=units,
        total_units=hidden,
        h=drawn(states["h"]),
        pre_ih=drawn(states["pre_ih"]),
        pre_hh=drawn(states["pre_hh"]),
        h0=before_h.numpy()[units].astype(np.float32),
        w_in=states["w_ih"].numpy()[np.ix_(rows, below)].astype(np.float32),
        w_hh=states["w_hh"].numpy()[np.ix_(rows, units)].astype(np.float32),
    )
    if "gates" in states:
        band.gates = drawn(states["gates"])
    if "cell" in states and c0 is not None:
        band.cell = drawn(states["cell"])
        before_c = c0 if first == 0 else states["cell"][first - 1]
        band.c0 = before_c.numpy()[units].astype(np.float32)
    return band


def _most_varied(values: np.ndarray, limit: int = MAX_UNITS) -> np.ndarray:
    """Indices of the columns of ``[steps, n]`` to draw: all, or the ``limit`` that vary most."""
    n = values.shape[1]
    if n <= limit:
        return np.arange(n)
    spread = values.std(axis=0) if values.shape[0] > 1 else np.abs(values[0])
    return np.sort(np.argsort(-spread, kind="stable")[:limit])


def _agreement(
    module: nn.RNNBase, call: _Call, batched: bool, sample: int, replay: list[dict[str, Any]]
) -> float:
    """Largest |replay − module| over the output sequence and the final states."""
    output, final = call.output
    pick = (lambda t: t[:, sample]) if batched else (lambda t: t)
    sequence = output.detach().cpu().double()
    if batched and module.batch_first:
        sequence = sequence.transpose(0, 1)
    diffs = [(pick(sequence) - replay[-1]["h"]).abs().max()]
    finals = final if isinstance(final, tuple) else (final,)
    keys = ("h", "cell")
    for tensor, key in zip(finals, keys, strict=False):
        ours = torch.stack([layer[key][-1] for layer in replay])
        diffs.append((pick(tensor.detach().cpu().double()) - ours).abs().max())
    return float(max(diffs))


def _per_step(
    output: Any, steps: int, samples: int, sample: int, module: nn.RNNBase
) -> tuple[np.ndarray | None, list[int]]:
    """The model's output for ``sample`` per step ``[steps, size]``, or after the last one."""
    tensor = next(iter_tensors(output), None)
    if tensor is None or not tensor.is_floating_point():
        return None, []
    y = tensor.detach().cpu().double()
    if y.dim() == 3:
        if tuple(y.shape[:2]) == ((samples, steps) if module.batch_first else (steps, samples)):
            return (y[sample] if module.batch_first else y[:, sample]).numpy(), list(range(steps))
    elif y.dim() == 2 and y.shape[0] == samples:  # one output per sample, after the last step
        return y[sample : sample + 1].numpy(), [steps - 1]
    elif y.dim() == 2 and y.shape[0] == steps:  # an unbatched sequence
        return y.numpy(), list(range(steps))
    elif y.dim() == 1 and samples == 1:
        return y[None].numpy(), [steps - 1]
    return None, []


def _labels(
    tokens: Sequence[str] | None,
    vocab: Vocabulary | None,
    model_input: Any,
    xs: torch.Tensor,
    samples: int,
    sample: int,
) -> list[str]:
    """One label per step: the tokens, the vocabulary's texts, or the input values."""
    steps = xs.shape[0]
    if tokens is not None:
        labels = [str(token) for token in tokens]
        if len(labels) != steps:
            raise ValueError(f"tokens has {len(labels)} entries; the sequence has {steps} steps")
        return labels
    ids = _token_ids(model_input, steps, samples, sample)
    if ids is None and _one_hot(xs):
        ids = xs.argmax(dim=1).tolist()
    if ids is not None:
        if vocab is None:
            return [str(i) for i in ids]
        return [_lookup(vocab, i) for i in ids]
    if xs.shape[1] <= 3:
        return [", ".join(f"{v:.2f}" for v in row.tolist()) for row in xs]
    return [f"x{t}" for t in range(steps)]


def _token_ids(model_input: Any, steps: int, samples: int, sample: int) -> list[int] | None:
    """The integer ids the model was given for this sample, when there is one per step."""
    if not isinstance(model_input, torch.Tensor) or model_input.is_floating_point():
        return None
    ids = model_input.detach().cpu()
    if ids.dim() == 1 and ids.shape[0] == steps:
        return ids.tolist()
    if ids.dim() == 2 and tuple(ids.shape) == (samples, steps):
        return ids[sample].tolist()
    if ids.dim() == 2 and tuple(ids.shape) == (steps, samples):
        return ids[:, sample].tolist()
    return None


def _one_hot(xs: torch.Tensor) -> bool:
    return xs.shape[1] > 1 and bool(((xs == 0) | (xs == 1)).all() and (xs.sum(dim=1) == 1).all())


def _lookup(vocab: Vocabulary, index: int) -> str:
    try:
        return str(vocab[index])
    except (KeyError, IndexError):
        return str(index)
