"""dw.datasets' sequence tasks: shapes, seeds and the values they promise."""

from __future__ import annotations

import pytest
import torch

import dlwidgets as dw


def test_sine_windows() -> None:
    x, y = dw.datasets.sine_windows(8, steps=10, seed=1)
    assert x.shape == (8, 10, 1) and y.shape == (8, 1) and x.dtype == torch.float32
    x2, _ = dw.datasets.sine_windows(8, steps=10, seed=1)
    assert torch.equal(x, x2)
    assert not torch.equal(x, dw.datasets.sine_windows(8, steps=10, seed=2)[0])
    assert x.abs().max() <= 1 and y.abs().max() <= 1
    # y continues each window's wave: a sine obeys x_{t+1} = 2·cos(ω)·x_t − x_{t−1}
    w = x[..., 0].double()
    cos = ((w[:, 2:] + w[:, :-2]) * w[:, 1:-1]).sum(1) / (2 * (w[:, 1:-1] ** 2).sum(1))
    torch.testing.assert_close(y[:, 0].double(), 2 * cos * w[:, -1] - w[:, -2], atol=1e-4, rtol=0)
    with pytest.raises(ValueError, match="steps"):
        dw.datasets.sine_windows(steps=0)


def test_count_ones() -> None:
    x, y = dw.datasets.count_ones(5, steps=9, seed=0)
    assert x.shape == y.shape == (5, 9, 1)
    assert set(x.unique().tolist()) <= {0.0, 1.0}
    assert torch.equal(y[:, -1, 0], x.sum(dim=(1, 2)))
    assert torch.equal(y, torch.cumsum(x, dim=1))


def test_char_text() -> None:
    text = dw.datasets.char_text()
    assert "Twinkle" in text.text and "Có công mài sắt" in text.text
    assert "ắ" in text.vocab and len(set(text.vocab)) == len(text.vocab)
    ids = text.encode("mài sắt")
    assert ids.dtype == torch.int64 and text.decode(ids) == "mài sắt"
    x, y = text.windows(steps=12)
    assert x.shape == y.shape == (len(text.text) - 12, 12)
    assert torch.equal(x[:, 1:], y[:, :-1])
    xs, _ = text.windows(steps=12, n=5, seed=3)
    assert xs.shape == (5, 12) and torch.equal(xs, text.windows(steps=12, n=5, seed=3)[0])
    with pytest.raises(KeyError, match="not in the vocabulary"):
        text.encode("Z@")


def test_the_text_ships_in_the_wheel() -> None:
    from hatchling.builders.wheel import WheelBuilder

    files = {f.distribution_path for f in WheelBuilder(".").recurse_included_files()}
    assert "dlwidgets/datasets/short_text.txt" in files
