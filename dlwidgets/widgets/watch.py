"""A live view on the user's own training loop: redraw at most N times a second."""

from __future__ import annotations

import math
import time
from typing import Protocol


class Redrawable(Protocol):
    def show_progress(self, step: int | None, loss: float | None) -> None: ...


class Watcher:
    """Call it once per training step; it redraws the view when a frame is due.

    Frames in between are dropped, never queued (Jupyter drops messages past
    1000 a second anyway). :meth:`flush` draws the last state, for the end.
    """

    def __init__(self, view: Redrawable, max_fps: float) -> None:
        if not max_fps > 0 or math.isinf(max_fps):
            raise ValueError(f"max_fps must be a positive number, got {max_fps}")
        self._view = view
        self._period = 1.0 / max_fps
        self._last = -math.inf
        self._pending: tuple[int | None, float | None] | None = None
        self.frames = 0

    def __call__(self, step: int | None = None, loss: float | None = None) -> bool:
        """Record this step; redraw if the last frame is older than 1/max_fps. True if it drew."""
        # .item(): a loss tensor that still requires grad converts without a warning
        loss_value = None if loss is None else float(getattr(loss, "item", lambda: loss)())
        now = time.monotonic()
        if now - self._last < self._period:
            self._pending = (step, loss_value)
            return False
        self._draw(step, loss_value, now)
        return True

    def flush(self) -> None:
        """Draw the last step recorded if it was dropped."""
        if self._pending is not None:
            self._draw(*self._pending, time.monotonic())

    def _draw(self, step: int | None, loss: float | None, now: float) -> None:
        self._last = now
        self._pending = None
        self.frames += 1
        self._view.show_progress(step, loss)
