"""Trace → the scene ``FeatureMapView`` draws: a CNN as columns of feature maps.

One column per model input and per layer, in execution order:

- ``maps``: a ``[C, H, W]`` output (convolution, pooling…), each channel a
  small heatmap. Element-wise steps reading only the column before
  (activations, BatchNorm, dropout) are merged into it: the maps show the
  last value, and the column lists the steps.
- ``vector``: one vector per sample (``Flatten``, ``Linear``…), a strip of cells.
- ``output``: the last vector, as labelled probability bars (softmax of the
  logits unless the model ends with its own ``Softmax``).
- ``block``: anything else, a labelled shape.

Large layers are reduced on the model's device before the one copy to the
host (:class:`MapReducer`): one sample, the ``top_k`` most active channels
(mean |value|) with the rest grouped into one mean map, maps larger than
``max_size`` average-pooled down. Reduced columns travel as 8-bit values with
a per-map offset and step. Pure data; no widget code.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from dlwidgets.capture import Layer, Trace
from dlwidgets.capture.tensors import iter_tensors
from dlwidgets.errors import UnsupportedModelError
from dlwidgets.scene.network import ACTIVATIONS, BLOCK_ONLY, PASS_THROUGH
from dlwidgets.scene.receptive_field import Geometry, Rect, Stage, geometry, receptive_field
from dlwidgets.wire import encode

TOP_K = 16
MAX_SIZE = 32
INPUT_SCALE = 2  # the input image may be this many times larger than the maps
ELEMENTWISE = (ACTIVATIONS | BLOCK_ONLY | PASS_THROUGH) - {"Flatten"}
# Layers that change the map size in a way with no pixel-to-pixel geometry.
NON_SPATIAL = frozenset(
    {"AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "Upsample", "UpsamplingNearest2d"}
)


@dataclass(frozen=True)
class Reduction:
    """How one ``[C, H, W]`` map was reduced: ``channels`` kept (most active first when
    some are grouped), ``grouped`` others averaged into one map, ``size`` shown."""

    shape: tuple[int, int, int]
    channels: tuple[int, ...]
    size: tuple[int, int]

    @property
    def grouped(self) -> int:
        return self.shape[0] - len(self.channels)

    @property
    def downsampled(self) -> bool:
        return self.size != tuple(self.shape[1:])

    @property
    def reduced(self) -> bool:
        return self.grouped > 0 or self.downsampled


class MapReducer:
    """``reduce=`` for :func:`dlwidgets.trace`: shrinks each record on its device.

    A ``[B, C, H, W]`` output becomes one flat float32 tensor: the kept channel
    indices, then their maps, then (when channels were grouped) the mean of
    the others; :meth:`unpack` reads it back on the host. Other outputs keep
    only the sample.
    """

    def __init__(self, sample: int = 0, top_k: int = TOP_K, max_size: int = MAX_SIZE) -> None:
        if top_k < 1 or max_size < 1:
            raise ValueError(f"top_k and max_size must be at least 1, got {top_k}, {max_size}")
        self.sample = sample
        self.top_k = top_k
        self.max_size = max_size
        self.shapes: dict[str, tuple[int, int, int]] = {}

    def __call__(self, name: str, tensor: torch.Tensor) -> torch.Tensor:
        if tensor.dim() < 2 or tensor.shape[0] <= self.sample:
            return tensor
        one = tensor[self.sample]
        if one.dim() != 3 or not one.is_floating_point():
            return one
        self.shapes[name] = (int(one.shape[0]), int(one.shape[1]), int(one.shape[2]))
        return self.pack(one)

    def pack(self, maps: torch.Tensor, max_size: int | None = None) -> torch.Tensor:
        """``[C, H, W]`` → the flat reduced tensor (on the same device)."""
        limit = self.max_size if max_size is None else max_size
        maps = maps.float()
        channels, height, width = maps.shape
        if channels > self.top_k:
            activity = maps.abs().mean(dim=(1, 2))
            kept = torch.topk(activity, self.top_k).indices
            shown = maps[kept]
            rest = (maps.sum(0) - shown.sum(0)) / (channels - self.top_k)
            shown = torch.cat([shown, rest.unsqueeze(0)])
        else:
            kept = torch.arange(channels, device=maps.device)
            shown = maps
        size = (min(height, limit), min(width, limit))
        if size != (height, width):
            shown = F.adaptive_avg_pool2d(shown.unsqueeze(0), size).squeeze(0)
        return torch.cat([kept.float(), shown.reshape(-1)])

    def unpack(
        self, flat: torch.Tensor, shape: tuple[int, int, int], max_size: int | None = None
    ) -> tuple[Reduction, np.ndarray, np.ndarray | None]:
        """The reduction, the kept maps ``[k, h, w]`` and the grouped mean map (or None)."""
        channels, height, width = shape
        k = min(channels, self.top_k)
        limit = self.max_size if max_size is None else max_size
        size = (min(height, limit), min(width, limit))
        values = flat.numpy()
        kept = tuple(int(c) for c in values[:k])
        maps = values[k:].reshape(-1, *size)
        rest = maps[k] if channels > k else None
        return Reduction(shape, kept, size), maps[:k], rest


@dataclass
class MapColumn:
    """One column of the picture (see the module docstring for ``role``)."""

    name: str
    kind: str
    role: str
    shape: tuple[int, ...]
    sources: list[int]
    records: list[str] = field(default_factory=list)
    activations: list[str] = field(default_factory=list)
    reduction: Reduction | None = None
    maps: np.ndarray | None = None  # [k, h, w] float32
    rest: np.ndarray | None = None  # [h, w]: the mean of the grouped channels
    values: np.ndarray | None = None  # [n]: a vector column's values (logits for the output)
    probs: np.ndarray | None = None  # [n]: the output's probabilities
    geometry: Geometry | None = None
    spatial: bool = True

    @property
    def size(self) -> tuple[int, int]:
        """The full map size (H, W) of a maps column."""
        return (int(self.shape[1]), int(self.shape[2]))


@dataclass
class FeatureScene:
    """Everything ``FeatureMapView`` draws for one forward pass of one sample."""

    columns: list[MapColumn]
    labels: list[str]
    sample: int
    samples: int

    def column(self, name: str) -> MapColumn:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"no column {name!r}; columns: {[c.name for c in self.columns]}")

    def index(self, name: str) -> int:
        return self.columns.index(self.column(name))

    def path(self, name: str) -> list[MapColumn]:
        """The maps columns from the input to ``name``, along each column's first source."""
        path = [self.column(name)]
        while path[0].sources and self.columns[path[0].sources[0]].role == "maps":
            path.insert(0, self.columns[path[0].sources[0]])
        return path

    def receptive_field(self, name: str, y: int, x: int) -> dict[str, Rect]:
        """The rectangle of every earlier map that pixel ``(y, x)`` of ``name`` depends on."""
        column = self.column(name)
        if column.role != "maps":
            raise ValueError(f"{name!r} ({column.kind}) is not a feature map")
        stages = [Stage(c.name, c.size, c.geometry, c.spatial) for c in self.path(name)]
        return receptive_field(stages, y, x)


