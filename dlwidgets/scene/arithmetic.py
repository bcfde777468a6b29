"""The arithmetic of one neuron, with the real numbers: Σ wᵢaᵢ + b = z, then a = f(z).

The kernel-side twin of ``js/src/scene/arithmetic.ts`` (the page's panel),
for the Inspector and for anyone reading a neuron from Python.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlwidgets.scene.network import NetworkScene

SHOWN_TERMS = 6


@dataclass(frozen=True)
class Term:
    source: int  # the unit of the column before
    weight: float
    activation: float

    @property
    def product(self) -> float:
        return self.weight * self.activation


@dataclass(frozen=True)
class NeuronArithmetic:
    """``terms`` are the largest |wᵢaᵢ|; ``rest`` sums the others; then ``bias``, ``z``, ``a``."""

    layer: str
    unit: int
    sample: int
    terms: list[Term]
    rest: float
    hidden_terms: int
    bias: float
    z: float
    a: float
    activation: str | None


def neuron_arithmetic(
    scene: NetworkScene, layer: str, unit: int, sample: int = 0, shown: int = SHOWN_TERMS
) -> NeuronArithmetic:
    """The written-out arithmetic of ``unit`` of ``layer`` for ``sample``."""
    index = next((i for i, c in enumerate(scene.columns) if c.name == layer), None)
    if index is None:
        raise KeyError(f"no column {layer!r}; columns: {[c.name for c in scene.columns]}")
    column = scene.columns[index]
    if column.weight is None or column.bias is None or column.z is None or column.a is None:
        raise ValueError(
            f"{layer!r} ({column.kind}) has no weight matrix drawn from the column before"
        )
    if not 0 <= unit < column.units:
        raise ValueError(f"unit {unit} is outside {layer!r} ({column.units} units)")
    previous = scene.columns[index - 1].a
    assert previous is not None
    weights = column.weight[unit].astype(np.float64)
    inputs = previous[sample].astype(np.float64)
    products = weights * inputs
    order = np.argsort(-np.abs(products), kind="stable")
    top = order[:shown]
    return NeuronArithmetic(
        layer=layer,
        unit=unit,
        sample=sample,
        terms=[Term(int(i), float(weights[i]), float(inputs[i])) for i in top],
        rest=float(products[order[shown:]].sum()),
        hidden_terms=max(0, len(products) - shown),
        bias=float(column.bias[unit]),
        z=float(column.z[sample, unit]),
        a=float(column.a[sample, unit]),
        activation=column.activation,
    )
