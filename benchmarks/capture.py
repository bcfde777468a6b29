"""What capturing a forward pass costs: ``dw.trace`` against a plain forward.

Three models with random weights, in eval mode: the MLP 784-256-128-10 (batch
64), a small CNN (two conv+ReLU+pool, two Linear; batch 64 of 1×28×28) and a
ResNet-18-shaped model (BasicBlocks, fc 1000; batch 8 of 3×64×64). For each,
the median time of:

- plain: the model's forward under ``torch.no_grad()``;
- hooks: hand-written forward hooks on every leaf module, each keeping
  ``output.detach().clone()`` in a list (registered and removed in each run);
- leaf: ``dw.trace(model, x)``, recording every leaf module call;
- ops: ``dw.trace(model, x, ops=True)``, recording the functional calls too;
- torchlens: TorchLens's ``trace(model, x)`` (``log_forward_pass`` before 2.0),
  under ``torch.no_grad()``, when the optional ``torchlens`` package is
  installed, else n/a. TorchLens 2.x wraps torch's functions and leaves them
  wrapped; here they are unwrapped after each of its runs and wrapped again
  before the next, untimed, so the other columns run torch's own functions.

The columns are interleaved in one process, round after round (the order
rotates each round), so machine noise hits every column alike; everything is
warmed up first. In a round each column runs once untimed (its caches, cooled by
the column before, warm again), then back to back for at least 5 ms; a round
gives each column one time per run. Timings are wall-clock
(``time.perf_counter``); on CUDA the device is synchronized around them.
torch's thread count is left at the machine default (``--threads N`` sets it).
Ratios are median traced / median plain.

Each run's result is held until the column's next run replaces it, as a
notebook variable or a widget holds its trace while the next one is made. With
glibc's malloc that matters: when every result is dropped at once, the freed
activations sit at the top of the heap and are given back to the system, and
the next run page-faults them in again (measured here: ResNet-18 ``hooks``
×1.48 and ``leaf`` ×1.41 that way, against ×1.11 and ×1.20 held, before this
stop's speed-ups). ``MALLOC_MMAP_THRESHOLD_=1073741824
MALLOC_TRIM_THRESHOLD_=4294967296`` in the environment, or jemalloc, keep that
memory either way; the header says which allocator settings the run had.

Prints a table and, last, one summary line with the worst ratio of the three
models for each capture (``n/a`` where it was not measured)::

    .venv/bin/python benchmarks/capture.py [--device cuda] [--quick] [--threads N]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import importlib
import math
import os
import pstats
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from text_table import format_table  # run as a script: benchmarks/ is on sys.path
from torch import nn

import dlwidgets as dw

COLUMNS = ("plain", "hooks", "leaf", "ops", "torchlens")
# Each timing covers at least MIN_BATCH_S of back-to-back runs (at most MAX_REPEAT runs).
MIN_BATCH_S = 0.005
MAX_REPEAT = 50


# ---------------------------------------------------------------- models


def mlp() -> nn.Module:
    return nn.Sequential(
        nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10)
    )


def cnn() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * 7 * 7, 128),
        nn.ReLU(),
        nn.Linear(128, 10),
    )


class BasicBlock(nn.Module):
    """ResNet's two 3×3 convs with an identity (or 1×1 conv) shortcut."""

    def __init__(self, in_channels: int, channels: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, channels, 3, stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.downsample = (
            nn.Sequential(
                nn.Conv2d(in_channels, channels, 1, stride, bias=False), nn.BatchNorm2d(channels)
            )
            if stride != 1 or in_channels != channels
            else None
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += identity
        return self.relu(out)


def resnet18() -> nn.Module:
    stages: list[nn.Module] = []
    in_channels = 64
    for channels, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
        stages.append(
            nn.Sequential(
                BasicBlock(in_channels, channels, stride), BasicBlock(channels, channels, 1)
            )
        )
        in_channels = channels
    return nn.Sequential(
        nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False),
        nn.BatchNorm2d(64),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(3, stride=2, padding=1),
        *stages,
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(512, 1000),
    )


MODELS: tuple[tuple[str, Callable[[], nn.Module], tuple[int, ...]], ...] = (
    ("MLP 784-256-128-10", mlp, (64, 784)),
    ("CNN 2conv+2fc", cnn, (64, 1, 28, 28)),
    ("ResNet-18 64px", resnet18, (8, 3, 64, 64)),
)


# ---------------------------------------------------------------- captures


def _nothing() -> None:
    pass


@dataclass
class Capture:
    """One column: ``run`` is timed and returns what it captured, which ``records``
    counts; ``enter`` and ``leave`` run around it, untimed."""

    run: Callable[[], Any]
    records: Callable[[Any], int] = len
    enter: Callable[[], None] = _nothing
    leave: Callable[[], None] = _nothing


def plain_capture(model: nn.Module, x: torch.Tensor) -> Capture:
    def run() -> Any:
        with torch.no_grad():
            return model(x)

    return Capture(run, records=lambda _: 0)


def hooks_capture(model: nn.Module, x: torch.Tensor) -> Capture:
    leaves = [m for m in model.modules() if next(m.children(), None) is None]

    def run() -> list[torch.Tensor]:
        kept: list[torch.Tensor] = []

        def keep(_module: nn.Module, _args: Any, output: torch.Tensor) -> None:
            kept.append(output.detach().clone())

        handles = [m.register_forward_hook(keep) for m in leaves]
        try:
            with torch.no_grad():
                model(x)
        finally:
            for handle in handles:
                handle.remove()
        return kept

    return Capture(run)


def trace_capture(model: nn.Module, x: torch.Tensor, **options: Any) -> Capture:
    return Capture(lambda: dw.trace(model, x, **options))


def torchlens_capture(model: nn.Module, x: torch.Tensor) -> Capture | None:
    try:
        tl = importlib.import_module("torchlens")
    except ImportError:
        return None
    capture = getattr(tl, "trace", None)  # TorchLens 2.x; log_forward_pass before

    def run() -> Any:
        with torch.no_grad():  # as the plain forward and dw.trace run
            if capture is not None:
                return capture(model, x)
            return tl.log_forward_pass(model, x, layers_to_save="all", vis_opt="none")

    # TorchLens 2.x leaves torch's functions wrapped after a trace: put them
    # back between its runs so the other columns time torch's own functions.
    try:
        wrappers = importlib.import_module("torchlens.backends.torch.wrappers")
    except ImportError:
        return Capture(run)
    return Capture(run, enter=wrappers.wrap_torch, leave=wrappers.unwrap_torch)


# ---------------------------------------------------------------- timing


@dataclass
class Result:
    name: str
    times: dict[str, list[float]] = field(default_factory=dict)
    records: dict[str, int] = field(default_factory=dict)

    def median_ms(self, column: str) -> float | None:
        times = self.times.get(column)
        return statistics.median(times) * 1e3 if times else None

    def ratio(self, column: str) -> float | None:
        plain, traced = self.median_ms("plain"), self.median_ms(column)
        return traced / plain if plain and traced is not None else None


def timed(
    capture: Capture, sync: Callable[[], None], repeat: int, held: dict[int, Any]
) -> tuple[float, int]:
    """Seconds per run of ``repeat`` runs, after one untimed run that warms the
    caches the other columns cooled; and the records of one run.

    Each run's result is held until the column's next run has replaced it
    (``held``, across rounds too), as a notebook variable or a widget holds its
    trace while the next one is made: ``tr = dw.trace(model, x)`` again.
    """
    key = id(capture)
    capture.enter()
    held[key] = capture.run()
    records = capture.records(held[key])
    sync()
    start = time.perf_counter()
    for _ in range(repeat):
        held[key] = capture.run()
    sync()
    seconds = (time.perf_counter() - start) / repeat
    capture.leave()
    return seconds, records


def measure(
    name: str,
    runs: dict[str, Capture],
    sync: Callable[[], None],
    warmup: int,
    min_rounds: int,
    max_rounds: int,
    budget_s: float,
) -> Result:
    result = Result(name, {column: [] for column in runs})
    repeat = dict.fromkeys(runs, 1)
    held: dict[int, Any] = {}
    for _ in range(warmup):
        for column, capture in runs.items():
            seconds, result.records[column] = timed(capture, sync, 1, held)
            repeat[column] = max(1, min(MAX_REPEAT, math.ceil(MIN_BATCH_S / seconds)))
    # What lives now (torch, TorchLens, the model) stays out of every later
    # collection: the per-round gc.collect() stays cheap, and the collections
    # the runs trigger scan only what the runs made.
    held.clear()  # not frozen with the rest: a result in a reference cycle would stay
    gc.collect()
    gc.freeze()
    order = list(runs)
    deadline = time.perf_counter() + budget_s
    for round_ in range(max_rounds):
        if round_ >= min_rounds and time.perf_counter() > deadline:
            break
        gc.collect()  # a collection now rather than inside some run
        shift = round_ % len(order)
        for column in order[shift:] + order[:shift]:
            seconds, _ = timed(runs[column], sync, repeat[column], held)
            result.times[column].append(seconds)
    held.clear()
    gc.unfreeze()  # the next model's objects are collected as usual
    return result


# ---------------------------------------------------------------- report


def fmt_ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def table(results: list[Result]) -> str:
    head = ("model", "plain ms", "hooks ×", "leaf ×", "ops ×", "torchlens ×", "records")
    rows = [head]
    for r in results:
        records = "/".join(str(r.records[c]) if c in r.records else "n/a" for c in COLUMNS[1:])
        rows.append(
            (
                r.name,
                f"{r.median_ms('plain'):.3f}",
                *(fmt_ratio(r.ratio(c)) for c in COLUMNS[1:]),
                records,
            )
        )
    return format_table(rows)


def worst(results: list[Result], column: str) -> str:
    ratios = [r.ratio(column) for r in results]
    known = [ratio for ratio in ratios if ratio is not None]
    return fmt_ratio(max(known)) if known else "n/a"


def malloc_settings() -> str:
    """glibc allocator settings from the environment (they move every column: see above)."""
    names = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_ARENA_MAX")
    set_ = [f"{name}={os.environ[name]}" for name in names if name in os.environ]
    return " ".join(set_) or "default"


def profile(name: str, model: nn.Module, x: torch.Tensor, sync: Callable[[], None]) -> None:
    """The functions a leaf trace spends most of its own time in, per trace."""
    runs = 100
    for _ in range(5):
        dw.trace(model, x)
    profiler = cProfile.Profile()
    sync()
    profiler.enable()
    for _ in range(runs):
        dw.trace(model, x)
    sync()
    profiler.disable()
    stats = pstats.Stats(profiler)
    rows = sorted(stats.stats.items(), key=lambda item: -item[1][2])[:15]  # type: ignore[attr-defined]
    total = sum(row[2] for row in stats.stats.values()) / runs * 1e6  # type: ignore[attr-defined]
    print(f"\n{name}: {total:.0f} µs of Python per trace; the 15 largest (own time):")
    for (file, line, function), (_, calls, own, cumulative, _) in rows:
        where = f"{Path(file).name}:{line} {function}"
        print(
            f"  {own / runs * 1e6:8.1f} µs own {cumulative / runs * 1e6:8.1f} µs cum "
            f"{calls / runs:6.1f}×  {where}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--threads", type=int, help="torch's intra-op threads (default: torch's)")
    parser.add_argument(
        "--profile", action="store_true", help="instead: where dw.trace spends its time (cProfile)"
    )
    args = parser.parse_args()
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        parser.error(
            f"--device {args.device}: this torch ({torch.__version__}) sees no CUDA device"
        )
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    sync = torch.cuda.synchronize if device.type == "cuda" else lambda: None
    warmup, min_rounds, max_rounds, budget_s = (2, 5, 30, 4.0) if args.quick else (3, 10, 200, 20.0)

    print(
        f"capture benchmark: device={device}, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads, {'quick' if args.quick else 'full'} run, "
        f"malloc: {malloc_settings()}"
    )
    if args.profile:
        for name, build, shape in MODELS:
            torch.manual_seed(0)
            profile(name, build().to(device).eval(), torch.randn(shape, device=device), sync)
        return
    results = []
    for name, build, shape in MODELS:
        torch.manual_seed(0)
        model = build().to(device).eval()
        x = torch.randn(shape, device=device)
        runs = {
            "plain": plain_capture(model, x),
            "hooks": hooks_capture(model, x),
            "leaf": trace_capture(model, x),
            "ops": trace_capture(model, x, ops=True),
        }
        lens = torchlens_capture(model, x)
        if lens is not None:
            runs["torchlens"] = lens
        result = measure(name, runs, sync, warmup, min_rounds, max_rounds, budget_s)
        rounds = len(result.times["plain"])
        print(f"  {name}: {rounds} rounds of {', '.join(runs)}", flush=True)
        results.append(result)

    print()
    print(table(results))
    print("records: hooks/leaf/ops/torchlens records per run (torchlens counts every op)")
    print(
        f"capture: leaf_ratio={worst(results, 'leaf')} ops_ratio={worst(results, 'ops')} "
        f"torchlens_ratio={worst(results, 'torchlens')}"
    )


if __name__ == "__main__":
    main()
