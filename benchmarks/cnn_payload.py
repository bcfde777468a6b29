"""What FeatureMapView sends per forward pass of a ResNet-18-shaped model.

The model is the ResNet-18 of ``benchmarks/capture.py`` (BasicBlocks, fc
1000), random weights, in eval mode, on one 3×224×224 image. The view's
reduction runs on the model's device before the copy: per layer the 16 most
active channels (the rest grouped into one mean map), maps larger than 32×32
average-pooled, reduced maps sent as 8 bits per value. Prints a table of the
bytes each column sends (binary buffers), the bytes copied from the device
and, last::

    cnn_payload: bytes=<sent per forward pass> ms=<trace + scene + encode, median>

    .venv/bin/python benchmarks/cnn_payload.py [--device cuda]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from capture import resnet18  # run as a script: benchmarks/ is on sys.path
from text_table import format_table
from torch import nn

import dlwidgets as dw
from dlwidgets.scene.feature_maps import (
    FeatureScene,
    MapReducer,
    build_feature_scene,
    payload_bytes,
    values,
)

LIMIT = 4 * 1024 * 1024
RUNS = 5


def forward_payload(model: nn.Module, x: torch.Tensor) -> tuple[FeatureScene, dict, int]:
    """One forward pass as the view sends it: the scene, the values trait, bytes copied."""
    reducer = MapReducer()
    tr = dw.trace(model, x, reduce=reducer)
    scene = build_feature_scene(tr, reducer)
    copied = sum(tr.bytes_copied.values())
    return scene, values(scene, 0), copied


def table(scene: FeatureScene, sent: dict) -> str:
    rows = [("column", "kind", "shape", "shown", "bytes")]
    for column, wire in zip(scene.columns, sent["columns"], strict=True):
        r = column.reduction
        grouped = "+1" if r is not None and r.grouped else ""
        shown = f"{len(r.channels)}{grouped} × {r.size[0]}×{r.size[1]}" if r is not None else "-"
        shape = "×".join(str(n) for n in column.shape)
        rows.append((column.name, column.kind, shape, shown, str(payload_bytes(wire))))
    return format_table(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    args = parser.parse_args()
    device = torch.device(args.device)
    torch.manual_seed(0)
    model = resnet18().to(device).eval()
    x = torch.randn(1, 3, 224, 224, device=device)
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        scene, sent, copied = forward_payload(model, x)
        times.append((time.perf_counter() - start) * 1e3)
    total = payload_bytes(sent)
    print(f"cnn payload benchmark: device={device}, torch {torch.__version__}, {RUNS} runs")
    print(table(scene, sent))
    print(f"columns: {len(scene.columns)}; copied from {device}: {copied} bytes")
    print(f"under the 4 MB limit: {total < LIMIT}")
    print(f"cnn_payload: bytes={total} ms={statistics.median(times):.0f}")


if __name__ == "__main__":
    main()
