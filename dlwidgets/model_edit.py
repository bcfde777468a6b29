"""Writing into a live model, on purpose: an edited weight or bias, one gradient step.

Only views created with ``editable=True`` call these. Each names the
parameter and the index in its errors, and leaves autograd out of it.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from dlwidgets.errors import DlwidgetsError


def set_entry(model: nn.Module, parameter: str, index: tuple[int, ...], value: float) -> float:
    """Write ``value`` at ``index`` of the parameter named ``parameter``; returns the old value."""
    params = dict(model.named_parameters())
    if parameter not in params:
        raise DlwidgetsError(f"the model has no parameter {parameter!r}")
    tensor = params[parameter]
    if len(index) != tensor.dim() or any(
        not 0 <= i < n for i, n in zip(index, tensor.shape, strict=True)
    ):
        raise DlwidgetsError(
            f"index {index} is outside {parameter!r} of shape {tuple(tensor.shape)}"
        )
    limit = torch.finfo(tensor.dtype).max if tensor.is_floating_point() else math.inf
    if not math.isfinite(value) or abs(value) > limit:
        raise DlwidgetsError(
            f"{parameter}{list(index)} must be a finite {tensor.dtype} number, got {value}"
        )
    with torch.no_grad():
        old = float(tensor[index])
        tensor[index] = value
    return old


def gradient_step(model: nn.Module, grads: dict[str, torch.Tensor], lr: float) -> None:
    """``w ← w − lr·∂L/∂w`` for every parameter with a gradient (plain SGD, in place)."""
    if not math.isfinite(lr) or lr <= 0:
        raise DlwidgetsError(f"the learning rate must be a positive number, got {lr}")
    params = dict(model.named_parameters())
    with torch.no_grad():
        for name, grad in grads.items():
            if name in params:
                params[name].sub_(lr * grad.to(params[name].device, params[name].dtype))
