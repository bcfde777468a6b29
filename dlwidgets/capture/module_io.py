"""The input and output of chosen module calls, from one extra forward pass.

For what a trace does not keep: the full-resolution input a convolution read
(the trace keeps outputs, reduced), needed to write out one pixel's arithmetic.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from dlwidgets.capture.preserve import preserved
from dlwidgets.capture.tensors import iter_tensors


def call_io(
    model: nn.Module, inputs: tuple[Any, ...], wanted: list[tuple[nn.Module, int]]
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """``(first input, output)`` of the ``call``-th call (from 1) of each module in ``wanted``
    when ``model(*inputs)`` runs, detached copies. The model is left as it was."""
    calls: dict[nn.Module, int] = {}
    found: dict[tuple[nn.Module, int], tuple[torch.Tensor, torch.Tensor]] = {}
    modules = {module for module, _ in wanted}

    def after(module: nn.Module, args: tuple[Any, ...], output: Any) -> None:
        calls[module] = calls.get(module, 0) + 1
        key = (module, calls[module])
        if key in wanted:
            first = next(iter_tensors(args))
            found[key] = (first.detach().clone(), next(iter_tensors(output)).detach().clone())

    # A pre-hook keeps the input before an in-place module (ReLU(inplace=True)) overwrites it.
    kept: dict[nn.Module, torch.Tensor] = {}

    def before(module: nn.Module, args: tuple[Any, ...]) -> None:
        kept[module] = next(iter_tensors(args)).detach().clone()

    def after_kept(module: nn.Module, args: tuple[Any, ...], output: Any) -> None:
        after(module, (kept.pop(module),), output)

    handles = []
    try:
        for module in modules:
            handles.append(module.register_forward_pre_hook(before))
            handles.append(module.register_forward_hook(after_kept))
        with preserved(model), torch.no_grad():
            model(*inputs)
    finally:
        for handle in handles:
            handle.remove()
    missing = [key for key in wanted if key not in found]
    if missing:
        names = ", ".join(f"{type(m).__name__} call {c}" for m, c in missing)
        raise RuntimeError(f"these module calls did not happen in the forward pass: {names}")
    return [found[key] for key in wanted]
