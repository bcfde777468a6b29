"""Every neuron's output over the input plane, from one batched forward pass over a grid.

The maps are scaled to [-1, 1] and quantised to bytes on the model's device,
then copied once: a 2-8-8-1 network on a 64×64 grid is 24 maps of 4 KiB.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from dlwidgets.playground.features import FEATURES, expand
from dlwidgets.playground.network import layer_outputs

Extent = tuple[float, float, float, float]  # x1 min, x1 max, x2 min, x2 max


@dataclass
class NeuronMaps:
    """``maps[k]`` is map k as bytes: value = (byte / 127.5 − 1) · ``scales[k]``.

    Maps, in order: every input feature (all of ``FEATURES``, used or not),
    every hidden unit layer by layer, then the output units. Row 0 of a map is
    the top of the plane (largest x2). Classification outputs are
    probabilities p shown as 2p − 1 (scale 1).
    """

    maps: np.ndarray  # uint8 (count, size, size)
    scales: np.ndarray  # float32 (count,)


def grid_points(
    extent: Extent, size: int, device: torch.device | str | None = None
) -> torch.Tensor:
    """The ``size``×``size`` grid over ``extent`` as points (size², 2), row by row from the top."""
    x1 = torch.linspace(extent[0], extent[1], size, device=device)
    x2 = torch.linspace(extent[3], extent[2], size, device=device)
    rows, cols = torch.meshgrid(x2, x1, indexing="ij")
    return torch.stack([cols.reshape(-1), rows.reshape(-1)], dim=1)


def raw_maps(
    model: nn.Sequential, features: Sequence[str], points: torch.Tensor, problem: str
) -> torch.Tensor:
    """Every map's values at ``points``, unscaled: (maps, points), on the model's device."""
    every = expand(points, list(FEATURES))
    columns = [list(FEATURES).index(name) for name in features]
    with torch.no_grad():
        outputs = layer_outputs(model, every[:, columns])
        last = outputs[-1]
        if problem == "classification":
            probabilities = torch.sigmoid(last) if last.shape[1] == 1 else torch.softmax(last, 1)
            outputs[-1] = 2 * probabilities - 1
        return torch.cat([every, *outputs], dim=1).T


def neuron_maps(
    model: nn.Sequential,
    features: Sequence[str],
    extent: Extent,
    size: int,
    problem: str,
) -> NeuronMaps:
    """All the maps of one frame: one forward pass over the grid, quantised on the device.

    Each map is divided by the larger of 1 and its largest |value| (tanh and
    sigmoid units are shown on their own scale, inputs and ReLU units fitted).
    """
    device = next(model.parameters()).device
    values = raw_maps(model, features, grid_points(extent, size, device), problem)
    scales = values.abs().amax(dim=1).clamp(min=1.0)
    quantised = ((values / scales[:, None]).clamp(-1, 1) + 1).mul(127.5).round().to(torch.uint8)
    return NeuronMaps(
        maps=quantised.reshape(-1, size, size).cpu().numpy(),
        scales=scales.float().cpu().numpy(),
    )
