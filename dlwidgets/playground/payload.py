"""Trainer state → the trait values the page reads: small JSON plus binary arrays.

``points`` once per data set, ``frame`` once per frame drawn (every map and
every weight in one message), ``settings`` when a setting changes.
"""

from __future__ import annotations

import math
import time
from typing import Any

from dlwidgets.playground.config import PlaygroundConfig
from dlwidgets.playground.features import FEATURES
from dlwidgets.playground.trainer import Frame, Trainer
from dlwidgets.wire import encode

# what the page never needs: the user's points travel in `points`, the lesson in its own traits
_NOT_SETTINGS = ("X", "y", "hidden", "fixed")


def settings(config: PlaygroundConfig) -> dict[str, Any]:
    """Every setting the controls show, plus the problem and the output width."""
    values = {k: v for k, v in config.to_dict().items() if k not in _NOT_SETTINGS}
    return {**values, "problem": config.problem, "outputs": config.outputs}


def points(trainer: Trainer) -> dict[str, Any]:
    """The training and test points with their targets, and the part of the plane drawn."""
    return {
        "extent": [float(v) for v in trainer.extent],
        "features": list(FEATURES),
        "train": {"x": encode(trainer.train.X), "y": encode(trainer.train.y)},
        "test": {"x": encode(trainer.test.X), "y": encode(trainer.test.y)},
    }


def frame(frame: Frame, revision: int) -> dict[str, Any]:
    """``sent_at`` (ms since the epoch) lets the page measure kernel → frame latency."""
    return {
        "revision": revision,
        "sent_at": time.time() * 1000.0,
        "epoch": frame.epoch,
        "train_loss": _finite(frame.train_loss),
        "test_loss": _finite(frame.test_loss),
        "train_accuracy": frame.train_accuracy,
        "test_accuracy": frame.test_accuracy,
        "widths": frame.widths,
        "params": encode(frame.params),
        "maps": encode(frame.maps.maps),
        "scales": encode(frame.maps.scales),
    }


def _finite(value: float) -> float | None:
    """A diverged loss (inf, NaN) is sent as null: JSON has no NaN."""
    return value if math.isfinite(value) else None
