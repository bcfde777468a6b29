"""Trace → the scene ``NetworkView`` draws: columns of neurons, and labelled blocks.

A column per model input and per record, in execution order. A record whose
output is one feature vector per sample (``[batch, features]``) is a column of
neurons; anything else (conv maps, sequences, attention…) is a block labelled
with its kind and shape, until it has a view of its own. Element-wise steps
that read only the column before them (activations, dropout, and for blocks
normalisation) are merged into it. A ``Linear`` reading the neuron column just
before it carries its weight matrix: those are the edges drawn. Pure data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from dlwidgets.capture import Layer, Trace
from dlwidgets.capture.tensors import iter_tensors
from dlwidgets.errors import UnsupportedModelError
from dlwidgets.scene.block_maps import BlockMaps, block_maps

# Element-wise modules and ops: they keep the column and change its values.
ACTIVATIONS = frozenset(
    {
        "ReLU", "ReLU6", "LeakyReLU", "PReLU", "RReLU", "ELU", "SELU", "CELU", "GELU",
        "SiLU", "Mish", "Sigmoid", "Hardsigmoid", "Tanh", "Hardtanh", "Hardswish",
        "Softplus", "Softsign", "Tanhshrink", "LogSigmoid", "Softmax", "LogSoftmax",
        "Threshold", "relu", "relu_", "sigmoid", "tanh", "gelu", "silu", "softmax",
        "log_softmax", "leaky_relu", "elu",
    }
)  # fmt: skip
PASS_THROUGH = frozenset({"Identity", "Dropout", "AlphaDropout", "Flatten", "dropout"})
# Merged into a block (not into neurons, whose z → a arithmetic they would break).
BLOCK_ONLY = frozenset(
    {"BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "GroupNorm", "LayerNorm", "InstanceNorm2d",
     "Dropout2d", "Dropout1d", "Dropout3d"}
)  # fmt: skip
MAX_NEURONS = 4096  # a wider vector is drawn as a block until level of detail exists


@dataclass
class Column:
    """One column. Neuron arrays are ``[samples, units]`` float32, weight ``[units, prev]``.

    ``units == 0`` marks a block: only its name, kind and ``shape`` (per
    sample) are drawn. ``sources`` are the columns it reads.
    """

    name: str
    kind: str
    shape: tuple[int, ...]
    sources: list[int]
    units: int = 0
    a: np.ndarray | None = None
    z: np.ndarray | None = None
    weight: np.ndarray | None = None
    bias: np.ndarray | None = None
    activations: list[str] = field(default_factory=list)
    records: list[str] = field(default_factory=list)
    # With a loss (grads=True): ∂L/∂a and ∂L/∂z per sample, ∂L/∂w and ∂L/∂b.
    da: np.ndarray | None = None
    dz: np.ndarray | None = None
    dw: np.ndarray | None = None
    db: np.ndarray | None = None
    # A block whose output is images: thumbnails of its most active channels.
    maps: BlockMaps | None = None

    @property
    def activation(self) -> str | None:
        """The activation function applied last (``None``: identity)."""
        return self.activations[-1] if self.activations else None

    @property
    def is_block(self) -> bool:
        return self.units == 0


@dataclass
class NetworkScene:
    """Everything ``NetworkView`` draws for one trace."""

    columns: list[Column]
    samples: int
    total_samples: int
    loss: float | None = None

    @property
    def neurons(self) -> int:
        return sum(column.units for column in self.columns)

    @property
    def edges(self) -> int:
        return sum(c.weight.size for c in self.columns if c.weight is not None)

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"no column {name!r}; columns: {[c.name for c in self.columns]}")

    @property
    def value_range(self) -> float:
        """Largest |a| drawn on a neuron (every column and sample): the colour scale's range."""
        return _max_abs([c.a for c in self.columns if c.a is not None and not c.is_block])

    @property
    def layer_ranges(self) -> list[float]:
        """Largest |a| of each column: the colour scale when each layer has its own."""
        return [_max_abs([c.a]) if c.a is not None else 1.0 for c in self.columns]

    @property
    def grad_ranges(self) -> tuple[float, float]:
        """Largest |∂L/∂a| and largest |∂L/∂w| or |∂L/∂b|: the backward colour scales."""
        neurons = [c.da for c in self.columns if c.da is not None]
        edges = [g for c in self.columns for g in (c.dw, c.db) if g is not None]
        return _max_abs(neurons), _max_abs(edges)

    @property
    def weight_range(self) -> float:
        """Largest |w| or |b|, for edge widths and bias marks."""
        arrays = [c.weight for c in self.columns if c.weight is not None]
        arrays += [c.bias for c in self.columns if c.bias is not None]
        return _max_abs(arrays)


def _host_copy(parameter: torch.Tensor) -> np.ndarray:
    """float32 on the host, never a view of the live parameter (it changes while training)."""
    return parameter.detach().to("cpu", torch.float32, copy=True).numpy()


def _max_abs(arrays: list[np.ndarray]) -> float:
    finite = [np.abs(a[np.isfinite(a)]).max() for a in arrays if a.size and np.isfinite(a).any()]
    return float(max(finite, default=0.0)) or 1.0


def _first_tensor(value: object) -> torch.Tensor | None:
    return next(iter_tensors(value), None)


def _per_sample(tensor: torch.Tensor | None) -> tuple[int, ...]:
    if tensor is None:
        return ()
    return tuple(tensor.shape[1:]) if tensor.dim() > 1 else tuple(tensor.shape)


