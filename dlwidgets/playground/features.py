"""The input features of the Playground, computed from the two coordinates of a point."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

Feature = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]

# name → f(x1, x2), in the order the page lists them (TensorFlow Playground's seven)
FEATURES: dict[str, Feature] = {
    "x1": lambda x1, x2: x1,
    "x2": lambda x1, x2: x2,
    "x1^2": lambda x1, x2: x1 * x1,
    "x2^2": lambda x1, x2: x2 * x2,
    "x1*x2": lambda x1, x2: x1 * x2,
    "sin(x1)": lambda x1, x2: torch.sin(x1),
    "sin(x2)": lambda x1, x2: torch.sin(x2),
}


def expand(points: torch.Tensor, names: Sequence[str]) -> torch.Tensor:
    """The features ``names`` of ``points`` (n, 2): a tensor (n, len(names)), same device."""
    if points.dim() != 2 or points.shape[1] != 2:
        raise ValueError(f"points must have shape (n, 2), got {tuple(points.shape)}")
    unknown = [n for n in names if n not in FEATURES]
    if unknown:
        raise ValueError(f"unknown feature {unknown[0]!r}; the features are {list(FEATURES)}")
    x1, x2 = points[:, 0], points[:, 1]
    return torch.stack([FEATURES[name](x1, x2) for name in names], dim=1)
