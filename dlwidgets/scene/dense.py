"""Trace → the scene of a dense network: columns of neurons joined by weight matrices.

One column for the model input and one per ``nn.Linear``; the activation
modules that follow a Linear give that column its activation ``a`` (its
pre-activation ``z`` is the Linear's output). Pure data, no widget code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from dlwidgets.capture import Layer, Trace
from dlwidgets.errors import UnsupportedModelError

# Element-wise modules: they keep the column and change its values.
ACTIVATIONS = frozenset(
    {
        "ReLU", "ReLU6", "LeakyReLU", "PReLU", "RReLU", "ELU", "SELU", "CELU", "GELU",
        "SiLU", "Mish", "Sigmoid", "Hardsigmoid", "Tanh", "Hardtanh", "Hardswish",
        "Softplus", "Softsign", "Tanhshrink", "LogSigmoid", "Softmax", "LogSoftmax",
        "Threshold",
    }
)  # fmt: skip
# Modules that pass a column through unchanged in shape.
PASS_THROUGH = frozenset({"Identity", "Dropout", "AlphaDropout", "Flatten"})


@dataclass
class Column:
    """A column of neurons. Arrays are ``[samples, units]`` float32 (weight ``[units, prev]``)."""

    name: str
    kind: str
    units: int
    a: np.ndarray
    z: np.ndarray | None = None
    weight: np.ndarray | None = None
    bias: np.ndarray | None = None
    activations: list[str] = field(default_factory=list)
    records: list[str] = field(default_factory=list)

    @property
    def activation(self) -> str | None:
        """The activation function applied last (``None``: identity)."""
        return self.activations[-1] if self.activations else None


@dataclass
class DenseScene:
    """What ``NetworkView`` draws for a chain of ``nn.Linear`` layers and activations."""

    columns: list[Column]
    samples: int
    total_samples: int

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
        return _max_abs([c.a for c in self.columns])

    @property
    def weight_range(self) -> float:
        """Largest |w| or |b|, for edge widths and bias marks."""
        arrays = [c.weight for c in self.columns if c.weight is not None]
        arrays += [c.bias for c in self.columns if c.bias is not None]
        return _max_abs(arrays)


def _max_abs(arrays: list[np.ndarray]) -> float:
    finite = [np.abs(a[np.isfinite(a)]).max() for a in arrays if a.size and np.isfinite(a).any()]
    return float(max(finite, default=0.0)) or 1.0


def _rows(tensor: torch.Tensor, layer: str, max_samples: int) -> np.ndarray:
    """``[samples, units]`` float32: the first dimension is the batch, the rest flattened."""
    if tensor.dim() == 0:
        raise UnsupportedModelError(f"{layer!r} gives a scalar; a column needs units", layer=layer)
    rows = tensor.reshape(1, -1) if tensor.dim() == 1 else tensor.reshape(tensor.shape[0], -1)
    return rows[:max_samples].float().numpy()


def _unsupported(layer: Layer, why: str) -> UnsupportedModelError:
    shape = layer.output_shape
    shape_text = f"output {list(shape)}" if shape is not None else type(layer.output).__name__
    return UnsupportedModelError(
        f"NetworkView draws chains of nn.Linear layers and activations; "
        f"layer {layer.name!r} ({layer.kind}, {shape_text}) {why}",
        layer=layer.name,
    )


def build_dense_scene(trace: Trace, *, max_samples: int = 64) -> DenseScene:
    """The columns of a dense network from one trace.

    Raises :class:`UnsupportedModelError` naming the first layer that is not a
    Linear, an activation or a pass-through, or that does not read the
    layer before it (a branch or a skip connection).
    """
    if len(trace.model_inputs) != 1:
        raise UnsupportedModelError(
            f"NetworkView needs a model with one tensor input; got {list(trace.model_inputs)}"
        )
    ((input_name, x),) = trace.model_inputs.items()
    first = _rows(x, input_name, max_samples)
    total = 1 if x.dim() <= 1 else int(x.shape[0])
    columns = [Column(name=input_name, kind="Input", units=first.shape[1], a=first)]
    previous = input_name
    for layer in trace.layers:
        if not isinstance(layer.output, torch.Tensor):
            raise _unsupported(layer, "returns a structure, not one tensor")
        if layer.inputs != (previous,):
            reads = ", ".join(layer.inputs) or "no recorded tensor"
            raise _unsupported(layer, f"reads {reads}, not only {previous!r}: not a simple chain")
        column = columns[-1]
        if layer.kind == "Linear":
            columns.append(_linear_column(layer, column, max_samples))
        elif layer.kind in ACTIVATIONS or layer.kind in PASS_THROUGH:
            values = _rows(layer.output, layer.name, max_samples)
            if values.shape[1] != column.units:
                raise _unsupported(layer, f"changes the width {column.units} → {values.shape[1]}")
            column.a = values
            if layer.kind in ACTIVATIONS:
                column.activations.append(layer.kind)
            column.records.append(layer.name)
        else:
            raise _unsupported(layer, "is not one of them yet")
        previous = layer.name
    if len(columns) == 1:
        raise UnsupportedModelError(
            f"NetworkView found no nn.Linear layer in this model (records: "
            f"{[layer.name for layer in trace.layers]})"
        )
    return DenseScene(columns=columns, samples=columns[0].a.shape[0], total_samples=total)


def _linear_column(layer: Layer, previous: Column, max_samples: int) -> Column:
    module = layer.module
    assert isinstance(module, nn.Linear)
    if module.in_features != previous.units:
        raise _unsupported(
            layer, f"expects {module.in_features} inputs but {previous.name!r} has {previous.units}"
        )
    weight = module.weight.detach().float().cpu().numpy()
    bias = (
        module.bias.detach().float().cpu().numpy()
        if module.bias is not None
        else np.zeros(module.out_features, np.float32)
    )
    z = _rows(layer.output, layer.name, max_samples)
    return Column(
        name=layer.name,
        kind="Linear",
        units=module.out_features,
        a=z,
        z=z,
        weight=weight,
        bias=bias,
        records=[layer.name],
    )