def _first_tensor(value: object) -> torch.Tensor | None:
    return next(iter_tensors(value), None)


def build_feature_scene(
    trace: Trace, reducer: MapReducer, *, labels: list[str] | None = None
) -> FeatureScene:
    """The columns of one trace made with ``reduce=reducer``."""
    if not any(isinstance(layer.module, nn.Conv2d) for layer in trace.layers):
        kinds = ", ".join(dict.fromkeys(layer.kind for layer in trace.layers)) or "none"
        raise UnsupportedModelError(
            f"FeatureMapView draws convolutional networks: no Conv2d ran in this model "
            f"(layers: {kinds}); use dw.NetworkView for it"
        )
    columns: list[MapColumn] = []
    column_of: dict[str, int] = {}
    samples = 1
    for name, x in trace.model_inputs.items():
        column_of[name] = len(columns)
        samples = int(x.shape[0]) if x.dim() >= 2 else 1
        one = x[reducer.sample] if x.dim() == 4 else x
        columns.append(_input_column(name, one, reducer))
    for layer in trace.layers:
        sources = list(dict.fromkeys(column_of[n] for n in layer.inputs if n in column_of))
        if _merge(layer, sources, columns, reducer):
            column_of[layer.name] = sources[0]
            continue
        column_of[layer.name] = len(columns)
        columns.append(_layer_column(layer, sources, reducer))
    last = columns[-1]
    if last.role == "vector" and last.values is not None and last.values.size > 1:
        _make_output(last)
    count = last.values.size if last.role == "output" and last.values is not None else 0
    names = list(labels) if labels is not None else [str(i) for i in range(count)]
    if last.role == "output" and len(names) != count:
        raise ValueError(f"labels has {len(names)} names but the output {last.name!r} has {count}")
    return FeatureScene(columns, names, reducer.sample, samples)


def _input_column(name: str, x: torch.Tensor, reducer: MapReducer) -> MapColumn:
    if x.dim() != 3:
        return MapColumn(name, "Input", "block", tuple(x.shape), [])
    column = MapColumn(name, "Input", "maps", tuple(x.shape), [])
    # The picture being read: drawn sharper than the maps after it.
    limit = INPUT_SCALE * reducer.max_size
    shape = (int(x.shape[0]), int(x.shape[1]), int(x.shape[2]))
    column.reduction, column.maps, column.rest = reducer.unpack(
        reducer.pack(x, limit), shape, limit
    )
    return column


def _fill(column: MapColumn, layer: Layer, reducer: MapReducer) -> None:
    """Put a record's (reduced) values into its column."""
    tensor = _first_tensor(layer.output)
    if column.role == "maps" and tensor is not None:
        column.reduction, column.maps, column.rest = reducer.unpack(
            tensor.float(), reducer.shapes[layer.name]
        )
    elif column.role == "vector" and tensor is not None:
        column.values = tensor.reshape(-1).float().numpy()


