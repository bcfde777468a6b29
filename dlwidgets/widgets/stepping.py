"""The Python side of a view's stepper: ``step`` moved one at a time, played, paused.

A view mixes this in with ``step``, ``playing`` and ``interval`` traits and a
``steps`` property (how many steps its stepper walks).
"""

from __future__ import annotations


class Stepping:
    step: int
    playing: bool
    interval: float

    @property
    def steps(self) -> int:
        raise NotImplementedError

    def step_forward(self) -> None:
        """One step on (no further than the last)."""
        self.step = min(self.step + 1, self.steps - 1)

    def step_back(self) -> None:
        """One step back (no further than the first)."""
        self.step = max(self.step - 1, 0)

    def play(self, interval: float | None = None) -> None:
        """Walk the steps in the page, one per ``interval`` s (from the start if at the end)."""
        if interval is not None:
            if interval <= 0:
                raise ValueError(f"interval must be positive, got {interval}")
            self.interval = interval
        if self.step >= self.steps - 1:
            self.step = 0
        self.playing = True

    def pause(self) -> None:
        """Stop playing; the step stays where it is."""
        self.playing = False
