"""One clicked feature-map pixel, explained: its receptive field in every earlier map
and the arithmetic that made it (kernel × patch + bias = z, then each activation).

Computed in the kernel, exactly, from one extra forward pass that keeps the
full-resolution input of the clicked layer; the page only draws it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from torch import nn

from dlwidgets.capture import Trace
from dlwidgets.capture.module_io import call_io
from dlwidgets.scene.feature_maps import FeatureScene
from dlwidgets.scene.receptive_field import conv_arithmetic, pool_arithmetic
from dlwidgets.wire import encode


def check_pixel(scene: FeatureScene, layer: str, channel: int, y: int, x: int) -> None:
    """Raise ``ValueError`` naming the layer and its shape unless the pixel exists."""
    column = scene.column(layer)
    if column.role != "maps":
        raise ValueError(f"{layer!r} ({column.kind}, shape {list(column.shape)}) is not a map")
    channels, height, width = column.shape
    if not (0 <= channel < channels and 0 <= y < height and 0 <= x < width):
        raise ValueError(
            f"pixel (channel {channel}, y {y}, x {x}) is outside {layer!r} "
            f"of shape [{channels}, {height}, {width}]"
        )


def explain_pixel(
    model: nn.Module,
    inputs: tuple[Any, ...],
    trace: Trace,
    scene: FeatureScene,
    layer: str,
    channel: int,
    y: int,
    x: int,
) -> dict[str, Any]:
    """What the page shows for the pixel: ``rf`` (inclusive rectangles by column),
    ``value`` (the model's), and ``arithmetic`` (``None`` for an input pixel)."""
    check_pixel(scene, layer, channel, y, x)
    column = scene.column(layer)
    detail: dict[str, Any] = {
        "layer": layer,
        "channel": channel,
        "y": y,
        "x": x,
        "rf": {name: rect.as_dict() for name, rect in scene.receptive_field(layer, y, x).items()},
        "arithmetic": None,
    }
    records = [trace[name] for name in column.records]
    wanted = [(r.module, r.call) for r in records if r.module is not None]
    if column.kind == "Input" or len(wanted) != len(records):
        source = trace.model_inputs[column.name] if column.kind == "Input" else None
        detail["value"] = None if source is None else float(source[scene.sample, channel, y, x])
        return detail
    found = call_io(model, inputs, wanted)
    sample = scene.sample
    at = [float(out[sample, channel, y, x]) for _, out in found]
    detail["value"] = at[-1]
    first, source = records[0].module, found[0][0][sample]
    steps = [(r.kind, v) for r, v in zip(records[1:], at[1:], strict=True)]
    if isinstance(first, nn.Conv2d):
        conv = conv_arithmetic(layer, first, source, channel, y, x, steps)
        detail["arithmetic"] = {
            "kind": "conv",
            "in_channels": conv.in_channels,
            "kernel": encode(conv.kernel.astype(np.float32)),
            "patch": encode(conv.patch.astype(np.float32)),
            "terms": [float(t) for t in conv.terms],
            "bias": conv.bias,
            "z": conv.z,
            "model_z": at[0],
            "steps": [{"kind": kind, "value": value} for kind, value in steps],
        }
    elif isinstance(first, (nn.MaxPool2d, nn.AvgPool2d)):
        pool = pool_arithmetic(layer, first, source, channel, y, x)
        detail["arithmetic"] = {
            "kind": "pool",
            "op": pool.op,
            "window": encode(pool.window.astype(np.float32)),
            "mask": encode(pool.mask),
            "value": pool.value,
            "steps": [{"kind": kind, "value": value} for kind, value in steps],
        }
    return detail
