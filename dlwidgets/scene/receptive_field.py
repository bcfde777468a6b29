"""Where a feature-map pixel comes from, and the arithmetic that made it.

- :func:`receptive_field`: the rectangle of every earlier map that one pixel
  depends on, walked back through ``Conv2d``/``MaxPool2d``/``AvgPool2d``
  geometry (kernel size, stride, padding, dilation); element-wise steps
  (activations, normalisation) keep the rectangle.
- :func:`conv_arithmetic`: one ``Conv2d`` output pixel written out with the
  real numbers: a kernel × patch sum per input channel, plus the bias, is z.
- :func:`pool_arithmetic`: one pooled pixel: the max (or mean) of its window.

Pure functions of modules and tensors; no widget code.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

GEOMETRIC = (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)


@dataclass(frozen=True)
class Geometry:
    """How one spatial layer maps input pixels to output pixels (per axis: y, x)."""

    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int]

    def as_dict(self) -> dict[str, list[int]]:
        return {k: list(getattr(self, k)) for k in ("kernel", "stride", "padding", "dilation")}


def _pair(value: int | tuple[int, ...] | str) -> tuple[int, int]:
    if isinstance(value, str):
        raise ValueError(f"padding={value!r} is not supported for the receptive field")
    if isinstance(value, int):
        return (value, value)
    return (int(value[0]), int(value[-1]))


def geometry(module: nn.Module | None) -> Geometry | None:
    """The geometry of a Conv2d, MaxPool2d or AvgPool2d; ``None`` for anything else."""
    if not isinstance(module, GEOMETRIC):
        return None
    if isinstance(module, nn.Conv2d) and isinstance(module.padding, str):
        # "same"/"valid": PyTorch has resolved it into _reversed_padding_repeated_twice
        pad = module._reversed_padding_repeated_twice
        padding = (pad[2], pad[0])
    else:
        padding = _pair(module.padding)
    dilation = _pair(getattr(module, "dilation", 1))
    stride = _pair(module.stride if module.stride is not None else module.kernel_size)
    return Geometry(_pair(module.kernel_size), stride, padding, dilation)


@dataclass(frozen=True)
class Rect:
    """Inclusive pixel ranges ``[y0, y1] × [x0, x1]`` of one map."""

    y0: int
    y1: int
    x0: int
    x1: int

    def as_dict(self) -> dict[str, int]:
        return {"y0": self.y0, "y1": self.y1, "x0": self.x0, "x1": self.x1}


def back_through(rect: Rect, geo: Geometry, in_size: tuple[int, int]) -> Rect:
    """The input pixels a layer with ``geo`` reads to make the output pixels ``rect``.

    Output pixel i reads inputs ``i·s − p + d·j`` for ``j`` in ``0..k−1``;
    padded positions read no pixel, so the range is clipped to the map.
    """
    lo, hi = [], []
    for axis, (a, b) in enumerate(((rect.y0, rect.y1), (rect.x0, rect.x1))):
        k, s, p, d = geo.kernel[axis], geo.stride[axis], geo.padding[axis], geo.dilation[axis]
        lo.append(max(0, a * s - p))
        hi.append(min(in_size[axis] - 1, b * s - p + d * (k - 1)))
    return Rect(lo[0], hi[0], lo[1], hi[1])


@dataclass(frozen=True)
class Stage:
    """One map on the path back: its name, spatial size, and the layer that made it
    from the stage before (``None``: element-wise, or the input)."""

    name: str
    size: tuple[int, int]
    geometry: Geometry | None
    spatial: bool = True  # False: a layer of unknown geometry (the whole map is read)


def receptive_field(path: list[Stage], y: int, x: int) -> dict[str, Rect]:
    """The rectangle of each map on ``path`` (input first, the clicked map last)
    that the pixel ``(y, x)`` of the last map depends on."""
    last = path[-1]
    if not (0 <= y < last.size[0] and 0 <= x < last.size[1]):
        raise ValueError(f"pixel ({y}, {x}) is outside {last.name!r} of size {last.size}")
    rect = Rect(y, y, x, x)
    found = {last.name: rect}
    for stage, before in zip(reversed(path[1:]), reversed(path[:-1]), strict=True):
        if not stage.spatial:
            rect = Rect(0, before.size[0] - 1, 0, before.size[1] - 1)
        elif stage.geometry is not None:
            rect = back_through(rect, stage.geometry, before.size)
        else:
            rect = Rect(
                min(rect.y0, before.size[0] - 1),
                min(rect.y1, before.size[0] - 1),
                min(rect.x0, before.size[1] - 1),
                min(rect.x1, before.size[1] - 1),
            )
        found[before.name] = rect
    return found


def _patch(source: torch.Tensor, geo: Geometry, y: int, x: int) -> tuple[np.ndarray, np.ndarray]:
    """The window ``[C, kh, kw]`` read for output pixel (y, x) (0 where padded), and a mask
    of the positions inside the map."""
    channels, height, width = source.shape
    kh, kw = geo.kernel
    rows = y * geo.stride[0] - geo.padding[0] + geo.dilation[0] * np.arange(kh)
    cols = x * geo.stride[1] - geo.padding[1] + geo.dilation[1] * np.arange(kw)
    inside = (rows[:, None] >= 0) & (rows[:, None] < height) & (cols >= 0) & (cols < width)
    values = source.detach().to("cpu", torch.float64).numpy()
    patch = np.zeros((channels, kh, kw))
    r = np.clip(rows, 0, height - 1)
    c = np.clip(cols, 0, width - 1)
    patch[:, :, :] = values[:, r[:, None], c[None, :]]
    patch[:, ~inside] = 0.0
    return patch, inside


@dataclass(frozen=True)
class ConvArithmetic:
    """``z = Σ_c terms[c] + bias``, ``terms[c] = Σ kernel[c] ⊙ patch[c]`` (over the
    channels of the group the output channel reads), then ``steps`` (the
    element-wise layers after the conv, each with its value at this pixel)."""

    layer: str
    channel: int
    y: int
    x: int
    in_channels: list[int]
    kernel: np.ndarray  # [C, kh, kw] float64
    patch: np.ndarray  # [C, kh, kw] float64, 0 where the window is over the padding
    terms: np.ndarray  # [C]
    bias: float
    z: float
    steps: list[tuple[str, float]]

    @property
    def a(self) -> float:
        """The value drawn on the map: the last step's, or z."""
        return self.steps[-1][1] if self.steps else self.z


