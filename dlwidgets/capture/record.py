"""What a trace holds: one ``Layer`` record per module call, gathered in a ``Trace``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import torch
from torch import nn


@dataclass(frozen=True)
class Layer:
    """One call of one module during a traced forward pass.

    ``name`` is the module's qualified name, with ``#n`` appended for its
    n-th call (``"relu"``, ``"relu#2"``); ``inputs`` names the records (or the
    model inputs, ``"input"``, ``"input.1"``…) whose tensors this call read,
    found from the tensors themselves. ``output`` is detached, on the CPU, and
    is the value the module returned even if a later in-place op overwrote it.
    ``grad`` is ∂L/∂output when traced with ``grads=True`` (same structure).
    ``module`` is the live module (its current weights, not a copy); ``None``
    for an op recorded with ``ops=True``, whose ``kind`` is the op's name.
    """

    name: str
    kind: str
    module_name: str
    call: int
    inputs: tuple[str, ...]
    input_shapes: tuple[tuple[int, ...], ...]
    output: Any
    grad: Any = None
    module: nn.Module | None = field(default=None, repr=False, compare=False)

    @classmethod
    def made(
        cls,
        name: str,
        kind: str,
        module_name: str,
        call: int,
        inputs: tuple[str, ...],
        input_shapes: tuple[tuple[int, ...], ...],
        output: Any,
        grad: Any,
        module: nn.Module | None,
    ) -> Layer:
        """One record, from every field in order.

        A frozen dataclass's ``__init__`` sets each field through
        ``object.__setattr__``; a trace makes one record per call, so it gives
        the instance its dict at once instead.
        """
        layer = object.__new__(cls)
        object.__setattr__(
            layer,
            "__dict__",
            {
                "name": name,
                "kind": kind,
                "module_name": module_name,
                "call": call,
                "inputs": inputs,
                "input_shapes": input_shapes,
                "output": output,
                "grad": grad,
                "module": module,
            },
        )
        return layer

    @property
    def output_shape(self) -> tuple[int, ...] | None:
        """Shape of the output when it is a single tensor."""
        return tuple(self.output.shape) if isinstance(self.output, torch.Tensor) else None


class Trace:
    """The records of one forward pass, in execution order.

    ``trace["fc1"]`` finds a record by name; ``trace.model_inputs`` maps the
    names ``"input"``, ``"input.1"``… to the input tensors (detached, CPU);
    ``trace.output`` is the model's return value (detached, CPU; passed
    through ``reduce`` as ``"<output>"`` when the trace had one). With
    ``grads=True``: ``loss`` and ``param_grads`` (∂L/∂parameter by name).
    ``bytes_copied`` counts the bytes brought from each accelerator (one
    copy per device per trace).
    """

    def __init__(
        self,
        layers: list[Layer],
        model_inputs: dict[str, torch.Tensor],
        output: Any,
        *,
        loss: float | None = None,
        param_grads: dict[str, torch.Tensor] | None = None,
        param_names: dict[int, str] | None = None,
        bytes_copied: dict[str, int] | None = None,
    ) -> None:
        self.layers = layers
        self.model_inputs = model_inputs
        self.output = output
        self.loss = loss
        self.param_grads = param_grads or {}
        self._param_names = param_names or {}
        self.bytes_copied = bytes_copied or {}

    @cached_property
    def _by_name(self) -> dict[str, Layer]:  # when first asked: many traces are only drawn
        return {layer.name: layer for layer in self.layers}

    def grad_of(self, parameter: torch.Tensor | None) -> torch.Tensor | None:
        """∂L/∂parameter for one of the model's parameters (``None`` without one)."""
        name = self._param_names.get(id(parameter)) if parameter is not None else None
        return None if name is None else self.param_grads.get(name)

    def __getitem__(self, name: str) -> Layer:
        try:
            return self._by_name[name]
        except KeyError:
            known = ", ".join(self._by_name) or "none"
            raise KeyError(f"no record named {name!r} in this trace; records: {known}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self) -> Iterator[Layer]:
        return iter(self.layers)

    def __len__(self) -> int:
        return len(self.layers)

    def __repr__(self) -> str:
        rows = [("name", "kind", "inputs", "output")]
        for layer in self.layers:
            shape = layer.output_shape
            rows.append(
                (
                    layer.name,
                    layer.kind,
                    ", ".join(layer.inputs),
                    str(list(shape)) if shape is not None else type(layer.output).__name__,
                )
            )
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        lines = [
            "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            for row in rows
        ]
        return f"Trace({len(self.layers)} records)\n" + "\n".join(lines)
