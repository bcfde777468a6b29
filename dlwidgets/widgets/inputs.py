"""Which editor the page offers for a model input, and writing an edited sample back."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

MAX_SLIDERS = 8
MAX_IMAGE_SIDE = 28


def editor_for(x: Any) -> dict[str, Any]:
    """``{"kind": "image"|"plane"|"sliders"|"none", "shape": per-sample shape, "range": [lo, hi]}``.

    An image: one sample of ``H×W`` or ``1×H×W`` up to 28×28 (the 8×8 digits
    included); a plane: two features; sliders: up to eight features.
    """
    if not isinstance(x, torch.Tensor) or not x.is_floating_point() or x.dim() < 1:
        return {"kind": "none", "shape": [], "range": [0.0, 1.0]}
    per_sample = list(x.shape[1:]) if x.dim() > 1 else list(x.shape)
    values = x.detach().float()
    low, high = float(values.min()), float(values.max())
    side = per_sample[-2:] if len(per_sample) >= 2 else []
    if (
        len(per_sample) in (2, 3)
        and (len(per_sample) == 2 or per_sample[0] == 1)
        and all(2 <= n <= MAX_IMAGE_SIDE for n in side)
    ):
        kind = "image"  # ink from 0 to at least 1 (the 8×8 digits go to 16)
        low, high = min(low, 0.0), max(high, 1.0)
    elif per_sample == [2]:
        kind = "plane"
    elif len(per_sample) == 1 and per_sample[0] <= MAX_SLIDERS:
        kind = "sliders"
    else:
        kind = "none"
    if low == high:
        low, high = low - 1.0, high + 1.0
    return {"kind": kind, "shape": per_sample, "range": [low, high]}


def with_sample(x: torch.Tensor, sample: int, values: np.ndarray) -> torch.Tensor:
    """A copy of ``x`` whose sample ``sample`` is replaced by ``values`` (any matching size)."""
    batched = x.dim() > 1
    count = x.shape[0] if batched else 1
    if not 0 <= sample < count:
        raise ValueError(f"sample {sample} is outside the batch of {count}")
    per_sample = x[sample] if batched else x
    if values.size != per_sample.numel():
        raise ValueError(
            f"the edited sample has {values.size} values; the input's samples have shape "
            f"{tuple(per_sample.shape)} ({per_sample.numel()} values)"
        )
    edited = x.detach().clone()
    row = torch.tensor(values, dtype=x.dtype, device=x.device).reshape(per_sample.shape)
    if batched:
        edited[sample] = row
    else:
        edited.copy_(row)
    return edited