def conv_arithmetic(
    layer: str,
    module: nn.Conv2d,
    source: torch.Tensor,
    channel: int,
    y: int,
    x: int,
    steps: list[tuple[str, float]] | None = None,
) -> ConvArithmetic:
    """The arithmetic of pixel ``(y, x)`` of output ``channel`` of ``module`` applied to
    ``source`` (one sample's input ``[C_in, H, W]``). ``z`` is computed here, in
    float64, from the same numbers shown."""
    if not isinstance(module, nn.Conv2d):
        raise TypeError(f"layer {layer!r} is a {type(module).__name__}, not a Conv2d")
    if source.dim() != 3 or source.shape[0] != module.in_channels:
        raise ValueError(
            f"layer {layer!r} ({module}) reads [{module.in_channels}, H, W] per sample, "
            f"got {list(source.shape)}"
        )
    if not 0 <= channel < module.out_channels:
        raise ValueError(f"channel {channel} is outside {layer!r} ({module.out_channels} channels)")
    if module.padding_mode != "zeros":
        raise ValueError(f"layer {layer!r} pads with {module.padding_mode!r}; only zeros is shown")
    geo = geometry(module)
    assert geo is not None
    per_group = module.in_channels // module.groups
    first = channel // (module.out_channels // module.groups) * per_group
    in_channels = list(range(first, first + per_group))
    patch, _ = _patch(source[first : first + per_group], geo, y, x)
    kernel = module.weight[channel].detach().to("cpu", torch.float64).numpy()
    terms = (kernel * patch).sum(axis=(1, 2))
    bias = 0.0 if module.bias is None else float(module.bias.detach()[channel])
    z = float(terms.sum() + bias)
    return ConvArithmetic(
        layer, channel, y, x, in_channels, kernel, patch, terms, bias, z, list(steps or [])
    )


@dataclass(frozen=True)
class PoolArithmetic:
    """``value = max`` (or mean) of ``window`` (the pooled channel's window, ``mask``
    False where it is over the padding)."""

    layer: str
    channel: int
    y: int
    x: int
    op: str
    window: np.ndarray  # [kh, kw]
    mask: np.ndarray  # [kh, kw] bool
    value: float


def pool_arithmetic(
    layer: str,
    module: nn.MaxPool2d | nn.AvgPool2d,
    source: torch.Tensor,
    channel: int,
    y: int,
    x: int,
) -> PoolArithmetic:
    """Pixel ``(y, x)`` of ``channel`` of a pooling layer on ``source`` ``[C, H, W]``."""
    geo = geometry(module)
    if geo is None:
        raise TypeError(f"layer {layer!r} is a {type(module).__name__}, not a pooling layer")
    patch, inside = _patch(source[channel : channel + 1], geo, y, x)
    window = patch[0]
    if isinstance(module, nn.MaxPool2d):
        value, op = float(window[inside].max()), "max"
    else:
        count = window.size if module.count_include_pad else int(inside.sum())
        value, op = float(window[inside].sum() / count), "mean"
    return PoolArithmetic(layer, channel, y, x, op, window, inside, value)