def _role(layer: Layer, reducer: MapReducer) -> tuple[str, tuple[int, ...]]:
    if layer.name in reducer.shapes:
        return "maps", reducer.shapes[layer.name]
    tensor = _first_tensor(layer.output)
    if tensor is not None and tensor.dim() == 1 and tensor.is_floating_point():
        return "vector", tuple(tensor.shape)
    return "block", tuple(tensor.shape) if tensor is not None else ()


def _merge(layer: Layer, sources: list[int], columns: list[MapColumn], reducer: MapReducer) -> bool:
    """Fold an element-wise step into the column it reads, when that is the last one."""
    if layer.kind not in ELEMENTWISE or len(sources) != 1 or sources[0] != len(columns) - 1:
        return False
    column = columns[sources[0]]
    role, shape = _role(layer, reducer)
    if column.kind == "Input" or role != column.role or shape != column.shape:
        return False
    _fill(column, layer, reducer)
    if layer.kind not in PASS_THROUGH:
        column.activations.append(layer.kind)
    column.records.append(layer.name)
    return True


def _layer_column(layer: Layer, sources: list[int], reducer: MapReducer) -> MapColumn:
    role, shape = _role(layer, reducer)
    column = MapColumn(layer.name, layer.kind, role, shape, sources, records=[layer.name])
    if layer.kind in ELEMENTWISE:
        column.activations.append(layer.kind)
    column.geometry = geometry(layer.module)
    column.spatial = layer.kind not in NON_SPATIAL
    _fill(column, layer, reducer)
    return column


def _make_output(column: MapColumn) -> None:
    assert column.values is not None
    column.role = "output"
    logits = torch.from_numpy(column.values.astype(np.float64))
    last = column.activations[-1] if column.activations else column.kind
    if last in ("Softmax", "softmax"):
        probs = logits
    elif last in ("LogSoftmax", "log_softmax"):
        probs = logits.exp()
    else:
        probs = torch.softmax(logits, dim=0)
    column.probs = probs.float().numpy()


# -- what the browser reads -------------------------------------------------------------


def structure(scene: FeatureScene) -> dict[str, Any]:
    """The columns' names, kinds, roles, shapes and geometry: once per model structure."""
    return {
        "kind": "feature_maps",
        "labels": scene.labels,
        "columns": [
            {
                "name": c.name,
                "kind": c.kind,
                "role": c.role,
                "shape": list(c.shape),
                "sources": c.sources,
                "records": c.records,
                "activations": c.activations,
                "geometry": None if c.geometry is None else c.geometry.as_dict(),
            }
            for c in scene.columns
        ],
    }


def _quantised(maps: np.ndarray) -> dict[str, Any]:
    """8-bit maps: ``value ≈ lo + q·step`` with one ``lo`` and ``step`` per map."""
    flat = maps.reshape(maps.shape[0], -1).astype(np.float64)
    lo = flat.min(axis=1)
    step = (flat.max(axis=1) - lo) / 255.0
    safe = np.where(step > 0, step, 1.0)
    q = np.rint((flat - lo[:, None]) / safe[:, None]).clip(0, 255).astype(np.uint8)
    return {
        "q": encode(q.reshape(maps.shape)),
        "lo": encode(lo.astype(np.float32)),
        "step": encode(step.astype(np.float32)),
    }


def _column_values(column: MapColumn) -> dict[str, Any] | None:
    if column.role == "maps" and column.maps is not None and column.reduction is not None:
        r = column.reduction
        stack = (
            column.maps if column.rest is None else np.concatenate([column.maps, column.rest[None]])
        )
        exact = not r.reduced
        return {
            "channels": encode(np.asarray(r.channels, np.int32)),
            "grouped": r.grouped,
            "size": list(r.size),
            "exact": exact,
            "maps": encode(stack.astype(np.float32)) if exact else _quantised(stack),
        }
    if column.role in ("vector", "output") and column.values is not None:
        found: dict[str, Any] = {"values": encode(column.values.astype(np.float32))}
        if column.probs is not None:
            found["probs"] = encode(column.probs)
        return found
    return None


def values(scene: FeatureScene, revision: int) -> dict[str, Any]:
    """One forward pass: every column's maps or values, in one message, and its size."""
    columns = [_column_values(c) for c in scene.columns]
    return {
        "revision": revision,
        "sent_at": time.time() * 1000.0,
        "sample": scene.sample,
        "samples": scene.samples,
        "bytes": payload_bytes(columns),
        "columns": columns,
    }


def payload_bytes(value: Any) -> int:
    """Bytes of the binary buffers inside a trait value (what travels as frames)."""
    if isinstance(value, memoryview):
        return value.nbytes
    if isinstance(value, (bytes, bytearray)):
        return len(value)
    if isinstance(value, dict):
        return sum(payload_bytes(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return sum(payload_bytes(v) for v in value)
    return 0
