"""Synthetic sequence tasks for recurrent networks, seeded and small (CPU in seconds).

- :func:`sine_windows`: windows of sine waves, and the next value to predict;
- :func:`count_ones`: a binary sequence, and the running count of its ones;
- :func:`char_text`: the characters of a short text shipped in the package
  (nursery rhymes and a Vietnamese proverb, public domain) with their
  vocabulary, for next-character prediction.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import torch

__all__ = ["CharText", "char_text", "count_ones", "sine_windows"]


def _generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def sine_windows(
    n: int = 256, steps: int = 20, noise: float = 0.0, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(x, y)``: ``x`` ``[n, steps, 1]`` float32, windows of sine waves with a random
    phase and period (8 to 24 steps); ``y`` ``[n, 1]``, the value that comes next.

    ``noise`` adds Gaussian noise of that standard deviation to ``x`` only.
    """
    if n < 1 or steps < 1:
        raise ValueError(f"need n ≥ 1 and steps ≥ 1, got n={n}, steps={steps}")
    g = _generator(seed)
    phase = torch.rand(n, 1, generator=g) * 2 * torch.pi
    period = 8 + 16 * torch.rand(n, 1, generator=g)
    t = torch.arange(steps + 1, dtype=torch.float32)
    wave = torch.sin(2 * torch.pi * t / period + phase)
    x = wave[:, :steps] + noise * torch.randn(n, steps, generator=g)
    return x.unsqueeze(-1), wave[:, steps:]


def count_ones(
    n: int = 256, steps: int = 12, p: float = 0.5, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(x, y)``: ``x`` ``[n, steps, 1]`` float32 of 0s and 1s (each 1 with probability
    ``p``); ``y`` ``[n, steps, 1]``, the running count of ones up to and including each step.
    """
    if n < 1 or steps < 1 or not 0 <= p <= 1:
        raise ValueError(f"need n ≥ 1, steps ≥ 1 and 0 ≤ p ≤ 1, got n={n}, steps={steps}, p={p}")
    bits = (torch.rand(n, steps, 1, generator=_generator(seed)) < p).float()
    return bits, bits.cumsum(dim=1)


@dataclass(frozen=True)
class CharText:
    """A text and its characters: ``vocab[i]`` is the character of id ``i``."""

    text: str
    vocab: list[str]

    def encode(self, text: str) -> torch.Tensor:
        """``[len(text)]`` int64 ids; a character outside the vocabulary raises ``KeyError``."""
        index = {ch: i for i, ch in enumerate(self.vocab)}
        missing = sorted(set(text) - index.keys())
        if missing:
            raise KeyError(f"characters not in the vocabulary: {missing}")
        return torch.tensor([index[ch] for ch in text], dtype=torch.int64)

    def decode(self, ids: torch.Tensor | list[int]) -> str:
        """The text of a sequence of ids."""
        values = ids.tolist() if isinstance(ids, torch.Tensor) else ids
        return "".join(self.vocab[i] for i in values)

    def windows(
        self, steps: int = 16, n: int | None = None, seed: int = 0
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(x, y)`` int64 ``[n, steps]``: windows of the text and the same shifted by one
        character (the next character at each step). ``n=None``: every window, in order;
        otherwise ``n`` windows at random (seeded) offsets."""
        ids = self.encode(self.text)
        if not 1 <= steps < len(ids):
            raise ValueError(f"steps must be between 1 and {len(ids) - 1}, got {steps}")
        count = len(ids) - steps
        starts = (
            torch.arange(count)
            if n is None
            else torch.randint(0, count, (n,), generator=_generator(seed))
        )
        offsets = starts[:, None] + torch.arange(steps)
        return ids[offsets], ids[offsets + 1]


def char_text() -> CharText:
    """The short text shipped with dlwidgets (English rhymes and a Vietnamese proverb)."""
    text = resources.files(__package__).joinpath("short_text.txt").read_text(encoding="utf-8")
    return CharText(text=text, vocab=sorted(set(text)))
