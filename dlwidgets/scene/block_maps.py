"""Small feature maps drawn under a block of ``NetworkView`` (a conv or pooling layer).

A ``[B, C, H, W]`` output becomes ``[samples, k, h, w]``: the ``k`` channels
most active over the samples shown (mean |a|), average-pooled to at most
``MAP_SIZE`` pixels a side. ``dw.FeatureMapView`` draws every channel, with
receptive fields and arithmetic; these thumbnails say "this block holds
images, and here are the strongest".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch.nn import functional as F

MAP_CHANNELS = 4
MAP_SIZE = 16


@dataclass
class BlockMaps:
    maps: np.ndarray  # [samples, k, h, w] float32
    channels: list[int]  # the channel each map shows, most active first
    shape: tuple[int, int, int]  # the full per-sample [C, H, W]


def block_maps(tensor: torch.Tensor | None, max_samples: int) -> BlockMaps | None:
    """The thumbnails of a 4-D floating-point output; None for anything else."""
    if tensor is None or tensor.dim() != 4 or not tensor.is_floating_point():
        return None
    _, channels, height, width = (int(n) for n in tensor.shape)
    if channels == 0 or min(height, width) < 2:
        return None
    x = tensor[:max_samples].detach().float()
    activity = x.abs().mean(dim=(0, 2, 3))
    kept = torch.topk(activity, min(MAP_CHANNELS, channels)).indices
    maps = x[:, kept]
    size = (min(height, MAP_SIZE), min(width, MAP_SIZE))
    if size != (height, width):
        maps = F.adaptive_avg_pool2d(maps, size)
    return BlockMaps(
        maps=maps.cpu().numpy().astype(np.float32),
        channels=[int(c) for c in kept],
        shape=(channels, height, width),
    )
