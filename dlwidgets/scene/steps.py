"""The steps of a forward (and backward) pass, as the stepper walks them.

Forward: step ``k`` has computed columns ``0..k``. With a loss, the walk goes
on backwards: one step per column from the output down to the first layer
(its ∂L/∂a on neurons, ∂L/∂w on the edges into it), then one last step that
previews the update ``w − lr·∂L/∂w``. ``js/src/scene/steps.ts`` mirrors this.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Step:
    phase: Literal["forward", "backward", "update"]
    column: int  # the column this step is about


def step_count(columns: int, backward: bool) -> int:
    return columns + (columns if backward and columns > 1 else 0)


def describe_step(step: int, columns: int, backward: bool) -> Step:
    if not 0 <= step < step_count(columns, backward):
        raise ValueError(f"step {step} is outside 0..{step_count(columns, backward) - 1}")
    if step < columns:
        return Step("forward", step)
    back = step - columns
    if back < columns - 1:
        return Step("backward", columns - 1 - back)
    return Step("update", columns - 1)