def _rows(tensor: torch.Tensor, max_samples: int) -> np.ndarray:
    """``[samples, units]`` float32: the first dimension is the batch."""
    rows = tensor.reshape(1, -1) if tensor.dim() <= 1 else tensor.reshape(tensor.shape[0], -1)
    return rows[:max_samples].float().numpy()


def _is_vector(tensor: torch.Tensor | None) -> bool:
    """One feature vector per sample: drawable as a column of neurons."""
    return (
        tensor is not None
        and tensor.dim() in (1, 2)
        and tensor.is_floating_point()
        and 0 < tensor.shape[-1] <= MAX_NEURONS
    )


def build_scene(trace: Trace, *, max_samples: int = 64) -> NetworkScene:
    """The columns of one trace (see the module docstring for the rules)."""
    if not trace.layers:
        raise UnsupportedModelError(
            "NetworkView found no layer to draw in this model: no module ran "
            "(a model written only with functions needs dw.trace(..., ops=True))"
        )
    columns: list[Column] = []
    column_of: dict[str, int] = {}
    for name, x in trace.model_inputs.items():
        column_of[name] = len(columns)
        columns.append(_new_column(name, "Input", x, [], max_samples))
    for layer in trace.layers:
        sources = list(dict.fromkeys(column_of[n] for n in layer.inputs if n in column_of))
        if _merge(layer, sources, columns, max_samples):
            column_of[layer.name] = sources[0]
            continue
        column_of[layer.name] = len(columns)
        columns.append(_layer_column(layer, sources, columns, max_samples))
    first = _first_tensor(next(iter(trace.model_inputs.values()), None))
    total = 1 if first is None or first.dim() <= 1 else int(first.shape[0])
    samples = next((c.a.shape[0] for c in columns if c.a is not None), 1)
    if trace.loss is not None:
        for column in columns:
            _add_grads(column, trace, max_samples)
    return NetworkScene(columns=columns, samples=samples, total_samples=total, loss=trace.loss)


def _add_grads(column: Column, trace: Trace, max_samples: int) -> None:
    if column.is_block or column.kind == "Input" or not column.records:
        return
    last = _first_tensor(trace[column.records[-1]].grad)
    first = trace[column.records[0]]
    z = _first_tensor(first.grad)
    column.da = None if last is None else _rows(last, max_samples)
    column.dz = None if z is None else _rows(z, max_samples)
    if column.bias is not None:
        module = first.module
        dw = trace.grad_of(getattr(module, "weight", None))
        db = trace.grad_of(getattr(module, "bias", None))
        column.dw = None if dw is None or column.weight is None else dw.float().numpy()
        column.db = None if db is None else db.float().numpy()


def _new_column(
    name: str, kind: str, value: object, sources: list[int], max_samples: int
) -> Column:
    tensor = _first_tensor(value)
    column = Column(name=name, kind=kind, shape=_per_sample(tensor), sources=sources)
    if _is_vector(tensor):
        assert tensor is not None
        column.a = _rows(tensor, max_samples)
        column.units = column.a.shape[1]
        return column
    column.maps = block_maps(tensor, max_samples)
    if (
        kind == "Input"
        and tensor is not None
        and tensor.is_floating_point()
        and 0 < int(np.prod(column.shape)) <= MAX_NEURONS
    ):
        # A small image input is a block, but its pixels go along for the drawing pad.
        column.a = _rows(tensor, max_samples)
    return column


def _merge(layer: Layer, sources: list[int], columns: list[Column], max_samples: int) -> bool:
    """Fold an element-wise step into the column it reads, when that is the last one."""
    if len(sources) != 1 or sources[0] != len(columns) - 1:
        return False
    column = columns[sources[0]]
    tensor = _first_tensor(layer.output)
    if tensor is None or column.kind == "Input":
        return False
    elementwise = layer.kind in ACTIVATIONS or layer.kind in PASS_THROUGH
    if column.is_block:
        if not (elementwise or layer.kind in BLOCK_ONLY):
            return False
        if layer.kind not in PASS_THROUGH:  # a Flatten keeps showing the maps' shape
            column.shape = _per_sample(tensor)
            column.maps = block_maps(tensor, max_samples)
    else:
        if not elementwise or not _is_vector(tensor) or tensor.shape[-1] != column.units:
            return False
        column.a = _rows(tensor, max_samples)
    if layer.kind in ACTIVATIONS or (column.is_block and layer.kind not in PASS_THROUGH):
        column.activations.append(layer.kind)
    column.records.append(layer.name)
    return True


def _layer_column(
    layer: Layer, sources: list[int], columns: list[Column], max_samples: int
) -> Column:
    column = _new_column(layer.name, layer.kind, layer.output, sources, max_samples)
    column.records.append(layer.name)
    if column.is_block or column.a is None:
        return column
    column.z = column.a
    module = layer.module
    if isinstance(module, nn.Linear):
        column.bias = (
            _host_copy(module.bias)
            if module.bias is not None
            else np.zeros(module.out_features, np.float32)
        )
        # Edges are drawn when the Linear reads the neuron column just before it.
        previous = columns[-1] if columns else None
        if (
            sources == [len(columns) - 1]
            and previous is not None
            and previous.units == module.in_features
        ):
            column.weight = _host_copy(module.weight)
    return column
