"""Scene → the trait values the browser reads: small JSON plus binary arrays.

Three parts with three lifetimes: ``topology`` once per model structure,
``params`` when the weights change, ``values`` once per forward pass (all
columns in one message).
"""

from __future__ import annotations

import time
from typing import Any

from dlwidgets.scene.network import Column, NetworkScene
from dlwidgets.wire import encode


def topology(scene: NetworkScene) -> dict[str, Any]:
    return {
        "kind": "network",
        "columns": [
            {
                "name": c.name,
                "kind": c.kind,
                "units": c.units,
                "shape": list(c.shape),
                "sources": c.sources,
                "activation": c.activation,
                "activations": c.activations,
                "records": c.records,
            }
            for c in scene.columns
        ],
    }


def params(scene: NetworkScene, revision: int) -> dict[str, Any]:
    return {
        "revision": revision,
        "weight_range": scene.weight_range,
        "columns": [
            None
            if c.weight is None or c.bias is None
            else {"weight": encode(c.weight), "bias": encode(c.bias)}
            for c in scene.columns
        ],
    }


def values(scene: NetworkScene, revision: int) -> dict[str, Any]:
    """``sent_at`` (ms since the epoch) lets the page measure kernel → frame latency."""
    return {
        "revision": revision,
        "sent_at": time.time() * 1000.0,
        "samples": scene.samples,
        "total_samples": scene.total_samples,
        "value_range": scene.value_range,
        "layer_ranges": scene.layer_ranges,
        "columns": [
            None if c.a is None else {"a": encode(c.a), "z": None if c.z is None else encode(c.z)}
            for c in scene.columns
        ],
        # Blocks that hold images: [samples, k, h, w] thumbnails and the channels they show.
        "maps": [
            None
            if c.maps is None
            else {
                "maps": encode(c.maps.maps),
                "channels": c.maps.channels,
                "shape": list(c.maps.shape),
            }
            for c in scene.columns
        ],
    }


def grads(scene: NetworkScene, revision: int) -> dict[str, Any]:
    """The backward pass, when there is a loss: empty otherwise."""
    if scene.loss is None:
        return {}

    def arrays(c: Column) -> dict[str, Any] | None:
        found = {k: getattr(c, k) for k in ("da", "dz", "dw", "db")}
        if all(v is None for v in found.values()):
            return None
        return {k: None if v is None else encode(v) for k, v in found.items()}

    neuron_range, edge_range = scene.grad_ranges
    return {
        "revision": revision,
        "loss": scene.loss,
        "neuron_range": neuron_range,
        "edge_range": edge_range,
        "columns": [arrays(c) for c in scene.columns],
    }
